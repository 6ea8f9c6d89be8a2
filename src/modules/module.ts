import type { Step, StepOutcome } from '../model/step.js';
import type { TaskResult } from '../model/result.js';
import type { Vars } from '../model/vars.js';

/** Everything known about a host when a task is planned for it. */
export interface PlanContext {
  host: string;
  /** Fully merged variables for the host (inventory, play, task, extra vars, registered). */
  vars: Vars;
  /** Gathered facts, or undefined in the offline preview. */
  facts?: Record<string, unknown>;
  check: boolean;
  /** Other hosts' variables, for modules that derive cluster-wide values (e.g. initial-cluster). */
  hostvars?: Record<string, Vars>;
  /** Hosts of the current play, in order. */
  playHosts?: string[];
  /** Directory of the playbook file: relative `src:` / template paths resolve against it. */
  playbookDir?: string;
  /** Directory of the role the task comes from: its templates/ and files/ are searched first. */
  roleDir?: string;
  /**
   * Set only by the offline planner: names of variables that will exist at run time but have no
   * value yet (registered results, facts set by earlier tasks). A module that meets one of them
   * should throw UndefinedVariableError (src/template/errors.ts) so the planner marks the step
   * `deferred` instead of reporting an error.
   */
  unknownAtPlan?: ReadonlySet<string>;
  /** Set by the engine at run time (not in the offline preview): the run's id, the same across --resume. */
  runId?: string;
}

/**
 * One task module. `plan` is pure: args (already rendered) -> steps. `interpret`, if present,
 * turns the steps' raw results into the task result (also pure).
 */
export interface Module<A = Record<string, unknown>> {
  name: string;
  /** Other names it answers to (e.g. 'ansible.builtin.command'). */
  aliases?: string[];
  /** One-line summary and longer docs (markdown), shown by `etcdplay modules NAME`. */
  summary: string;
  docs: string;
  /** JSON Schema (draft 2020-12) of the args mapping. */
  argsSchema: Record<string, unknown>;
  /** For `module: free form text`, the arg the free form goes to (e.g. 'cmd'). */
  freeForm?: string;
  /**
   * Args whose strings are shell text: every value a template inserts into them is shell-quoted
   * (src/template/render.ts, `{{raw x}}` opts out). The free-form arg of command/shell is one.
   */
  shellArgs?: string[];
  /**
   * Names of facts this module sets on the host at run time (TaskResult.facts). The offline
   * planner treats later references to them as run-time values (steps `deferred`), not errors.
   */
  factNames?: string[];
  /** Does --check mode give a faithful answer for this module? */
  checkMode: boolean;
  /** Steps to run. May throw ValidationError for args that the schema cannot express. */
  plan(args: A, ctx: PlanContext): Step[];
  /** Combine step results into the task result; default: last command's rc/stdout/stderr. */
  interpret?(args: A, results: StepOutcome[], ctx: PlanContext): TaskResult;
  /** Examples for docs (YAML). */
  examples?: string;
}

export type { StepOutcome } from '../model/step.js';
