import type { Step } from '../model/step.js';
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
  /** Does --check mode give a faithful answer for this module? */
  checkMode: boolean;
  /** Steps to run. May throw ValidationError for args that the schema cannot express. */
  plan(args: A, ctx: PlanContext): Step[];
  /** Combine step results into the task result; default: last command's rc/stdout/stderr. */
  interpret?(args: A, results: StepOutcome[], ctx: PlanContext): TaskResult;
  /** Examples for docs (YAML). */
  examples?: string;
}

export interface StepOutcome {
  step: Step;
  /** 'skipped' when its guard said nothing to do, 'check' when --check kept it from running. */
  status: 'ran' | 'skipped' | 'check';
  rc?: number;
  stdout?: string;
  stderr?: string;
  data?: unknown;
  changed: boolean;
  sha256?: string;
  bytes?: number;
}
