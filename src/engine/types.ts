import type { ConnectOptions } from '../connection/factory.js';
import type { EventSink } from '../model/event.js';
import type { Inventory } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { Recap } from '../model/result.js';
import type { Vars } from '../model/vars.js';

export interface RunOptions {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Vars;
  check: boolean;
  diff: boolean;
  /** Hosts in flight per task (default 10). */
  forks: number;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  startAtTask?: string;
  connect: ConnectOptions;
  /** Where the run dir reporter writes; the engine only announces it in run.start. */
  runDir: string;
  onEvent: EventSink;
  signal?: AbortSignal;
  /** Additive: a run id chosen by the caller (so it can name runDir); default newRunId(). */
  runId?: string;
  /** Additive: `-b`, become for plays and tasks that do not say (lowest precedence). */
  become?: boolean;
  /** Additive: `--step`: asked before each task; 'continue' stops asking. */
  confirmTask?(task: { play: number; taskId: string; name: string }): Promise<'yes' | 'no' | 'continue'>;
}

export interface RunOutcome {
  exitCode: number;
  recap: Record<string, Recap>;
  runId: string;
}
