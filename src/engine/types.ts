import type { ConnectOptions } from '../connection/factory.js';
import type { EventSink } from '../model/event.js';
import type { Inventory } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { Recap } from '../model/result.js';
import type { Vars } from '../model/vars.js';
import type { JournalData, JournalMeta } from './journal.js';

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
  /**
   * Additive: aborts mutating steps too (the second Ctrl-C). `signal` stops the run at the next
   * step and aborts read-only steps only; mutating steps in flight finish unless this fires.
   */
  hardSignal?: AbortSignal;
  /** Additive: take the per-cluster lock on every host (default: on unless check). */
  lock?: boolean;
  /** Additive: take the lock even if another run holds it (--break-lock). */
  breakLock?: boolean;
  /** Additive: what to record in the journal besides the engine's own state. */
  journal?: { inventory: string[]; secretVars: string[]; options?: JournalMeta['options'] };
  /** Additive: continue this interrupted or failed run (same runId and runDir). */
  resume?: JournalData;
  /** Additive: the command line to show in lock/resume hints (without secrets). */
  commandHint?: string;
}

export interface RunOutcome {
  exitCode: number;
  recap: Record<string, Recap>;
  runId: string;
  /** Additive: the run was refused before any step (lock held, a host unreachable for the lock). */
  refused?: string;
}
