/** The playbook loader: a task's module args (free-form, key=value or a map) checked against the module's schema. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { ErrorObject } from 'ajv';
import type { Module } from '../modules/module.js';
import { didYouMean, nearest } from './diagnostics.js';
import { splitKeyValueArgs } from './kv.js';
import { validateModuleArgs } from './schema.js';
import { deref, entries, splitPointer, toJS } from './yamlsrc.js';
import type { Entry } from './yamlsrc.js';
import { Loader, type Path, YES_NO, TEMPLATE } from './playbook-loader.js';
import { describeType, valueAt, yesNoHint } from './playbook-schema.js';


export function moduleHint(L: Loader, word: string): string {
  const seen = new Set<Module<any>>();
  const picked: string[] = [];
  for (const n of nearest(word, L.modules.names(), 10)) {
    const mod = L.modules.get(n);
    if (!mod || seen.has(mod)) continue;
    seen.add(mod);
    picked.push(n);
  }
  return didYouMean(word, picked, 3) ?? "run 'etcdplay modules' for the list";
}

/** Resolve a task's module args (mapping, key=value text or free form, plus `args:`) and validate them. */
export function moduleArgs(L: Loader, e: Entry, argsEntry: Entry | undefined, mod: Module<any>, _id: string): unknown {
  const value = deref(L.src, e.value);
  const extraNode = argsEntry ? deref(L.src, argsEntry.value) : undefined;
  const extra = isMap(extraNode) ? (toJS(L.src, extraNode) as Record<string, unknown>) : {};
  const v = toJS(L.src, value);
  const ctx: ArgsCtx = { L, mod, e, value, extraNode };

  if (v === null || v === undefined) {
    const args = { ...extra };
    checkArgs(ctx, args, false);
    return args;
  }
  if (typeof v === 'string') {
    if (mod.freeForm) {
      if (!argsEntry) return v;
      const args = { [mod.freeForm]: v, ...extra };
      checkArgs(ctx, args, false);
      return args;
    }
    const split = splitKeyValueArgs(v);
    if (split.error) {
      L.err('bad-kv-args', value, `cannot parse the arguments of '${e.key}': ${split.error}`);
      return v;
    }
    if (split.free.length) {
      L.err('free-form-args', value, `module '${mod.name}' does not take free-form text ('${split.free[0]}')`, 'write key=value pairs or a mapping of arguments');
      return split.args;
    }
    for (const d of split.duplicates) L.err('duplicate-arg', value, `argument '${d}' is given twice`);
    const args = { ...extra, ...split.args };
    checkArgs(ctx, kvBooleans(mod, args), true);
    return args;
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const args = { ...extra, ...(v as Record<string, unknown>) };
    checkArgs(ctx, args, false);
    return args;
  }
  return v; // wrong type, reported by the schema
}

