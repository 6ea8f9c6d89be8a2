/**
 * One task for one host: args normalised (free form, key=value text), rendered (shell args
 * quoted), coerced and checked against the module's schema, then planned into steps.
 * Used by the offline planner and by the engine at run time (with registered results).
 */
import { ValidationError } from '../errors.js';
import type { Play, Task } from '../model/playbook.js';
import type { SourcePos } from '../model/source.js';
import type { Step } from '../model/step.js';
import type { Vars } from '../model/vars.js';
import type { Module, PlanContext } from '../modules/module.js';
import { getModule } from '../modules/registry.js';
import { withCommandEnv } from '../modules/steps.js';
import { TemplateError, UndefinedVariableError } from '../template/errors.js';
import { renderDeep, renderString } from '../template/render.js';
import { extractKeyValues, parseKeyValues } from '../shell/words.js';
import { checkValue } from './argcheck.js';
import { asyncSteps } from './async.js';

/** Where problems with a task's module args are reported. */
export function argsPos(task: Task): SourcePos {
  return (task.module && task.keyPos?.[task.module]) || task.keyPos?.args || task.pos;
}

/** Free-form text / key=value text -> an args mapping (not rendered yet). */
export function normalizeArgs(mod: Module<any>, raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === 'string') {
    if (mod.freeForm) {
      const keys = Object.keys((mod.argsSchema.properties ?? {}) as object).filter((k) => k !== mod.freeForm);
      const { rest, kv } = extractKeyValues(raw, keys);
      return { [mod.freeForm]: rest, ...kv };
    }
    return parseKeyValues(raw);
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) return { ...(raw as Record<string, unknown>) };
  throw new ValidationError(`the arguments of module '${mod.name}' must be a mapping or text`);
}

/** Render args: shell args (the module's shellArgs) quote every inserted value. */
export function renderArgs(mod: Module<any>, args: Record<string, unknown>, vars: Vars): Record<string, unknown> {
  const shell = new Set(mod.shellArgs ?? []);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = shell.has(k) && typeof v === 'string' ? renderString(v, vars, { shell: true }) : renderDeep(v, vars);
  }
  return out;
}

/** Coerce ("2379" -> 2379 where the schema wants an integer) and validate rendered args. */
export function checkRenderedArgs(mod: Module<any>, args: Record<string, unknown>): Record<string, unknown> {
  const [value, problems] = checkValue(mod.argsSchema, args);
  if (problems.length) {
    const p = problems[0]!;
    const where = p.path === '(args)' ? 'arguments' : `argument '${p.path}'`;
    const shown = p.path === '(args)' ? '' : ` (after rendering: ${JSON.stringify(valueAt(args, p.path))})`;
    throw new ValidationError(`module '${mod.name}': ${where} ${p.message}${shown}`);
  }
  return value as Record<string, unknown>;
}

function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split(/\.|\[|\]/).filter(Boolean)) cur = (cur as Record<string, unknown> | undefined)?.[seg];
  return cur;
}

function withPos<E extends Error>(err: E, pos: SourcePos): E {
  if ((err instanceof UndefinedVariableError || err instanceof TemplateError) && !err.pos) err.pos = pos;
  return err;
}

/**
 * Render a task's args and plan its steps for one host. Throws UndefinedVariableError /
 * TemplateError (with `pos` = the task's module key) or ValidationError.
 */
export function renderTask(task: Task, vars: Vars, ctx: PlanContext): { module: Module<any>; args: unknown; steps: Step[] } {
  const pos = argsPos(task);
  const mod = task.module ? getModule(task.module) : undefined;
  if (!mod) throw new ValidationError(task.module ? `unknown module '${task.module}'` : 'the task has no module');
  let steps: Step[];
  let args: Record<string, unknown>;
  try {
    args = checkRenderedArgs(mod, renderArgs(mod, normalizeArgs(mod, task.args), vars));
    steps = mod.plan(args, { ...ctx, vars });
  } catch (err) {
    throw withPos(err as Error, pos);
  }
  if (task.environment && Object.keys(task.environment).length) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(task.environment)) {
      try {
        env[k] = renderString(String(v), vars);
      } catch (err) {
        throw withPos(err as Error, task.keyPos?.environment ?? pos);
      }
    }
    steps = withCommandEnv(steps, env);
  }
  if (task.async !== undefined) {
    try {
      steps = asyncSteps(steps, task.async, task.poll);
    } catch (err) {
      throw withPos(err as Error, task.keyPos?.async ?? pos);
    }
  }
  return { module: mod, args, steps };
}

/** Plan context for a host. */
export function planContext(a: { host: string; vars: Vars; check: boolean; play: Play; playHosts: string[]; hostvars?: Record<string, Vars>; unknownAtPlan?: ReadonlySet<string>; playbookDir: string; roleDir?: string }): PlanContext {
  const ctx: PlanContext = { host: a.host, vars: a.vars, check: a.check, playHosts: a.playHosts, playbookDir: a.playbookDir };
  if (a.roleDir) ctx.roleDir = a.roleDir;
  if (a.hostvars) ctx.hostvars = a.hostvars;
  if (a.unknownAtPlan) ctx.unknownAtPlan = a.unknownAtPlan;
  return ctx;
}
