/**
 * The playbook loader: YAML -> Playbook with a source position on every play and task, and every
 * problem of the file reported at once (YAML syntax, schema, modules and their args).
 * Parts: playbook-loader.ts (the Loader, shared readers), playbook-schema.ts (schema errors ->
 * diagnostics), playbook-task.ts (one task or block), playbook-args.ts (module args).
 */
import { MAX_YAML_ALIASES } from '../template/limits.js';
import { readInputFile } from './bounds.js';
import { isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap } from 'yaml';
import type { Diagnostic } from '../model/source.js';
import type { Play, Playbook, Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { diag, didYouMean, hasErrors, sortDiagnostics } from './diagnostics.js';
import { validatePlaybookData } from './schema.js';
import { ANSIBLE_MODULE_HINTS } from './keywords.js';
import { deref, entries, parseYamlSource, toJS } from './yamlsrc.js';
import { Loader, registryLookup, type LoadOptions, mapOf, str, strList, bool, expansionCheck, TEMPLATE } from './playbook-loader.js';
import { schemaDiagnostics, octalWarnings } from './playbook-schema.js';
import { buildTask, NOTIFY_POS } from './playbook-task.js';
import { readConnectionKeywords } from './play-keywords.js';
import { applyRoles } from './roles.js';
import { fileLines } from './include.js';
import { importPlaybook, isImportPlaybook } from './import-playbook.js';

export { registryLookup, type LoadOptions, type ModuleLookup } from './playbook-loader.js';

export function loadPlaybook(file: string, opts: LoadOptions = {}): { playbook?: Playbook; diagnostics: Diagnostic[] } {
  const r = readInputFile(file, 'playbook');
  if ('diagnostic' in r) return { diagnostics: [r.diagnostic] };
  return parsePlaybook(r.text, file, opts);
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
  const tasksFile = tasksFileItem(L, root.items);
  if (tasksFile) {
    L.err('tasks-file', tasksFile, 'this is a tasks file (a list of tasks), not a playbook: no item has hosts:',
      "wrap the tasks in a play ('- hosts: etcd' then 'tasks:' with the tasks indented under it), or run them from a play's tasks with 'include_tasks: <this file>'");
    return { diagnostics: sortDiagnostics(L.ds) };
  }
  const data = src.doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  schemaDiagnostics(L, validatePlaybookData(data), data);
  octalWarnings(L);

  const plays: Play[] = [];
  root.items.forEach((item) => {
    const node = deref(src, item);
    if (!isMap(node)) return; // reported by the schema
    if (isImportPlaybook(L, node)) plays.push(...importPlaybook(L, node, (opts.firstPlayIndex ?? 0) + plays.length, opts));
    else plays.push(buildPlay(L, node, (opts.firstPlayIndex ?? 0) + plays.length));
  });
  const diagnostics = sortDiagnostics(L.ds);
  if (hasErrors(diagnostics)) return { diagnostics };
  return { playbook: { file, plays }, diagnostics };
}

/**
 * The first item when every item of the list is a task (a module or block key, no play key such
 * as hosts or import_playbook): an Ansible tasks file passed as a playbook. Else undefined.
 */
function tasksFileItem(L: Loader, items: unknown[]): unknown {
  const maps = items.map((i) => deref(L.src, i)).filter((n): n is YAMLMap => isMap(n));
  if (!maps.length || maps.length !== items.length) return undefined;
  const isTask = (m: YAMLMap) => {
    const keys = entries(L.src, m).map((e) => e.key);
    if (keys.some((k) => k === 'hosts' || k === 'import_playbook' || k === 'roles' || k === 'tasks')) return false;
    return keys.some((k) => k === 'block' || L.modules.get(k) !== undefined || k in ANSIBLE_MODULE_HINTS || /^ansible\.(builtin|posix)\./.test(k));
  };
  return maps.every(isTask) ? maps[0] : undefined;
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
  readConnectionKeywords(L, m, js, play);

  const sections = [['pre_tasks', 'preTasks'], ['tasks', 'tasks'], ['post_tasks', 'postTasks'], ['handlers', 'handlers']] as const;
  for (const [key, field] of sections) {
    const e = m.get(key);
    if (!e) continue;
    const list = deref(L.src, e.value);
    if (!isSeq(list)) continue; // null or reported by the schema
    play[field] = list.items.map((item, j) => buildTask(L, item, `p${index}.${key}.${j}`, key === 'handlers')).filter((t): t is Task => !!t);
  }
  applyRoles(L, m, play);
  if (!['pre_tasks', 'tasks', 'post_tasks', 'roles', 'import_playbook'].some((k) => m.has(k)) && m.has('hosts')) {
    L.warn('no-tasks', node, `play '${play.name}' has no tasks`);
  }
  checkNotify(L, play);
  return play;
}

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
        L.ds.push(diag('unknown-handler', pos, `no handler named '${n}' in this play`, { lines: pos.file === L.src.file ? L.src.lines : fileLines(pos.file), hint: didYouMean(n, names) }));
      });
      walk([...(t.block ?? []), ...(t.rescue ?? []), ...(t.always ?? [])]);
    }
  };
  walk([...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers]);
}

/** Variables whose templates would expand beyond MAX_RENDERED_BYTES (estimated without rendering): an error at the variable. */
