/** The playbook loader: one task (or block) from its YAML map, its conditions checked. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Scalar } from 'yaml';
import type { SourcePos } from '../model/source.js';
import type { Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import type { Module } from '../modules/module.js';
import { ExpressionError } from '../template/errors.js';
import { parseCondition } from '../template/expr.js';
import { didYouMean, nearest, editDistance } from './diagnostics.js';
import { ANSIBLE_MODULE_HINTS, TASK_KEYWORDS, NOT_ON_BLOCK, UNSUPPORTED_TASK } from './keywords.js';
import { deref, toJS } from './yamlsrc.js';
import type { Entry } from './yamlsrc.js';
import { Loader, bool, mapOf, str, strList, valuePos, MODULE_KEY, TASK_KEYS, expansionCheck } from './playbook-loader.js';
import { moduleArgs, moduleHint } from './playbook-args.js';
import { readAsync, readConnectionKeywords } from './play-keywords.js';
import { expandInclude, includeEntry } from './include.js';


export function conds(L: Loader, e: Entry | undefined): string[] | undefined {
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
export function checkCondition(L: Loader, key: string, expr: string, node: unknown): void {
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


export function buildTask(L: Loader, item: unknown, id: string, inHandlers: boolean): Task | undefined {
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
  const inc = includeEntry(m.values());
  const candidates = [...m.values()].filter((e) => e !== inc && !TASK_KEYS.has(e.key) && MODULE_KEY.test(e.key));
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
    if (known.length === 0 && unknownModules === 0 && !inc) {
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
    expansionCheck(L, m.get('vars')!.value, vars);
  }
  readConnectionKeywords(L, m, js, task);
  if (!isBlock) readAsync(L, m, js, task.module, task);
  if (m.has('until') && !m.has('register')) {
    L.warn('until-without-register', m.get('until')!.keyNode, "'until' without 'register': the condition cannot see the task's result", "add 'register: NAME' and test NAME in 'until'");
  }
  if (inc && !isBlock) expandInclude(L, task, inc, m, inHandlers);
  if (inHandlers && !isBlock && task.name === undefined && !task.listen?.length) {
    L.warn('anonymous-handler', node, 'this handler has no name or listen: nothing can notify it');
  }
  return task;
}

/** "did you mean ..." over module names, one name per module (not its FQCN aliases too). */

/** Position of each `notify` item (when notify is a list). */
export const NOTIFY_POS = new WeakMap<Task, SourcePos[]>();
