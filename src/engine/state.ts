/**
 * The state of one run, passed explicitly to every part of the engine (no god object): the
 * options, the connections, the redactor, the journal, each host's facts, registered results and
 * pending handlers, the recap, the play and batch running, the task in flight and the few flags
 * that stop the run. Created by runner.ts; the functions here only read it or add a host.
 */
import { setMaxListeners } from 'node:events';
import type { EngineEvent } from '../model/event.js';
import type { Play, Task } from '../model/playbook.js';
import type { HostStatus, Recap, TaskResult } from '../model/result.js';
import type { Vars } from '../model/vars.js';
import { varsFor, withVars } from '../plan/vars.js';
import { renderString } from '../template/render.js';
import type { Redactor } from '../template/secret.js';
import type { Connections } from './connections.js';
import { emptyRecap } from './exitcode.js';
import type { Journal } from './journal.js';
import { collectSecrets } from './secrets.js';
import type { RunOptions } from './types.js';

export interface HostState {
  facts: Record<string, unknown>;
  registered: Vars;
  dead?: 'failed' | 'unreachable';
  /** Indexes of handlers notified and not yet run. */
  pending: Set<number>;
  /** Registered names whose results --check could not produce (held-back steps). */
  checkHeld: Set<string>;
  lastFailure?: { task: Task; result: TaskResult };
}

/** How one task ended on one host. */
export interface HostOutcome {
  status: HostStatus;
  result: TaskResult;
  runsOn?: string;
}

/** The task in flight: its soft abort (the user's Ctrl-C, or a host failing under any_errors_fatal). */
export interface TaskInFlight {
  abort: AbortController;
  /** The run's signal and the task's abort together. */
  signal: AbortSignal;
  /** The abort came from any_errors_fatal (not from the user). */
  fatal: boolean;
}

export interface RunState {
  readonly opts: RunOptions;
  readonly runId: string;
  /** When the run started (Date.now()). */
  readonly t0: number;
  /** When run.start was emitted: every event carries `at`, the milliseconds since. */
  startedAt?: number;
  /** Hosts in flight per task. */
  readonly forks: number;
  readonly redactor: Redactor;
  readonly conns: Connections;
  readonly journal: Journal;
  readonly hosts: Map<string, HostState>;
  readonly recap: Record<string, Recap>;
  /** The user interrupted the run (the run's signal fired). */
  interrupted: boolean;
  /** A failure that is the run's, not a host's (refused, any_errors_fatal, internal error). */
  failedRun: boolean;
  /** The failure policy stopped the run. */
  stopRun: boolean;
  /** --start-at-task: the named task was reached (true without the option). */
  started: boolean;
  /** --step: still asking before each task. */
  stepMode: boolean;
  /** The hosts of the play running (alive at its start). */
  playHosts: string[];
  /** The hosts of the batch running. */
  batch: string[];
  task?: TaskInFlight;
}

/** Send an event to the caller, redacted; a reporter's failure must not break the run. */
export function emit(rs: RunState, e: EngineEvent): void {
  try {
    rs.opts.onEvent(rs.redactor.value({ ...e, at: rs.startedAt === undefined ? 0 : Date.now() - rs.startedAt }));
  } catch {
    /* a reporter's failure must not break the run */
  }
}

/** A host's state, created (with its recap line) on first use. */
export function hostState(rs: RunState, h: string): HostState {
  let s = rs.hosts.get(h);
  if (!s) {
    s = { facts: {}, registered: {}, pending: new Set(), checkHeld: new Set() };
    rs.hosts.set(h, s);
    rs.recap[h] ??= emptyRecap();
  }
  return s;
}

export function alive(rs: RunState, h: string): boolean {
  return !hostState(rs, h).dead;
}

/** The run is stopping: interrupted by the user, or stopped by the failure policy. */
export function stopping(rs: RunState): boolean {
  if (rs.opts.signal?.aborted) rs.interrupted = true;
  return rs.interrupted || rs.stopRun;
}

/** A host's variables for a task (or for the play when `task` is undefined), as the planner builds them. */
export function varsOf(rs: RunState, play: Play, host: string, task: Task | undefined, extra: Vars, batch?: string[]): Vars {
  const st = hostState(rs, host);
  const v = varsFor({
    inv: rs.opts.inventory,
    host,
    play,
    task,
    extraVars: rs.opts.extraVars,
    facts: st.facts,
    registered: st.registered,
    playHosts: rs.playHosts.filter((h) => alive(rs, h)),
    ...(batch ? { batch } : {}),
    check: rs.opts.check,
    hostFacts: hostFacts(rs),
  });
  return withVars(v, { ansible_diff_mode: rs.opts.diff, ...extra });
}

/** What hostvars[h] shows of other hosts beyond their inventory and play vars. */
function hostFacts(rs: RunState): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [h, st] of rs.hosts) out[h] = { ...st.facts, ...st.registered };
  return out;
}

export function taskName(t: Task): string {
  if (t.name) return t.name;
  return t.module ?? 'block';
}

/** The task's name rendered with the first host's variables (as written when it cannot be). */
export function renderedName(rs: RunState, play: Play, t: Task, host: string | undefined): string {
  const name = taskName(t);
  if (!name.includes('{{') || !host) return name;
  try {
    const vars = varsOf(rs, play, host, t, {});
    collectSecrets(rs.redactor, vars);
    return renderString(name, vars);
  } catch {
    return name;
  }
}

/** Signals shared by every command in flight (up to forks x 10 channels) take any number of listeners. */
export function unlimitedListeners(...signals: (AbortSignal | undefined)[]): void {
  for (const s of signals) if (s) setMaxListeners(0, s);
}
