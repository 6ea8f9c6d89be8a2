import { expansionSizes, MAX_RENDERED_BYTES, MAX_YAML_ALIASES, tooLarge } from '../template/limits.js';
import { readInputFile } from './bounds.js';
import { isMap, isScalar, isSeq, visit } from 'yaml';
import type { Node, Scalar, YAMLMap } from 'yaml';
import type { ErrorObject } from 'ajv';
import type { Diagnostic, SourcePos } from '../model/source.js';
import type { Play, Playbook, Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import type { Module } from '../modules/module.js';
import { getModule, moduleNames } from '../modules/registry.js';
import { ExpressionError } from '../template/errors.js';
import { parseCondition } from '../template/expr.js';
import { diag, didYouMean, hasErrors, nearest, editDistance, sortDiagnostics } from './diagnostics.js';
import { splitKeyValueArgs } from './kv.js';
import { validateModuleArgs, validatePlaybookData } from './schema.js';
import { ANSIBLE_MODULE_HINTS, PLAY_KEYWORDS, TASK_KEYWORDS, NOT_ON_BLOCK, UNSUPPORTED_PLAY, UNSUPPORTED_TASK } from './keywords.js';
import { deref, entries, keyNodeAtPath, nodeAtPath, nodePos, parseYamlSource, splitPointer, toJS, yesNoWarnings } from './yamlsrc.js';
import type { Entry, YamlSource } from './yamlsrc.js';

/**
 * The playbook loader: YAML -> Playbook with a source position on every play and task, and every
 * problem of the file reported at once (YAML syntax, schema, modules and their args).
 */

/** Where modules are looked up; the registry by default (tests may pass their own). */
export interface ModuleLookup {
  get(name: string): Module<any> | undefined;
  names(): string[];
}

export interface LoadOptions {
  modules?: ModuleLookup;
}

export const registryLookup: ModuleLookup = { get: getModule, names: moduleNames };

export function loadPlaybook(file: string, opts: LoadOptions = {}): { playbook?: Playbook; diagnostics: Diagnostic[] } {
  const r = readInputFile(file, 'playbook');
  if ('diagnostic' in r) return { diagnostics: [r.diagnostic] };
  return parsePlaybook(r.text, file, opts);
}

const MODULE_KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const TASK_KEYS = new Set<string>(TASK_KEYWORDS);
const YES_NO = /^(yes|no|on|off|y|n|true|false|True|False|TRUE|FALSE|Yes|No|YES|NO|On|Off|ON|OFF)$/;
const TEMPLATE = /\{\{|\{%/;

type Path = (string | number)[];

class Loader {
  readonly ds: Diagnostic[] = [];
  constructor(readonly src: YamlSource, readonly modules: ModuleLookup) {}

  err(code: string, node: unknown, message: string, hint?: string): void {
    this.ds.push(diag(code, nodePos(this.src, node), message, { lines: this.src.lines, hint }));
  }
  warn(code: string, node: unknown, message: string, hint?: string): void {
    this.ds.push(diag(code, nodePos(this.src, node), message, { lines: this.src.lines, hint, severity: 'warning' }));
  }
  pos(node: unknown): SourcePos {
    return nodePos(this.src, node);
  }
}

export function parsePlaybook(text: string, file: string, opts: LoadOptions = {}): { playbook?: Playbook; diagnostics: Diagnostic[] } {
  try {
    return parsePlaybookUnsafe(text.replace(/^\uFEFF/, ''), file, opts);
  } catch (e) {
    // A bug, not the user's fault: still report it as a diagnostic rather than crash.
    return { diagnostics: [diag('internal-error', { file, line: 1, col: 1 }, `internal error while loading the playbook: ${(e as Error).message}`, { hint: 'please report this with the file' })] };
  }
}

function parsePlaybookUnsafe(text: string, file: string, opts: LoadOptions): { playbook?: Playbook; diagnostics: Diagnostic[] } {
  const src = parseYamlSource(text, file);
  const L = new Loader(src, opts.modules ?? registryLookup);
  L.ds.push(...src.diagnostics);
  // Syntax errors make the rest unreliable; duplicate keys do not.
  if (src.diagnostics.some((d) => d.severity === 'error' && d.code !== 'duplicate-key')) {
    if (iniInventoryLine(text) >= 0) return notAPlaybook(L, text);
    return { diagnostics: sortDiagnostics(L.ds) };
  }
  const root = deref(src, src.doc.contents);
  if (root === null || root === undefined || (isScalar(root) && (root.value === null || root.value === ''))) {
    L.err('empty-playbook', root, 'the playbook is empty', "a playbook is a list of plays: '- hosts: all'");
    return { diagnostics: sortDiagnostics(L.ds) };
  }
  if (!isSeq(root)) {
    if (iniInventoryLine(text) >= 0) return notAPlaybook(L, text);
    const keys = isMap(root) ? entries(src, root) : [];
    const looksLikeInventory = keys.length > 0 && (keys.some((e) => e.key === 'all') || keys.every((e) => {
      const v = deref(src, e.value);
      return isMap(v) && entries(src, v).some((x) => x.key === 'hosts' || x.key === 'children');
    }));
    const hint = keys.some((e) => e.key === 'hosts')
      ? "this looks like a single play: put '- ' before 'hosts:' (and indent the rest)"
      : looksLikeInventory ? 'this looks like an inventory: pass it with -i' : "a playbook is a list of plays: '- hosts: all'";
    L.err('not-a-list', root, 'a playbook must be a list of plays', hint);
    return { diagnostics: sortDiagnostics(L.ds) };
  }
  const data = src.doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  schemaDiagnostics(L, validatePlaybookData(data), data);
  octalWarnings(L);

  const plays: Play[] = [];
  root.items.forEach((item, i) => {
    const node = deref(src, item);
    if (!isMap(node)) return; // reported by the schema
    plays.push(buildPlay(L, node, i));
  });
  const diagnostics = sortDiagnostics(L.ds);
  if (hasErrors(diagnostics)) return { diagnostics };
  return { playbook: { file, plays }, diagnostics };
}

/** Line index of the first INI section header (`[etcd]`, `[g:children]`), or -1. */
function iniInventoryLine(text: string): number {
  return text.split('\n').findIndex((l) => /^\[[A-Za-z0-9_.-]+(:(children|vars))?\]\s*$/.test(l.trim()));
}

function notAPlaybook(L: Loader, text: string): { diagnostics: Diagnostic[] } {
  const line = iniInventoryLine(text);
  const d = diag('not-a-playbook', { file: L.src.file, line: line + 1, col: 1 }, 'this looks like an INI inventory, not a playbook', { lines: L.src.lines, hint: 'pass inventories with -i' });
  return { diagnostics: [d] };
}

// ---------------------------------------------------------------------------------------------
// Schema errors -> diagnostics

function describeType(t: unknown): string {
  const names: Record<string, string> = {
    boolean: 'a boolean (true or false)', string: 'a string', array: 'a list', object: 'a mapping',
    integer: 'an integer', number: 'a number', null: 'empty',
  };
  const list = (Array.isArray(t) ? t : String(t).split(',')).map((x) => names[x] ?? x);
  return list.length <= 1 ? list[0] ?? String(t) : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/** What the object at `path` is: a play, a task, loop_control, ... */
function containerKind(path: Path): 'playbook' | 'play' | 'task' | 'loop_control' | 'vars' | 'environment' | 'other' {
  if (path.length === 0) return 'playbook';
  if (path.length === 1) return 'play';
  const last = path[path.length - 1]!;
  const parent = path[path.length - 2];
  if (/^\d+$/.test(String(last)) && ['tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'].includes(String(parent))) return 'task';
  if (last === 'loop_control') return 'loop_control';
  if (last === 'vars') return 'vars';
  if (last === 'environment') return 'environment';
  return 'other';
}

function yesNoHint(value: unknown, expected: unknown): string | undefined {
  const wantsBool = Array.isArray(expected) ? expected.includes('boolean') : expected === 'boolean';
  if (wantsBool && typeof value === 'string' && YES_NO.test(value)) {
    return `YAML 1.2 reads '${value}' as a string; write ${/^(yes|y|on|true)$/i.test(value) ? 'true' : 'false'} (unquoted)`;
  }
  if (typeof value === 'string' && TEMPLATE.test(value)) return 'a template is not allowed here: the value must be known before the play runs';
  return undefined;
}

function schemaDiagnostics(L: Loader, errors: ErrorObject[], data: unknown): void {
  const src = L.src;
  for (const e of errors) {
    const path: Path = splitPointer(e.instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const key = String(path[path.length - 1] ?? '');
    const node = nodeAtPath(src, path);
    const value = valueAt(data, path);
    const parentKind = containerKind(path.slice(0, -1));
    const kind = containerKind(path);
    switch (e.keyword) {
      case 'type': {
        if (e.schemaPath.includes('/patternProperties/')) {
          // A module key with a value of the wrong type; unknown keys are reported by the task walk.
          const mod = L.modules.get(key);
          if (mod) {
            L.err('bad-module-args', node, `the arguments of module '${key}' must be a mapping${mod.freeForm ? ', free-form text' : ', key=value text'} or empty`);
          }
          break;
        }
        if (kind === 'play') L.err('bad-type', node, 'a play must be a mapping', "start a play with '- hosts: PATTERN'");
        else if (kind === 'task') {
          const word = typeof value === 'string' ? /^([A-Za-z_][\w.]*)\s+(.*)$/.exec(value) : null;
          const hint = word && L.modules.get(word[1]!) ? `a ':' is missing: write '${word[1]}: ${word[2]}'` : "write a task as '- name: ...' followed by a module, e.g. 'command: ls'";
          L.err('bad-type', node, 'a task must be a mapping', hint);
        }
        else if (kind === 'playbook') break;
        else if (path.includes('serial')) L.err('bad-serial', node, `invalid serial ${JSON.stringify(value)}`, "use a positive number, a percentage like '30%', or a list of them");
        else if (typeof path[path.length - 1] === 'number') {
          const listKey = String(path[path.length - 2]);
          L.err('bad-type', node, `each item of '${listKey}' must be ${describeType(e.params.type)}`, yesNoHint(value, e.params.type));
        } else {
          const what = parentKind === 'task' || parentKind === 'play' || parentKind === 'loop_control' ? `'${key}'` : `'${path.slice(-2).join('.')}'`;
          L.err('bad-type', node, `${what} must be ${describeType(e.params.type)}`, yesNoHint(value, e.params.type));
        }
        break;
      }
      case 'additionalProperties': {
        const extra = String(e.params.additionalProperty);
        const kn = keyNodeAtPath(src, path, extra);
        if (kind === 'play') {
          if (UNSUPPORTED_PLAY[extra]) L.err('unsupported-keyword', kn, `play keyword '${extra}' is not supported by etcdplay`, UNSUPPORTED_PLAY[extra]);
          else L.err('unknown-keyword', kn, `unknown play keyword '${extra}'`, didYouMean(extra, PLAY_KEYWORDS));
        } else if (kind === 'task') {
          L.err('unknown-keyword', kn, `unknown task keyword '${extra}'`, didYouMean(extra, [...TASK_KEYWORDS, ...L.modules.names()]));
        } else if (kind === 'loop_control') {
          L.err('unknown-keyword', kn, `unknown loop_control keyword '${extra}'`, didYouMean(extra, ['loop_var', 'label']) ?? 'only loop_var and label are supported');
        } else {
          L.err('unknown-keyword', kn, `unknown key '${extra}'`);
        }
        break;
      }
      case 'required': {
        const missing = String(e.params.missingProperty);
        if (kind === 'play' && missing === 'hosts') {
          const map = deref(src, node);
          const keys = isMap(map) ? entries(src, map).map((x) => x.key) : [];
          if (keys.some((k) => UNSUPPORTED_PLAY[k])) break; // already reported as unsupported
          L.err('missing-hosts', node, "the play has no 'hosts'", keys.some((k) => k === 'host') ? "the keyword is 'hosts'" : "add 'hosts: PATTERN' (e.g. 'hosts: etcd')");
        } else {
          L.err('missing-keyword', node, `'${missing}' is required here`);
        }
        break;
      }
      case 'pattern': {
        if (e.schemaPath.includes('/propertyNames/')) break; // reported by the propertyNames error
        const isSerial = path.includes('serial');
        if (isSerial) L.err('bad-serial', node, `invalid serial '${String(value)}'`, "use a positive number, a percentage like '30%', or a list of them");
        else if (key === 'register') L.err('bad-register', node, `'register' must be a variable name, got '${String(value)}'`, 'use letters, digits and _ only, not starting with a digit');
        else if (key === 'loop_var') L.err('bad-loop-var', node, `'loop_var' must be a variable name, got '${String(value)}'`);
        else L.err('bad-value', node, `'${key}' ${e.message ?? 'is invalid'}`);
        break;
      }
      case 'propertyNames': {
        const name = String(e.params.propertyName);
        const kn = keyNodeAtPath(src, path, name);
        if (kind === 'environment') L.err('bad-env-name', kn, `invalid environment variable name '${name}'`, 'use letters, digits and _ only, not starting with a digit');
        else L.err('bad-var-name', kn, `invalid variable name '${name}'`, 'use letters, digits and _ only, not starting with a digit');
        break;
      }
      case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
        if (path.includes('serial')) L.err('bad-serial', node, `invalid serial ${String(value)}`, "use a positive number, a percentage like '30%', or a list of them");
        else L.err('bad-value', node, `'${key}' must be ${e.keyword === 'minimum' ? '>=' : e.keyword === 'maximum' ? '<=' : e.keyword === 'exclusiveMinimum' ? '>' : '<'} ${String(e.params.limit)}, got ${String(value)}`);
        break;
      }
      case 'minItems':
        if (key === 'serial') L.err('bad-serial', node, 'serial must not be an empty list', 'omit serial to run all hosts at once');
        else L.err('bad-value', node, `'${key}' must not be empty`);
        break;
      case 'minLength':
        L.err('bad-value', node, `'${key}' must not be empty`);
        break;
      case 'enum':
        L.err('bad-value', node, `'${key}' must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`);
        break;
      default:
        L.err('schema', node, `'${key || 'playbook'}' ${e.message ?? 'is invalid'}`);
    }
  }
}

/** `mode: 0644` is the decimal number 644 in YAML 1.2 (Ansible's YAML 1.1 reads it as octal). */
function octalWarnings(L: Loader): void {
  visit(L.src.doc, {
    Scalar(_k, node: Scalar) {
      if (node.type === 'PLAIN' && typeof node.value === 'number' && /^[-+]?0[0-7]+$/.test(String(node.source ?? ''))) {
        L.warn('octal-number', node, `'${node.source}' is the decimal number ${node.value} in YAML 1.2`, `quote it ('${node.source}') if you mean an octal file mode`);
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Plays and tasks

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function strList(v: unknown, splitCommas = false): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
  if (typeof v === 'string') return splitCommas ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v];
  if (typeof v === 'number') return [String(v)];
  return [];
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function conds(L: Loader, e: Entry | undefined): string[] | undefined {
  if (!e) return undefined;
  const node = deref(L.src, e.value);
  const v = toJS(L.src, e.value);
  const items = Array.isArray(v) ? v : [v];
  const nodes = isSeq(node) ? node.items.map((x) => deref(L.src, x)) : [node];
  const out: string[] = [];
  items.forEach((x, i) => {
    if (typeof x === 'boolean') out.push(x ? 'true' : 'false');
    else if (typeof x === 'string') {
      const at = nodes[i] ?? e.value;
      if (/^\s*\{\{.*\}\}\s*$/s.test(x)) L.warn('template-in-condition', at, `'${e.key}' is already an expression: remove the {{ }}`, `write '${e.key}: ${x.replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, '')}'`);
      checkCondition(L, e.key, x, at);
      out.push(x);
    }
  });
  return out;
}

/** Report a condition that does not parse, pointing inside the text when it is on one line. */
function checkCondition(L: Loader, key: string, expr: string, node: unknown): void {
  try {
    parseCondition(expr);
  } catch (err) {
    if (!(err instanceof ExpressionError)) return;
    const problem = err.problem;
    let at: unknown = node;
    const sc = isScalar(node) ? (node as Scalar) : undefined;
    const range = sc?.range;
    if (sc && range && !expr.includes('{{') && !expr.includes('\n')) {
      const raw = L.src.text.slice(range[0], range[1]);
      const inner = sc.type === 'PLAIN' ? raw : sc.type === 'QUOTE_SINGLE' || sc.type === 'QUOTE_DOUBLE' ? raw.slice(1, -1) : undefined;
      if (inner === expr) {
        const off = range[0] + (sc.type === 'PLAIN' ? 0 : 1) + Math.min(err.column - 1, expr.length);
        at = { range: [off, off, off] };
      }
    }
    L.err('bad-condition', at, `invalid condition in '${key}': ${problem}`);
  }
}

function mapOf(L: Loader, node: YAMLMap): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const e of entries(L.src, node)) m.set(e.key, e);
  return m;
}

function valuePos(L: Loader, e: Entry): SourcePos {
  const v = deref(L.src, e.value);
  return v && (v as Node).range ? L.pos(v) : L.pos(e.keyNode);
}

function buildPlay(L: Loader, node: YAMLMap, index: number): Play {
  const m = mapOf(L, node);
  const js = (k: string) => (m.has(k) ? toJS(L.src, m.get(k)!.value) : undefined);
  const hostsRaw = js('hosts');
  const hosts = Array.isArray(hostsRaw) ? hostsRaw.map(String).join(',') : str(hostsRaw) ?? '';
  if (m.has('hosts') && typeof hostsRaw === 'string' && hostsRaw.trim() === '') L.err('empty-hosts', m.get('hosts')!.keyNode, "'hosts' is empty", "use 'all' for every host");

  const serial: (number | string)[] = [];
  const serialRaw = js('serial');
  for (const s of Array.isArray(serialRaw) ? serialRaw : serialRaw === undefined || serialRaw === null ? [] : [serialRaw]) {
    if (typeof s === 'number' && Number.isInteger(s) && s > 0) serial.push(s);
    else if (typeof s === 'string' && /^[1-9][0-9]*$/.test(s)) serial.push(Number(s));
    else if (typeof s === 'string' && /^[1-9][0-9]*%$/.test(s)) {
      if (Number(s.slice(0, -1)) > 100) L.err('bad-serial', m.get('serial')!.value, `invalid serial '${s}'`, 'a percentage must be at most 100%');
      serial.push(s);
    }
  }
  const varsRaw = js('vars');
  if (m.has('vars')) {
    L.ds.push(...yesNoWarnings(L.src, m.get('vars')!.value));
    expansionCheck(L, m.get('vars')!.value, varsRaw);
  }
  const play: Play = {
    index,
    name: str(js('name')) ?? hosts,
    pos: L.pos(node),
    hosts,
    vars: varsRaw && typeof varsRaw === 'object' && !Array.isArray(varsRaw) ? (varsRaw as Vars) : {},
    varsFiles: strList(js('vars_files')),
    serial,
    anyErrorsFatal: bool(js('any_errors_fatal')) ?? false,
    gatherFacts: bool(js('gather_facts')) ?? true,
    preTasks: [],
    tasks: [],
    postTasks: [],
    handlers: [],
    tags: strList(js('tags'), true),
  };
  const mfp = js('max_fail_percentage');
  if (typeof mfp === 'number') play.maxFailPercentage = mfp;
  const become = bool(js('become'));
  if (become !== undefined) play.become = become;
  const becomeUser = str(js('become_user'));
  if (becomeUser !== undefined) play.becomeUser = becomeUser;
  const confirm = str(js('confirm'));
  if (confirm) play.confirm = confirm;

  const sections = [['pre_tasks', 'preTasks'], ['tasks', 'tasks'], ['post_tasks', 'postTasks'], ['handlers', 'handlers']] as const;
  for (const [key, field] of sections) {
    const e = m.get(key);
    if (!e) continue;
    const list = deref(L.src, e.value);
    if (!isSeq(list)) continue; // null or reported by the schema
    play[field] = list.items.map((item, j) => buildTask(L, item, `p${index}.${key}.${j}`, key === 'handlers')).filter((t): t is Task => !!t);
  }
  if (!['pre_tasks', 'tasks', 'post_tasks', 'roles', 'import_playbook'].some((k) => m.has(k)) && m.has('hosts')) {
    L.warn('no-tasks', node, `play '${play.name}' has no tasks`);
  }
  checkNotify(L, play);
  return play;
}

function buildTask(L: Loader, item: unknown, id: string, inHandlers: boolean): Task | undefined {
  const node = deref(L.src, item);
  if (!isMap(node)) return undefined; // reported by the schema
  const m = mapOf(L, node);
  const js = (k: string) => (m.has(k) ? toJS(L.src, m.get(k)!.value) : undefined);
  const keyPos: Record<string, SourcePos> = {};
  for (const [k, e] of m) keyPos[k] = valuePos(L, e);

  const task: Task = { id, pos: L.pos(node), keyPos, tags: strList(js('tags'), true), notify: strList(js('notify')), vars: {} };
  const notifyNode = m.has('notify') ? deref(L.src, m.get('notify')!.value) : undefined;
  if (isSeq(notifyNode)) NOTIFY_POS.set(task, notifyNode.items.map((x) => L.pos(deref(L.src, x))));
  const name = str(js('name'));
  if (name !== undefined) task.name = name;

  // Module keys: everything that is not a task keyword (and looks like a name; other keys are
  // reported by the schema).
  const candidates = [...m.values()].filter((e) => !TASK_KEYS.has(e.key) && MODULE_KEY.test(e.key));
  const known: { e: Entry; mod: Module<any> }[] = [];
  const unknown: Entry[] = [];
  for (const e of candidates) {
    const mod = L.modules.get(e.key);
    if (mod) known.push({ e, mod });
    else unknown.push(e);
  }
  const isBlock = m.has('block');

  let unknownModules = 0;
  for (const u of unknown) {
    if (UNSUPPORTED_TASK[u.key]) {
      unknownModules++; // it stands where a module would be
      L.err('unsupported-keyword', u.keyNode, `'${u.key}' is not supported by etcdplay`, UNSUPPORTED_TASK[u.key]);
      continue;
    }
    const kwHint = nearest(u.key, TASK_KEYWORDS, 1)[0];
    const modHint = nearest(u.key, L.modules.names(), 1)[0];
    const kwDist = kwHint ? editDistance(u.key, kwHint) : Infinity;
    const modDist = modHint ? editDistance(u.key.split('.').pop()!, modHint.split('.').pop()!) : Infinity;
    if (isBlock || known.length > 0 || kwDist < modDist) {
      let hint = didYouMean(u.key, TASK_KEYWORDS);
      if (!hint && modHint && modDist <= 2) hint = `did you mean '${modHint}'? (a ${isBlock ? 'block cannot have a module' : 'task has only one module'})`;
      L.err('unknown-keyword', u.keyNode, `unknown ${isBlock ? 'block' : 'task'} keyword '${u.key}'`, hint);
    } else {
      unknownModules++;
      const ansible = ANSIBLE_MODULE_HINTS[u.key.split('.').pop()!];
      if (ansible) L.err('unknown-module', u.keyNode, `etcdplay has no module '${u.key}'`, ansible);
      else L.err('unknown-module', u.keyNode, `unknown module '${u.key}'`, moduleHint(L, u.key));
    }
  }

  for (const k of ['rescue', 'always']) {
    if (m.has(k) && !isBlock) L.err('rescue-without-block', m.get(k)!.keyNode, `'${k}' needs a 'block' in the same task`);
  }
  if (m.has('listen') && !inHandlers) L.err('listen-outside-handlers', m.get('listen')!.keyNode, "'listen' is only valid in handlers");
  if (m.has('loop') && m.has('with_items')) L.err('two-loops', m.get('with_items')!.keyNode, "use either 'loop' or 'with_items', not both");

  if (isBlock) {
    for (const { e } of known) L.err('module-in-block', e.keyNode, `a block cannot have a module ('${e.key}')`, 'move it into a task inside the block');
    for (const k of m.keys()) if (NOT_ON_BLOCK.has(k)) L.err('keyword-on-block', m.get(k)!.keyNode, `'${k}' is not allowed on a block`, 'put it on the tasks inside the block');
    for (const section of ['block', 'rescue', 'always'] as const) {
      const e = m.get(section);
      const list = e ? deref(L.src, e.value) : undefined;
      if (isSeq(list)) task[section] = list.items.map((x, j) => buildTask(L, x, `${id}.${section}.${j}`, inHandlers)).filter((t): t is Task => !!t);
      else if (e && (!list || (isScalar(list) && list.value === null))) task[section] = [];
    }
  } else {
    if (known.length > 1) {
      L.err('two-modules', known[1]!.e.keyNode, `the task has more than one module: '${known[0]!.e.key}' and '${known[1]!.e.key}'`, 'split it into two tasks');
    }
    if (known.length === 0 && unknownModules === 0) {
      L.err('no-module', node, 'the task has no module', "add one, e.g. 'command: ...' (see 'etcdplay modules')");
    }
    if (known.length >= 1) {
      const { e, mod } = known[0]!;
      task.module = mod.name;
      if (e.key !== mod.name) keyPos[mod.name] = keyPos[e.key]!;
      task.args = moduleArgs(L, e, m.get('args'), mod, id);
    }
  }

  const setCond = (k: string, f: 'when' | 'failedWhen' | 'changedWhen' | 'until') => {
    const c = conds(L, m.get(k));
    if (c) task[f] = c;
  };
  setCond('when', 'when');
  setCond('failed_when', 'failedWhen');
  setCond('changed_when', 'changedWhen');
  setCond('until', 'until');
  const register = str(js('register'));
  if (register !== undefined) task.register = register;
  const delegate = str(js('delegate_to'));
  if (delegate !== undefined) task.delegateTo = delegate;
  const becomeUser = str(js('become_user'));
  if (becomeUser !== undefined) task.becomeUser = becomeUser;
  const bools = [['run_once', 'runOnce'], ['become', 'become'], ['ignore_errors', 'ignoreErrors'], ['ignore_unreachable', 'ignoreUnreachable'], ['no_log', 'noLog'], ['check_mode', 'checkMode']] as const;
  for (const [k, f] of bools) {
    const b = bool(js(k));
    if (b !== undefined) task[f] = b;
  }
  const retries = js('retries');
  if (typeof retries === 'number' && Number.isInteger(retries)) task.retries = retries;
  const delay = js('delay');
  if (typeof delay === 'number') task.delay = delay;
  if (m.has('listen')) task.listen = strList(js('listen'));
  if (m.has('loop')) task.loop = js('loop');
  else if (m.has('with_items')) {
    const wi = js('with_items');
    task.loop = Array.isArray(wi) ? wi.flatMap((x) => (Array.isArray(x) ? x : [x])) : wi;
  }
  const lc = js('loop_control');
  if (lc && typeof lc === 'object' && typeof (lc as Record<string, unknown>).loop_var === 'string') task.loopVar = (lc as Record<string, string>).loop_var;
  if ((m.has('loop_control')) && !m.has('loop') && !m.has('with_items')) L.warn('loop-control-without-loop', m.get('loop_control')!.keyNode, "'loop_control' has no effect without 'loop'");
  const vars = js('vars');
  if (vars && typeof vars === 'object' && !Array.isArray(vars)) task.vars = vars as Vars;
  if (m.has('vars')) {
    L.ds.push(...yesNoWarnings(L.src, m.get('vars')!.value));
    expansionCheck(L, m.get('vars')!.value, vars);
  }
  const env = js('environment');
  if (env && typeof env === 'object' && !Array.isArray(env)) {
    task.environment = Object.fromEntries(Object.entries(env as Record<string, unknown>).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)).map(([k, v]) => [k, String(v)]));
  }
  if (m.has('until') && !m.has('register')) {
    L.warn('until-without-register', m.get('until')!.keyNode, "'until' without 'register': the condition cannot see the task's result", "add 'register: NAME' and test NAME in 'until'");
  }
  if (inHandlers && !isBlock && task.name === undefined && !task.listen?.length) {
    L.warn('anonymous-handler', node, 'this handler has no name or listen: nothing can notify it');
  }
  return task;
}

/** "did you mean ..." over module names, one name per module (not its FQCN aliases too). */
function moduleHint(L: Loader, word: string): string {
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
function moduleArgs(L: Loader, e: Entry, argsEntry: Entry | undefined, mod: Module<any>, _id: string): unknown {
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
function kvBooleans(mod: Module<any>, args: Record<string, unknown>): Record<string, unknown> {
  const props = (mod.argsSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const out = { ...args };
  for (const [k, v] of Object.entries(out)) {
    const t = props[k]?.type;
    const wantsBool = Array.isArray(t) ? t.includes('boolean') : t === 'boolean';
    if (wantsBool && typeof v === 'string' && YES_NO.test(v)) out[k] = /^(yes|y|on|true)$/i.test(v);
  }
  return out;
}

interface ArgsCtx { L: Loader; mod: Module<any>; e: Entry; value: unknown; extraNode: unknown }

function argNode(ctx: ArgsCtx, rel: Path, preferKey = false): unknown {
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

function checkArgs(ctx: ArgsCtx, args: Record<string, unknown>, coerce: boolean): void {
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

/** Position of each `notify` item (when notify is a list). */
const NOTIFY_POS = new WeakMap<Task, SourcePos[]>();

const q = (xs: string[], last: string) => (xs.length <= 1 ? xs.map((x) => `'${x}'`).join('') : `${xs.slice(0, -1).map((x) => `'${x}'`).join(', ')} ${last} '${xs[xs.length - 1]}'`);

/**
 * Plain words for the usual argument combinations: oneOf/anyOf of `required` lists, and
 * `not: {required: [a, b]}` (mutually exclusive).
 */
function combinationProblem(mod: Module<any>, err: ErrorObject, args: Record<string, unknown>): { code: string; message: string; key?: string } | undefined {
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
function checkNotify(L: Loader, play: Play): void {
  const names = new Set<string>();
  const walkH = (ts: Task[]) => {
    for (const h of ts) {
      if (h.name) names.add(h.name);
      for (const l of h.listen ?? []) names.add(l);
      walkH([...(h.block ?? []), ...(h.rescue ?? []), ...(h.always ?? [])]);
    }
  };
  walkH(play.handlers);
  const walk = (ts: Task[]) => {
    for (const t of ts) {
      t.notify.forEach((n, i) => {
        if (TEMPLATE.test(n) || names.has(n)) return;
        const pos = NOTIFY_POS.get(t)?.[i] ?? t.keyPos?.notify ?? t.pos;
        L.ds.push(diag('unknown-handler', pos, `no handler named '${n}' in this play`, { lines: L.src.lines, hint: didYouMean(n, names) }));
      });
      walk([...(t.block ?? []), ...(t.rescue ?? []), ...(t.always ?? [])]);
    }
  };
  walk([...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers]);
}

/** Variables whose templates would expand beyond MAX_RENDERED_BYTES (estimated without rendering): an error at the variable. */
function expansionCheck(L: Loader, node: unknown, vars: unknown): void {
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return;
  const map = deref(L.src, node);
  if (!isMap(map)) return;
  const sizes = expansionSizes(vars as Record<string, unknown>);
  for (const e of entries(L.src, map)) {
    const n = sizes.get(e.key) ?? 0;
    if (n > MAX_RENDERED_BYTES) L.err('template-too-large', e.keyNode ?? e.pair, tooLarge(n, `variable '${e.key}' rendered`), 'a variable may hold at most 1 MiB once its templates are expanded');
  }
}