/** In key=value text, yes/no/on/off stand for booleans (as in Ansible) where the schema wants one. */
export function kvBooleans(mod: Module<any>, args: Record<string, unknown>): Record<string, unknown> {
  const props = (mod.argsSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const out = { ...args };
  for (const [k, v] of Object.entries(out)) {
    const t = props[k]?.type;
    const wantsBool = Array.isArray(t) ? t.includes('boolean') : t === 'boolean';
    if (wantsBool && typeof v === 'string' && YES_NO.test(v)) out[k] = /^(yes|y|on|true)$/i.test(v);
  }
  return out;
}

export interface ArgsCtx { L: Loader; mod: Module<any>; e: Entry; value: unknown; extraNode: unknown }

export function argNode(ctx: ArgsCtx, rel: Path, preferKey = false): unknown {
  const { L } = ctx;
  if (rel.length === 0) return ctx.e.keyNode;
  for (const base of [ctx.value, ctx.extraNode]) {
    const b = deref(L.src, base);
    if (!isMap(b)) continue;
    const first = entries(L.src, b).find((x) => x.key === String(rel[0]));
    if (!first) continue;
    if (rel.length === 1 && preferKey) return first.keyNode;
    let node: unknown = first.value ?? first.keyNode;
    for (const seg of rel.slice(1)) {
      const n = deref(L.src, node);
      let next: unknown;
      if (isSeq(n)) next = n.items[Number(seg)];
      else if (isMap(n)) next = entries(L.src, n).find((x) => x.key === String(seg))?.value;
      if (next === undefined || next === null) break;
      node = next;
    }
    return node;
  }
  // key=value text: point at `key=` inside the text when it can be found.
  const v = deref(L.src, ctx.value);
  if (!isScalar(v)) return ctx.e.keyNode;
  const range = (v as Node).range;
  if (range) {
    const raw = L.src.text.slice(range[0], range[1]);
    const m = new RegExp(`(^|[\\s"'])${String(rel[0]).replace(/[^A-Za-z0-9_]/g, '')}=`).exec(raw);
    if (m) {
      const at = range[0] + m.index + m[1]!.length;
      return { range: [at, at, at] };
    }
  }
  return v;
}

export function checkArgs(ctx: ArgsCtx, args: Record<string, unknown>, coerce: boolean): void {
  const { L, mod } = ctx;
  const { errors, schemaError } = validateModuleArgs(mod, args, coerce);
  if (schemaError) {
    L.err('module-schema', ctx.e.keyNode, schemaError);
    return;
  }
  // anyOf/oneOf produce one error per branch; keep only the summary.
  const summaries = errors.filter((x) => x.keyword === 'anyOf' || x.keyword === 'oneOf').map((x) => x.schemaPath);
  const props = (mod.argsSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const err of errors) {
    if (summaries.some((s) => err.schemaPath !== s && err.schemaPath.startsWith(s + '/'))) continue;
    const rel: Path = splitPointer(err.instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const val = valueAt(args, rel);
    if (typeof val === 'string' && TEMPLATE.test(val) && err.keyword !== 'additionalProperties' && err.keyword !== 'required') continue;
    const argName = rel.length ? rel.join('.') : '';
    const label = `argument '${argName}' of module '${mod.name}'`;
    switch (err.keyword) {
      case 'required': {
        const missing = String(err.params.missingProperty);
        if (rel.length === 0) L.err('missing-arg', ctx.e.keyNode, `module '${mod.name}' requires argument '${missing}'`);
        else L.err('missing-arg', argNode(ctx, rel), `${label} requires '${missing}'`);
        break;
      }
      case 'additionalProperties': {
        const extra = String(err.params.additionalProperty);
        const path = [...rel, extra];
        const candidates = rel.length === 0 ? Object.keys(props) : Object.keys(((props[String(rel[0])] ?? {}).properties ?? {}) as object);
        L.err('unknown-arg', argNode(ctx, path, true), `module '${mod.name}' has no argument '${path.join('.')}'`, didYouMean(extra, candidates) ?? (candidates.length ? `its arguments are: ${candidates.join(', ')}` : undefined));
        break;
      }
      case 'type':
        L.err('bad-arg-type', argNode(ctx, rel), `${label} must be ${describeType(err.params.type)}`, yesNoHint(val, err.params.type));
        break;
      case 'enum': {
        const allowed = (err.params.allowedValues as unknown[]).map(String);
        L.err('bad-arg-value', argNode(ctx, rel), `${label} must be one of: ${allowed.join(', ')}`, typeof val === 'string' ? didYouMean(val, allowed) : undefined);
        break;
      }
      case 'anyOf': case 'oneOf': case 'not': {
        const c = rel.length === 0 ? combinationProblem(mod, err, args) : undefined;
        if (c) {
          L.err(c.code, c.key ? argNode(ctx, [c.key], true) : ctx.e.keyNode, c.message);
          break;
        }
        L.err('bad-args', argNode(ctx, rel), rel.length ? `${label} does not match any allowed form` : `the arguments of module '${mod.name}' do not match any allowed combination`, `see 'etcdplay modules ${mod.name}'`);
        break;
      }
      default:
        L.err('bad-arg-value', argNode(ctx, rel), rel.length ? `${label} ${err.message ?? 'is invalid'}` : `the arguments of module '${mod.name}' ${err.message ?? 'are invalid'}`, rel.length ? undefined : `see 'etcdplay modules ${mod.name}'`);
    }
  }
}


export const q = (xs: string[], last: string) => (xs.length <= 1 ? xs.map((x) => `'${x}'`).join('') : `${xs.slice(0, -1).map((x) => `'${x}'`).join(', ')} ${last} '${xs[xs.length - 1]}'`);

/**
 * Plain words for the usual argument combinations: oneOf/anyOf of `required` lists, and
 * `not: {required: [a, b]}` (mutually exclusive).
 */
export function combinationProblem(mod: Module<any>, err: ErrorObject, args: Record<string, unknown>): { code: string; message: string; key?: string } | undefined {
  const schema = mod.argsSchema as Record<string, unknown>;
  const has = (k: string) => args[k] !== undefined;
  if (err.keyword === 'not') {
    const req = ((schema.not ?? {}) as { required?: string[] }).required;
    if (!req || Object.keys(schema.not as object).length !== 1) return undefined;
    return { code: 'exclusive-args', message: `module '${mod.name}' takes ${q(req, 'or')}, not both`, key: req[req.length - 1] };
  }
  const branches = schema[err.keyword] as unknown;
  if (!Array.isArray(branches) || !branches.every((b) => b && typeof b === 'object' && Object.keys(b).length === 1 && Array.isArray((b as { required?: unknown }).required))) return undefined;
  const groups = branches.map((b) => (b as { required: string[] }).required);
  const present = groups.filter((g) => g.every(has));
  const names = groups.map((g) => g.join('+'));
  if (present.length === 0) {
    return { code: 'missing-arg', message: err.keyword === 'oneOf' ? `module '${mod.name}' requires one of ${q(names, 'or')}` : `module '${mod.name}' requires at least one of ${q(names, 'or')}` };
  }
  if (err.keyword === 'oneOf' && present.length > 1) {
    const p = present.map((g) => g.join('+'));
    return { code: 'exclusive-args', message: `module '${mod.name}' takes only one of ${q(p, 'and')}`, key: present[1]![0] };
  }
  return undefined;
}

/** Every `notify` must name a handler (or a `listen` topic) of the play. */
