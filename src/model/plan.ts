import type { SourcePos } from './source.js';
import type { Step } from './step.js';
import type { Vars } from './vars.js';

/**
 * The output of the pure planning phase: playbook x inventory -> plays, batches, hosts, tasks,
 * and for each host the steps each task will run, with every template rendered that can be.
 */
export interface Plan {
  playbook: string;
  inventory: string[];
  extraVars: Vars;
  check: boolean;
  plays: PlannedPlay[];
}

export interface PlannedPlay {
  index: number;
  name: string;
  pattern: string;
  hosts: string[];
  /** Hosts in run order, split by `serial`. */
  batches: string[][];
  tasks: PlannedTask[];
  handlers: PlannedTask[];
  /** Text of the confirmation the user must give, for destructive plays. */
  confirm?: string;
  /** Notes from planners (e.g. the etcd version path and why). */
  notes: string[];
}

export interface PlannedTask {
  taskId: string;
  name: string;
  module?: string;
  pos: SourcePos;
  section: 'pre_tasks' | 'tasks' | 'post_tasks' | 'handlers' | 'block' | 'rescue' | 'always';
  runOnce: boolean;
  delegateTo?: string;
  tags: string[];
  /** Block children; a block has no steps of its own. */
  block?: PlannedTask[];
  rescue?: PlannedTask[];
  always?: PlannedTask[];
  perHost: PlannedHostTask[];
}

export interface PlannedHostTask {
  host: string;
  /** Host where the steps actually run (delegate_to), if not `host`. */
  runsOn?: string;
  /** How the host is reached ('ssh as deploy', 'local'), when a remote_user/connection keyword decides it or the host is local. */
  reach?: string;
  /** 'static': decided now; 'runtime': depends on values only known while running. */
  when?: { expr: string[]; decided: boolean; value?: boolean };
  /** Steps with rendered commands, or undefined if rendering needs runtime values. */
  steps?: Step[];
  /** Why steps could not be rendered now (e.g. "uses registered variable 'snap'"). */
  deferred?: string;
}
