/**
 * Includes at load time: tasks files (import_tasks, and the files include_tasks names), the
 * static expansion of import_tasks / import_role into blocks, and the dynamic include_tasks /
 * include_role recorded on the task for the run (resolved per host by plan/include.ts).
 *
 * Every included file is read by its own Loader, so a problem inside it is reported at its own
 * file:line:col; a file that cannot be found is reported at the reference, with the paths searched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Diagnostic } from '../model/source.js';
import type { RoleScope, Task } from '../model/playbook.js';
import { readInputFile } from './bounds.js';
import { Loader, TEMPLATE, mapOf, registryLookup, str, type ModuleLookup } from './playbook-loader.js';
import { NOT_ON_BLOCK } from './keywords.js';
import { buildTask } from './playbook-task.js';
import { deref, entries, parseYamlSource, toJS, type Entry } from './yamlsrc.js';
import { loadRoleTasks } from './roles.js';

/** What a Loader knows about where it is: the playbook, the role, the files being loaded, the play's role handlers. */
export interface IncludeContext {
  playbookDir: string;
  role?: RoleScope;
  /** Files and roles being loaded, outermost first (to refuse cycles). */
  stack: string[];
  /** Handlers of the roles the current play uses, added to the play's handlers (shared by every Loader of the play). */
  play: PlayRoles;
}

export interface PlayRoles {
  handlers: Task[];
  /** Role directories whose handlers were added. */
  handlersOf: Set<string>;
  /** `roles:` and meta dependencies already applied in this play (dir + params), as Ansible runs each once. */
  applied: Set<string>;
}

const CONTEXT = new WeakMap<Loader, IncludeContext>();

export function newPlayRoles(): PlayRoles {
  return { handlers: [], handlersOf: new Set(), applied: new Set() };
}

export function contextOf(L: Loader): IncludeContext {
  let c = CONTEXT.get(L);
  if (!c) CONTEXT.set(L, (c = { playbookDir: dirname(resolve(L.src.file)), stack: [resolve(L.src.file)], play: newPlayRoles() }));
  return c;
}

/** Ansible's names for the include keys (FQCN too) -> the short name, or undefined. */
export const INCLUDE_KEYS = new Set(['import_tasks', 'include_tasks', 'import_role', 'include_role']);
export function includeKey(key: string): string | undefined {
  const short = key.replace(/^ansible\.(builtin|legacy)\./, '');
  return INCLUDE_KEYS.has(short) ? short : undefined;
}

/** The include entry of a task mapping, if any. */
export function includeEntry(es: Iterable<Entry>): Entry | undefined {
  for (const e of es) if (includeKey(e.key)) return e;
  return undefined;
}

/** A path as shown in a message: relative to the current directory when it is under it. */
export function shownPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

/** The first existing file among `names` (name, name.yml, name.yaml) under each dir, and every path tried (as shown). */
export function findFile(name: string, dirs: string[], exts = ['']): { path?: string; searched: string[] } {
  const searched: string[] = [];
  const bases = isAbsolute(name) ? [name] : [...new Set(dirs)].map((d) => join(d, name));
  for (const b of bases) {
    for (const ext of exts) {
      const p = b + ext;
      searched.push(shownPath(p));
      if (existsSync(p) && statSync(p).isFile()) return { path: p, searched };
    }
  }
  return { searched };
}

/** Where a tasks file named in a task is searched: the role's tasks/, the including file's directory, the playbook's. */
export function tasksFileDirs(role: RoleScope | undefined, baseDir: string, playbookDir: string): string[] {
  return [...(role ? [join(role.dir, 'tasks')] : []), baseDir, playbookDir];
}

/**
 * Load a tasks file with a Loader of its own (the tasks take the role scope of `ctx`); its
 * problems go to `into`. Ids are `${idPrefix}.${j}`.
 */
export function loadTasksFile(path: string, ctx: IncludeContext, modules: ModuleLookup, idPrefix: string, inHandlers: boolean, into: Diagnostic[]): Task[] {
  const r = readInputFile(path, 'tasks file');
  if ('diagnostic' in r) {
    into.push(r.diagnostic);
    return [];
  }
  const src = parseYamlSource(r.text.replace(/^\uFEFF/, ''), path);
  const L = new Loader(src, modules);
  CONTEXT.set(L, { ...ctx, stack: [...ctx.stack, resolve(path)] });
  L.ds.push(...src.diagnostics);
  if (!src.diagnostics.some((d) => d.severity === 'error' && d.code !== 'duplicate-key')) {
    const root = deref(src, src.doc.contents);
    if (isSeq(root)) {
      const plays = root.items.map((x) => deref(src, x)).filter((n) => isMap(n) && entries(src, n).some((e) => e.key === 'hosts' || e.key === 'import_playbook'));
      if (plays.length) L.err('playbook-as-tasks', plays[0], 'this is a playbook (it has hosts:), not a tasks file', 'import it at the top level of a playbook with import_playbook');
      else {
        const tasks = root.items.map((x, j) => buildTask(L, x, `${idPrefix}.${j}`, inHandlers)).filter((t): t is Task => !!t);
        if (ctx.role) setRole(tasks, ctx.role);
        into.push(...L.ds);
        return tasks;
      }
    } else if (!(root === null || root === undefined || (isScalar(root) && (root.value === null || root.value === '')))) {
      L.err('not-a-tasks-file', root, 'a tasks file must be a list of tasks', "start each task with '- name: ...'");
    }
  }
  into.push(...L.ds);
  return [];
}

