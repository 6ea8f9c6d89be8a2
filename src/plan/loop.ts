/**
 * Loops, one implementation for the planner and the engine: the items of a task's `loop:` and
 * the variables each item adds.
 *
 * As in ansible-core (2.19 and later), `loop:` must resolve to a list: a string is refused even
 * when its text looks like a list (`"[1, 2]"`); nothing is split or parsed behind the user's back.
 */
import { ValidationError } from '../errors.js';
import type { Task } from '../model/playbook.js';
import type { SourcePos } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { TemplateError, UndefinedVariableError } from '../template/errors.js';
import { renderDeep } from '../template/render.js';

/** Where problems with a task's loop are reported. */
export function loopPos(task: Task): SourcePos {
  return task.keyPos?.loop ?? task.keyPos?.with_items ?? task.pos;
}

/** Why a rendered loop value is not a list (undefined when it is one). */
function notAList(v: unknown): string | undefined {
  if (Array.isArray(v)) return undefined;
  if (typeof v === 'string') return `loop must resolve to a list, not a string (${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)})`;
  if (v && typeof v === 'object') return 'loop must resolve to a list, not a mapping (use dict2items)';
  return `loop must resolve to a list, not ${v === null ? 'null' : JSON.stringify(v) ?? typeof v}`;
}

/**
 * The items of a task's loop, rendered (a value that is one `{{ list }}` keeps its type), or
 * undefined when the task has no loop. Throws UndefinedVariableError / TemplateError (with the
 * loop's position) or ValidationError (not a list).
 */
export function expandLoop(task: Task, vars: Vars): unknown[] | undefined {
  if (task.loop === undefined) return undefined;
  let items: unknown;
  try {
    items = renderDeep(task.loop, vars);
  } catch (err) {
    if ((err instanceof UndefinedVariableError || err instanceof TemplateError) && !err.pos) err.pos = loopPos(task);
    throw err;
  }
  const why = notAList(items);
  if (why) throw new ValidationError(why);
  return items as unknown[];
}

/** The loop variable name (loop_control.loop_var, default 'item'). */
export function loopVarOf(task: Task): string {
  return task.loopVar ?? 'item';
}

/** The variables item `i` of `n` adds: the loop variable, ansible_loop_var and ansible_loop. */
export function loopItemVars(loopVar: string, item: unknown, i: number, n: number): Vars {
  return { [loopVar]: item, ansible_loop_var: loopVar, ansible_loop: { index: i + 1, index0: i, first: i === 0, last: i === n - 1, length: n } };
}

/** Names a per-item template may use that only exist inside the loop. */
export function loopOnlyNames(task: Task): string[] {
  return ['ansible_loop', 'ansible_loop_var', loopVarOf(task)];
}
