/**
 * The data filters of the one filter table (filters.ts spreads them in): JSON and YAML written
 * as Ansible's Python writes them (`to_json` with `", "` and `": "`, ASCII only; `to_yaml` as
 * PyYAML's dump, keys sorted, flow style for collections of scalars), parsing, base64, hashes,
 * and the workstation lookups `lookup('env', ...)` and `lookup('file', ...)`, read at plan time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { Filter, FilterEnv } from './filters.js';
import { pyStr, toText, truthy, unmark } from './values.js';

const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Python's json.dumps: separators `, ` / `: ` (or `,` / `: ` when indented), non-ASCII as \uXXXX. */
export function pyJson(v: unknown, indent?: number, sortKeys = false, depth = 0): string {
  v = unmark(v);
  const nl = indent === undefined ? '' : '\n' + ' '.repeat(indent * (depth + 1));
  const end = indent === undefined ? '' : '\n' + ' '.repeat(indent * depth);
  const sep = indent === undefined ? ', ' : ',';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (typeof v === 'boolean') return String(v);
  if (depth > 100) throw new Error('value too deeply nested for JSON');
  if (Array.isArray(v)) return v.length ? `[${nl}${v.map((x) => pyJson(x, indent, sortKeys, depth + 1)).join(sep + nl)}${end}]` : '[]';
  if (typeof v === 'object') {
    const keys = Object.keys(v as object);
    if (sortKeys) keys.sort();
    return keys.length ? `{${nl}${keys.map((k) => `${pyJson(k)}: ${pyJson((v as Record<string, unknown>)[k], indent, sortKeys, depth + 1)}`).join(sep + nl)}${end}}` : '{}';
  }
  return JSON.stringify(String(v));
}

/** Strings PyYAML would read back as something else (YAML 1.1 booleans, null, numbers, dates). */
const IMPLICIT = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|[-+]?(?:0|[1-9][0-9_]*|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|=|<<)$/;

function yamlScalar(v: unknown, flow: boolean): string {
  v = unmark(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  const s = String(v);
  if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\n]/.test(s)) return JSON.stringify(s);
  const plain = s !== '' && !IMPLICIT.test(s) && !/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/\s$/.test(s) && !/: |:$| #|\t/.test(s) && !(flow && /[,[\]{}]/.test(s));
  return plain || (/^[-?:]/.test(s) && s.length > 1 && !/^[-?:]\s/.test(s) && !IMPLICIT.test(s) && !/: | #/.test(s) && !(flow && /[,[\]{}]/.test(s))) ? s : `'${s.replace(/'/g, "''")}'`;
}

const isScalar = (v: unknown): boolean => { v = unmark(v); return v === null || typeof v !== 'object'; };
const keysOf = (d: Record<string, unknown>): string[] => Object.keys(d).sort();

function flowOf(v: unknown): string {
  v = unmark(v);
  if (Array.isArray(v)) return `[${v.map(flowOf).join(', ')}]`;
  if (isDict(v)) return `{${keysOf(v).map((k) => `${yamlScalar(k, true)}: ${flowOf(v[k])}`).join(', ')}}`;
  return yamlScalar(v, true);
}

/** PyYAML's yaml.dump(v, default_flow_style=None|False, indent=n, sort_keys=True). */
export function pyYaml(v: unknown, indent = 2, flowLeaves = true): string {
  const pad = ' '.repeat(indent);
  const inline = (x: unknown): string | undefined => {
    x = unmark(x);
    if (isScalar(x)) return yamlScalar(x, false);
    const items = Array.isArray(x) ? x : Object.values(x as object);
    if (!items.length) return Array.isArray(x) ? '[]' : '{}';
    return flowLeaves && items.every(isScalar) ? flowOf(x) : undefined;
  };
  const block = (x: unknown, ind: string): string[] => {
    x = unmark(x);
    const out: string[] = [];
    if (Array.isArray(x)) {
      const dash = '-' + ' '.repeat(indent - 1);
      for (const item of x) {
        const one = inline(item);
        if (one !== undefined) { out.push(`${ind}- ${one}`); continue; }
        const lines = block(item, ind + pad);
        out.push(ind + dash + lines[0]!.slice(ind.length + pad.length), ...lines.slice(1));
      }
    } else {
      const d = x as Record<string, unknown>;
      for (const k of keysOf(d)) {
        const one = inline(d[k]);
        if (one !== undefined) out.push(`${ind}${yamlScalar(k, false)}: ${one}`);
        else out.push(`${ind}${yamlScalar(k, false)}:`, ...block(d[k], Array.isArray(unmark(d[k])) ? ind : ind + pad));
      }
    }
    return out;
  };
  const top = inline(v);
  if (top !== undefined) return `${top}\n`;
  return block(v, '').join('\n') + '\n';
}