/** Give every task (blocks' children too) the role it comes from, unless it has one (a dependency's). */
function setRole(tasks: Task[], role: RoleScope): void {
  for (const t of tasks) {
    t.role ??= role;
    for (const l of [t.block, t.rescue, t.always]) if (l) setRole(l, role);
  }
}

/** Tasks files loaded for dynamic includes (plan and run share them, so ids and objects agree). */
const loaded = new Map<string, { tasks: Task[]; diagnostics: Diagnostic[] }>();

/** A tasks file for a dynamic include, loaded once per process (key: path, id prefix, role). */
export function loadTasksFileCached(path: string, role: RoleScope | undefined, playbookDir: string, idPrefix: string): { tasks: Task[]; diagnostics: Diagnostic[] } {
  const key = `${path}\0${idPrefix}\0${role?.dir ?? ''}`;
  let r = loaded.get(key);
  if (!r) {
    const diagnostics: Diagnostic[] = [];
    const ctx: IncludeContext = { playbookDir, stack: [], play: newPlayRoles(), ...(role ? { role } : {}) };
    const tasks = loadTasksFile(path, ctx, registryLookup, idPrefix, false, diagnostics);
    loaded.set(key, (r = { tasks, diagnostics }));
  }
  return r;
}

/** A role's tasks for a dynamic include_role, loaded once per process. */
export function loadRoleCached(name: string, tasksFrom: string | undefined, from: RoleScope | undefined, playbookDir: string, idPrefix: string, applied?: ReadonlySet<string>): { tasks: Task[]; diagnostics: Diagnostic[] } {
  const key = `role\0${name}\0${tasksFrom ?? ''}\0${idPrefix}\0${from?.dir ?? ''}`;
  let r = loaded.get(key);
  if (!r) {
    const src = parseYamlSource('', `${playbookDir}/(include_role ${name})`);
    const L = new Loader(src, registryLookup);
    CONTEXT.set(L, { playbookDir, stack: [], play: { ...newPlayRoles(), applied: new Set(applied) }, ...(from ? { role: from } : {}) });
    const tasks = loadRoleTasks(L, name, undefined, { idPrefix, ...(tasksFrom ? { tasksFrom } : {}), dedup: false });
    loaded.set(key, (r = { tasks, diagnostics: L.ds }));
  }
  return r;
}

const IMPORT_ROLE_ARGS = ['name', 'tasks_from', 'vars_from', 'defaults_from', 'handlers_from', 'allow_duplicates', 'public', 'apply', 'rolespec_validate'];
const UNSUPPORTED_ROLE_ARGS: Record<string, string> = {
  vars_from: 'put the variables in the role\'s vars/main.yml, or pass them with vars: on the task',
  defaults_from: "put the defaults in the role's defaults/main.yml",
  handlers_from: "put the handlers in the role's handlers/main.yml",
  apply: 'put the keywords on the tasks inside the role, or on a block around the include',
  public: "role variables are visible to the role's own tasks and handlers only",
};

/** The file or role name and options of an include entry: `import_tasks: f.yml`, `{file: f.yml}`, `{name: role, tasks_from: x}`. */
function includeArgs(L: Loader, e: Entry, kind: string): { name?: string; opts: Record<string, unknown> } {
  const v = toJS(L.src, e.value);
  const isRole = kind.endsWith('_role');
  if (typeof v === 'string') return { name: v, opts: {} };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const valueNode = deref(L.src, e.value);
    const keyNode = (k: string) => (isMap(valueNode) ? mapOf(L, valueNode).get(k)?.keyNode : undefined) ?? e.keyNode;
    const allowed = isRole ? IMPORT_ROLE_ARGS : ['file', 'apply'];
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) L.err('unknown-arg', keyNode(k), `unknown argument '${k}' of ${kind}`, `${kind} takes ${allowed.filter((a) => !UNSUPPORTED_ROLE_ARGS[a]).join(', ')}`);
      else if (UNSUPPORTED_ROLE_ARGS[k] && !(k === 'public' && o[k] === false)) L.err('unsupported-keyword', keyNode(k), `'${k}' of ${kind} is not supported by etcdplay`, UNSUPPORTED_ROLE_ARGS[k]);
    }
    return { name: str(o[isRole ? 'name' : 'file']), opts: o };
  }
  return { opts: {} };
}

