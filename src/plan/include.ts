/**
 * Dynamic includes (include_tasks, include_role), one resolver for the planner and the engine:
 * for one host, the include's loop items (plan/loop.ts), its `when` per item, the file or role
 * each item names (rendered with the host's variables) and the tasks it brings, loaded once per
 * process (src/load/include.ts) so plan and run see the same task objects and ids.
 *
 * As in Ansible, the include's own keywords (when, tags) apply to the include only; its `vars`
 * (and the loop item) are passed to the included tasks, above registered results and facts.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { diagnosticHeader } from '../load/diagnostics.js';
import { findFile, loadRoleCached, loadTasksFileCached, tasksFileDirs } from '../load/include.js';
import { evalConditions } from '../template/expr.js';
import { renderString } from '../template/render.js';
import type { Inherited } from './inherit.js';
import { expandLoop, loopItemVars, loopVarOf } from './loop.js';
import { withVars } from './vars.js';

/** One file (or role) one host includes, for one loop item. */
export interface IncludeInstance {
  /** `${task.id}.i${item index}.${hash of the file}`: the id the included tasks' ids start with. */
  id: string;
  /** What is included: the file's path or the role's name. */
  what: string;
  /** The loop item's variables (empty without a loop). */
  itemVars: Vars;
  tasks: Task[];
}

/** Hosts that include the same file with the same item run its tasks together: this key. */
export function instanceKey(i: IncludeInstance): string {
  return `${i.id}\0${JSON.stringify(i.itemVars)}`;
}

/** The variables the included tasks get on top of the enclosing blocks': the include's vars and the item. */
export function includedInheritance(inh: Inherited, task: Task, inst: IncludeInstance): Inherited {
  return { ...inh, vars: { ...inh.vars, ...task.vars, ...inst.itemVars } };
}

/** How an include is named in the output. */
export function includeName(task: Task): string {
  if (task.name) return task.name;
  const s = task.include!;
  return s.kind === 'include_tasks' ? `include_tasks: ${s.file}` : `include_role: ${s.role}${s.tasksFrom ? ` (tasks_from ${s.tasksFrom})` : ''}`;
}

/**
 * What `task` (an include) brings for one host with variables `vars` (the task's, `eff.when`
 * already holding every enclosing condition): one instance per loop item whose `when` holds.
 * Throws UndefinedVariableError / TemplateError (a value not known) or ValidationError (a file
 * or role not found, a problem in the included file).
 */
export function includeInstances(task: Task, eff: Inherited, vars: Vars): IncludeInstance[] {
  const items = expandLoop(task, vars);
  const loopVar = loopVarOf(task);
  const each: { itemVars: Vars; index?: number }[] = items === undefined ? [{ itemVars: {} }] : items.map((it, i) => ({ itemVars: loopItemVars(loopVar, it, i, items.length), index: i }));
  const out: IncludeInstance[] = [];
  for (const { itemVars, index } of each) {
    const v = items === undefined ? vars : withVars(vars, itemVars);
    if (eff.when.length && !evalConditions(eff.when, v)) continue;
    out.push(resolveOne(task, v, itemVars, index));
  }
  return out;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

function resolveOne(task: Task, vars: Vars, itemVars: Vars, index: number | undefined): IncludeInstance {
  const spec = task.include!;
  const at = `${task.id}.i${index ?? ''}`;
  if (spec.kind === 'include_tasks') {
    const file = renderString(spec.file!, vars);
    const found = findFile(file, tasksFileDirs(task.role, spec.baseDir, spec.playbookDir));
    if (!found.path) throw new ValidationError(`include_tasks: tasks file '${file}' not found (searched ${found.searched.join(', ')})`);
    const id = `${at}.${hash(found.path)}`;
    const r = loadTasksFileCached(found.path, task.role, spec.playbookDir, id);
    failOn(r.diagnostics, `include_tasks: ${file}`);
    return { id, what: found.path, itemVars, tasks: r.tasks };
  }
  const role = renderString(spec.role!, vars);
  const tasksFrom = spec.tasksFrom === undefined ? undefined : renderString(spec.tasksFrom, vars);
  const id = `${at}.${hash(`${role}\0${tasksFrom ?? ''}`)}`;
  const r = loadRoleCached(role, tasksFrom, task.role, spec.playbookDir, id, spec.rolesApplied);
  failOn(r.diagnostics, `include_role: ${role}`);
  return { id, what: role, itemVars, tasks: r.tasks };
}

function failOn(ds: { severity: string; message: string; hint?: string; pos: { file: string; line: number; col: number } }[], what: string): void {
  const e = ds.find((d) => d.severity === 'error');
  if (e) throw new ValidationError(`${what}: ${diagnosticHeader(e as Parameters<typeof diagnosticHeader>[0])}${e.hint ? ` (${e.hint})` : ''}`);
}