function lookupFile(path: string, env: FilterEnv): string {
  const dir = toText(env.root('playbook_dir') ?? process.cwd());
  const full = isAbsolute(path) ? path : join(dir, 'files', path);
  for (const p of isAbsolute(path) ? [path] : [full, join(dir, path)]) {
    try { return readFileSync(p, 'utf8').replace(/\s+$/, ''); } catch { /* next */ }
  }
  return env.fail(`lookup('file', ${JSON.stringify(path)}): not found (tried ${dir}/files/${path} and ${dir}/${path})`);
}

/** The lookups etcdplay has, run on the workstation when the task is planned. */
export const LOOKUPS: Record<string, (term: string, env: FilterEnv) => unknown> = {
  env: (name) => process.env[name] ?? '',
  file: lookupFile,
};

function lookup(asList: boolean): Filter {
  return {
    fn: (kind, terms, env, kw) => {
      const k = pyStr(kind);
      const f = LOOKUPS[k];
      if (!f) env.fail(`lookup '${k}' is not supported (available: ${Object.keys(LOOKUPS).join(', ')}; for 'vars' use the variable itself or vars[name], for 'pipe' a command task with register, for 'template' the template module)`);
      const values = terms.flatMap((t) => (Array.isArray(unmark(t)) ? (unmark(t) as unknown[]) : [t])).map((t) => f(pyStr(t), env));
      if (asList || truthy(kw.wantlist)) return values;
      return values.length === 1 ? values[0] : values.map((x) => pyStr(x)).join(',');
    },
  };
}

const hash = (algo: string) => (v: unknown, env: FilterEnv): string => {
  try { return createHash(algo).update(toText(v)).digest('hex'); } catch { return env.fail(`unknown hash type '${algo}' (use sha1, sha256, sha512 or md5)`); }
};

export const DATA_FILTERS: Record<string, Filter> = {
  to_json: { fn: (v, _a, _e, kw) => pyJson(v, kw.indent === undefined ? undefined : Number(kw.indent), truthy(kw.sort_keys ?? false)) },
  json: { fn: (v) => pyJson(v) },
  to_nice_json: { fn: (v, [indent], _e, kw) => pyJson(v, Number(kw.indent ?? indent ?? 4), truthy(kw.sort_keys ?? true)) },
  from_json: { fn: (v, _a, env) => { try { return JSON.parse(toText(v)); } catch (err) { return env.fail(`'from_json': ${(err as Error).message}`); } } },
  to_yaml: { fn: (v, _a, _e, kw) => pyYaml(v, Number(kw.indent ?? 2), true) },
  to_nice_yaml: { fn: (v, [indent], _e, kw) => pyYaml(v, Number(kw.indent ?? indent ?? 4), false) },
  from_yaml: { fn: (v, _a, env) => { try { return parseYaml(toText(v), { version: '1.1' }) ?? null; } catch (err) { return env.fail(`'from_yaml': ${(err as Error).message.split('\n')[0]}`); } } },
  from_yaml_all: { fn: (v) => parseAllDocuments(toText(v), { version: '1.1' }).map((d) => ('toJS' in d ? d.toJS() : null)) },
  b64encode: { fn: (v) => Buffer.from(toText(v), 'utf8').toString('base64') },
  b64decode: { fn: (v) => Buffer.from(toText(v), 'base64').toString('utf8') },
  hash: { fn: (v, [algo], env) => hash(pyStr(algo ?? 'sha1'))(v, env) },
  checksum: { fn: (v, _a, env) => hash('sha1')(v, env) },
  sha1: { fn: (v, _a, env) => hash('sha1')(v, env) },
  md5: { fn: (v, _a, env) => hash('md5')(v, env) },
  lookup: lookup(false),
  query: lookup(true),
  q: lookup(true),
};