/**
 * A task whose key is an include: import_* becomes a block of the file's (or role's) tasks, with
 * the task's keywords (when, tags, vars, become...) passed down as a block's are; include_*
 * is kept for the run (task.include).
 */
export function expandInclude(L: Loader, task: Task, e: Entry, m: Map<string, Entry>, inHandlers: boolean): void {
  const kind = includeKey(e.key)!;
  const ctx = contextOf(L);
  if (task.module) L.err('two-modules', e.keyNode, `the task has a module ('${task.module}') and '${e.key}'`, 'split it into two tasks');
  const { name, opts } = includeArgs(L, e, kind);
  if (!name) {
    L.err('missing-arg', e.keyNode, `${kind} needs ${kind.endsWith('_role') ? "a role: 'name: ROLE'" : "a file: '" + kind + ": FILE.yml'"}`);
    return;
  }
  const isStatic = kind.startsWith('import_');
  const baseDir = dirname(resolve(L.src.file));
  for (const k of m.keys()) {
    const loopKey = k === 'loop' || k === 'with_items' || k === 'loop_control';
    if (loopKey && isStatic) L.err('import-loop', m.get(k)!.keyNode, `${kind} is static: it cannot loop`, `use ${kind.replace('import_', 'include_')} to run the tasks once per item`);
    else if (!loopKey && NOT_ON_BLOCK.has(k)) L.err('keyword-on-block', m.get(k)!.keyNode, `'${k}' is not allowed on ${kind}`, 'put it on the tasks inside');
  }
  if (isStatic) {
    if (TEMPLATE.test(name)) {
      L.err('import-template', e.value, `${kind} is static: its ${kind === 'import_role' ? 'role name' : 'file'} cannot be a template`, `use ${kind.replace('import_', 'include_')}, which is resolved per host when it runs`);
      return;
    }
    if (kind === 'import_tasks') {
      const found = findFile(name, tasksFileDirs(ctx.role, baseDir, ctx.playbookDir));
      if (!found.path) {
        L.err('include-not-found', e.value, `import_tasks: tasks file '${name}' not found`, `searched ${found.searched.join(', ')}; create it or fix the path (relative to the file that imports it)`);
        task.block = [];
        return;
      }
      if (ctx.stack.includes(resolve(found.path))) {
        L.err('include-cycle', e.value, `import_tasks: '${name}' imports itself (${[...ctx.stack, found.path].map(shownPath).join(' -> ')})`, 'remove the cycle');
        task.block = [];
        return;
      }
      task.block = loadTasksFile(found.path, ctx, L.modules, `${task.id}.block`, inHandlers, L.ds);
    } else {
      const tasksFrom = str(opts.tasks_from);
      task.block = loadRoleTasks(L, name, e.value, { idPrefix: `${task.id}.block`, ...(tasksFrom ? { tasksFrom } : {}), dedup: false });
    }
    return;
  }
  // include_*: checked now where the name is known, resolved per host when it runs.
  task.include = { kind: kind as 'include_tasks' | 'include_role', baseDir, playbookDir: ctx.playbookDir };
  // filled in as the play's roles are expanded; not part of the task's data (never serialised)
  Object.defineProperty(task.include, 'rolesApplied', { value: ctx.play.applied, enumerable: false });
  if (kind === 'include_tasks') {
    task.include.file = name;
    if (!TEMPLATE.test(name)) {
      const found = findFile(name, tasksFileDirs(ctx.role, baseDir, ctx.playbookDir));
      if (!found.path) L.err('include-not-found', e.value, `include_tasks: tasks file '${name}' not found`, `searched ${found.searched.join(', ')}; create it or fix the path (relative to the file that includes it)`);
    }
  } else {
    task.include.role = name;
    const tasksFrom = str(opts.tasks_from);
    if (tasksFrom) task.include.tasksFrom = tasksFrom;
    // a role named as written: found (and its handlers added to the play) now
    if (!TEMPLATE.test(name)) loadRoleTasks(L, name, e.value, { idPrefix: `${task.id}.check`, ...(tasksFrom ? { tasksFrom } : {}), dedup: false, handlersOnly: true });
  }
  if (ctx.role) task.role ??= ctx.role;
}

/** The lines of a file (for a diagnostic's source line), or undefined. */
export function fileLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
}
