/**
 * Roles at load time: where a role is (roles/ next to the playbook, ANSIBLE_ROLES_PATH, next to
 * the role that uses it, the playbook's directory), what it brings (defaults/main.yml,
 * vars/main.yml, tasks/main.yml or tasks_from, handlers/main.yml, meta/main.yml dependencies),
 * and the play keyword `roles:` expanded into blocks that run before the play's tasks.
 */
import { existsSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { Play, RoleScope, Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { readInputFile } from './bounds.js';
import { contextOf, findFile, loadTasksFile, newPlayRoles, shownPath, type IncludeContext } from './include.js';
import { Loader, bool, mapOf, str, strList } from './playbook-loader.js';
import { conds } from './playbook-task.js';
import { loadVarsFile } from './varsfile.js';
import { deref, parseYamlSource, toJS } from './yamlsrc.js';

const YAML_EXTS = ['.yml', '.yaml', ''];

/** Where roles are looked for, in order. */
export function roleDirs(ctx: IncludeContext): string[] {
  const env = (process.env.ANSIBLE_ROLES_PATH ?? '').split(delimiter).filter(Boolean).map((p) => resolve(p.replace(/^~(?=\/|$)/, process.env.HOME ?? '~')));
  return [...new Set([join(ctx.playbookDir, 'roles'), ...env, ...(ctx.role ? [dirname(ctx.role.dir)] : []), ctx.playbookDir])];
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** A role's directory, or the paths searched. */
export function findRole(name: string, ctx: IncludeContext): { dir?: string; searched: string[] } {
  const candidates = isAbsolute(name) ? [name] : name.includes('/') ? [resolve(ctx.playbookDir, name)] : roleDirs(ctx).map((d) => join(d, name));
  const dir = candidates.find(isDir);
  return dir ? { dir, searched: candidates.map(shownPath) } : { searched: candidates.map(shownPath) };
}

function varsOf(L: Loader, dir: string, sub: string): Vars {
  const f = findFile(join(dir, sub, 'main'), [], YAML_EXTS);
  if (!f.path) return {};
  const r = loadVarsFile(f.path);
  L.ds.push(...r.diagnostics);
  return r.vars;
}

export interface RoleLoad {
  idPrefix: string;
  tasksFrom?: string;
  /** roles: and meta dependencies run once per play with the same parameters (import_role/include_role always run). */
  dedup: boolean;
  /** The parameters the role is given (dedup key). */
  params?: Vars;
  /** Only find the role and add its handlers (include_role checked at load time). */
  handlersOnly?: boolean;
}

/**
 * The tasks a role runs (its dependencies' first), each with the role's scope; its handlers go
 * to the play. Problems are reported at `ref` (the reference), with the paths searched.
 */
export function loadRoleTasks(L: Loader, name: string, ref: unknown, o: RoleLoad): Task[] {
  const ctx = contextOf(L);
  if (/^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$/i.test(name) && !findRole(name, ctx).dir) {
    L.err('role-not-found', ref, `role '${name}' is a collection role: etcdplay does not install or read collections`, `copy the role into roles/${name.split('.').pop()} next to the playbook and use that name`);
    return [];
  }
  const found = findRole(name, ctx);
  if (!found.dir) {
    L.err('role-not-found', ref, `role '${name}' not found`, `searched ${found.searched.join(', ')}; put the role in roles/${name}/ next to the playbook, or add its parent directory to ANSIBLE_ROLES_PATH`);
    return [];
  }
  const dir = resolve(found.dir);
  if (ctx.stack.includes(`role:${dir}`)) {
    L.err('include-cycle', ref, `role '${name}' depends on itself (${[...ctx.stack.filter((s) => s.startsWith('role:')), `role:${dir}`].map((s) => s.slice(5)).join(' -> ')})`, 'remove the cycle from meta/main.yml');
    return [];
  }
  const meta = readMeta(L, dir);
  if (o.dedup) {
    const key = `${dir}\0${JSON.stringify(o.params ?? {})}`;
    if (ctx.play.applied.has(key) && !meta.allowDuplicates) return [];
    ctx.play.applied.add(key);
  }
  const scope: RoleScope = { name: name.split('/').pop()!, dir, defaults: varsOf(L, dir, 'defaults'), vars: varsOf(L, dir, 'vars') };
  const sub: IncludeContext = { playbookDir: ctx.playbookDir, role: scope, stack: [...ctx.stack, `role:${dir}`], play: ctx.play };
  if (!ctx.play.handlersOf.has(dir)) {
    ctx.play.handlersOf.add(dir);
    const hf = findFile(join(dir, 'handlers', 'main'), [], YAML_EXTS);
    if (hf.path) {
      const hs = loadTasksFile(hf.path, sub, L.modules, `${o.idPrefix}.handlers`, true, L.ds);
      for (const h of hs) {
        if (h.name) h.listen = [...(h.listen ?? []), `${scope.name} : ${h.name}`];
        // The role's parameters reach its handlers too, as in Ansible.
        if (o.params && Object.keys(o.params).length) h.vars = { ...o.params, ...(h.vars ?? {}) };
      }
      ctx.play.handlers.push(...hs);
    }
  }
  if (o.handlersOnly) return [];
  const tasks: Task[] = [];
  if (meta.file && meta.deps.length) {
    const mL = meta.loader!;
    metaContexts(mL, sub);
    meta.deps.forEach((d, k) => {
      const t = roleEntry(mL, d, `${o.idPrefix}.dep${k}`);
      if (t) tasks.push(t);
    });
  }
  const tf = findFile(join(dir, 'tasks', o.tasksFrom ?? 'main'), [], YAML_EXTS);
  if (tf.path) tasks.push(...loadTasksFile(tf.path, sub, L.modules, `${o.idPrefix}.${tasks.length}`, false, L.ds));
  else if (o.tasksFrom) L.err('include-not-found', ref, `role '${name}': tasks_from '${o.tasksFrom}' not found`, `searched ${tf.searched.join(', ')}`);
  return tasks;
}

/** meta/main.yml: dependencies (read with a Loader of its own, for positions) and allow_duplicates. */
function readMeta(L: Loader, dir: string): { file?: string; deps: unknown[]; allowDuplicates: boolean; loader?: Loader } {
  const f = findFile(join(dir, 'meta', 'main'), [], YAML_EXTS);
  if (!f.path) return { deps: [], allowDuplicates: false };
  const r = readInputFile(f.path, 'role meta file');
  if ('diagnostic' in r) {
    L.ds.push(r.diagnostic);
    return { deps: [], allowDuplicates: false };
  }
  const src = parseYamlSource(r.text, f.path);
  const mL = new Loader(src, L.modules);
  L.ds.push(...src.diagnostics);
  const root = deref(src, src.doc.contents);
  if (!isMap(root)) return { deps: [], allowDuplicates: false };
  const m = mapOf(mL, root);
  const depsNode = m.has('dependencies') ? deref(src, m.get('dependencies')!.value) : undefined;
  const deps = isSeq(depsNode) ? depsNode.items : [];
  const allowDuplicates = bool(m.has('allow_duplicates') ? toJS(src, m.get('allow_duplicates')!.value) : undefined) ?? false;
  // the meta loader reports into the role's
  (mL as { ds: unknown[] }).ds = L.ds;
  return { file: f.path, deps, allowDuplicates, loader: mL };
}

function metaContexts(mL: Loader, sub: IncludeContext): void {
  const c = contextOf(mL);
  c.playbookDir = sub.playbookDir;
  c.stack = sub.stack;
  c.play = sub.play;
  if (sub.role) c.role = sub.role;
}

/** Keywords of a role entry (roles: or a meta dependency) that are not role parameters. */
const ENTRY_KEYWORDS = new Set(['role', 'name', 'when', 'tags', 'vars', 'become', 'become_user', 'become_method', 'ignore_errors', 'no_log', 'environment', 'delegate_to', 'run_once', 'check_mode', 'any_errors_fatal']);

/**
 * One entry of `roles:` (or of a role's dependencies): `name`, or `{role: name, when, tags, vars,
 * become..., other keys = role parameters}` -> a block of the role's tasks, or undefined when
 * the role already ran in this play with the same parameters.
 */
export function roleEntry(L: Loader, item: unknown, id: string): Task | undefined {
  const node = deref(L.src, item);
  const pos = L.pos(node);
  if (isScalar(node) && typeof node.value === 'string') {
    const tasks = loadRoleTasks(L, node.value, node, { idPrefix: `${id}.block`, dedup: true });
    return tasks.length ? { id, pos, tags: [], notify: [], vars: {}, block: tasks } : undefined;
  }
  if (!isMap(node)) {
    L.err('bad-type', node, 'a role is a name or a mapping with role: NAME', "write '- ROLE' or '- role: ROLE'");
    return undefined;
  }
  const m = mapOf(L, node as YAMLMap);
  const js = (k: string) => (m.has(k) ? toJS(L.src, m.get(k)!.value) : undefined);
  const name = str(js('role')) ?? str(js('name'));
  if (!name) {
    L.err('missing-arg', node, "the role entry has no 'role: NAME'");
    return undefined;
  }
  const params: Vars = {};
  for (const [k] of m) if (!ENTRY_KEYWORDS.has(k)) params[k] = js(k);
  const vars = js('vars');
  Object.assign(params, vars && typeof vars === 'object' && !Array.isArray(vars) ? (vars as Vars) : {});
  const tasks = loadRoleTasks(L, name, m.get('role')?.value ?? m.get('name')?.value ?? node, { idPrefix: `${id}.block`, dedup: true, params });
  if (!tasks.length) return undefined;
  const block: Task = { id, pos, tags: strList(js('tags'), true), notify: [], vars: params, block: tasks };
  const when = conds(L, m.get('when'));
  if (when) block.when = when;
  const become = bool(js('become'));
  if (become !== undefined) block.become = become;
  const becomeUser = str(js('become_user'));
  if (becomeUser !== undefined) block.becomeUser = becomeUser;
  const ie = bool(js('ignore_errors'));
  if (ie !== undefined) block.ignoreErrors = ie;
  return block;
}

/**
 * After a play's sections are built: `roles:` expanded into blocks before its tasks (as Ansible
 * runs them: pre_tasks, roles, tasks), and every role handler added to the play's handlers.
 */
export function applyRoles(L: Loader, m: Map<string, { value: unknown }>, play: Play): void {
  const ctx = contextOf(L);
  const e = m.get('roles');
  const list = e ? deref(L.src, e.value) : undefined;
  if (isSeq(list)) {
    const blocks = list.items.map((item, k) => roleEntry(L, item, `p${play.index}.roles.${k}`)).filter((t): t is Task => !!t);
    play.tasks = [...blocks, ...play.tasks];
  }
  play.handlers.push(...ctx.play.handlers);
  ctx.play = newPlayRoles();
}
