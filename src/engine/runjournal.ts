/**
 * The run's side of the journal (journal.ts is the file): what a run records of itself, each
 * host's outcome of each task with the host's state after it, and --resume: the state restored
 * from the interrupted run, and the (task, host) pairs it completed, not repeated.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { Journal, sha256File } from './journal.js';
import { emit, hostState, taskName, type RunState } from './state.js';
import type { RunOptions } from './types.js';

/** The journal of a new run, or of the run being resumed (same runId and runDir). */
export function openJournal(opts: RunOptions, runId: string, extraVars: Vars, secretVars: string[]): Journal {
  const file = opts.playbook.file;
  const meta = {
    runId,
    playbook: { file: resolve(file), sha256: existsSync(file) ? sha256File(file) : '' },
    inventory: opts.journal?.inventory ?? [],
    extraVars,
    secretVars,
    options: opts.journal?.options ?? { limit: opts.limit, tags: opts.tags, skipTags: opts.skipTags, forks: opts.forks },
    check: opts.check,
  };
  if (opts.resume) return new Journal(opts.runDir, { ...opts.resume, ...meta, extraVars: opts.resume.extraVars, secretVars });
  return new Journal(opts.runDir, meta);
}

/** --resume: each host's facts, registered results and pending handlers as the run left them. */
export function restoreResumed(rs: RunState): void {
  for (const [h, jh] of Object.entries(rs.opts.resume?.hosts ?? {})) {
    const st = hostState(rs, h);
    Object.assign(st.facts, jh.facts);
    Object.assign(st.registered, jh.registered);
    for (const i of jh.pending) st.pending.add(i);
  }
}

/** A journal write that failed: a warning, the run goes on. */
export function journalWarning(rs: RunState): (err: Error) => void {
  return (err) => emit(rs, { type: 'warning', message: `cannot write the run journal: ${err.message}` });
}

/** Write the journal's whole state now and fsync it (run start and end, rescue). */
export async function flushJournal(rs: RunState): Promise<void> {
  await rs.journal.flush().catch(journalWarning(rs));
}

/** Before a task starts anywhere: the outcomes written since the last fsync reach the disk. */
export async function syncJournal(rs: RunState): Promise<void> {
  await rs.journal.sync().catch(journalWarning(rs));
}

/**
 * Journal one host's outcome of one task: its status and what it changed on the host (registered
 * results and facts set since the host's last outcome, redacted; the pending handlers). Registered
 * results and facts are only ever set by assigning a top-level name (task.ts, gather.ts), so a name
 * whose value is not the one journaled last is what changed: O(1) per outcome, not the host's
 * whole state.
 */
export function recordOutcome(rs: RunState, task: Task, h: string, status: string): void {
  const st = hostState(rs, h);
  const seen = (journaled.get(rs) ?? journaled.set(rs, new Map()).get(rs)!);
  const last = seen.get(h) ?? { registered: new Map<string, unknown>(), facts: new Map<string, unknown>() };
  seen.set(h, last);
  const changed = (now: Record<string, unknown>, before: Map<string, unknown>): Record<string, unknown> | undefined => {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(now)) {
      if (before.has(k) && before.get(k) === v) continue;
      before.set(k, v);
      (out ??= {})[k] = v;
    }
    return out && (rs.redactor.value(jsonSafe(out)) as Record<string, unknown>);
  };
  const registered = changed(st.registered, last.registered);
  const facts = changed(st.facts, last.facts);
  rs.journal.record({
    host: h,
    task: task.id,
    status,
    ...(registered ? { registered: registered as Vars } : {}),
    ...(facts ? { facts } : {}),
    pending: [...st.pending],
    ...(status !== 'failed' && status !== 'unreachable' ? { lastCompleted: { taskId: task.id, name: taskName(task), time: new Date().toISOString() } } : {}),
  });
}

/** Per run, per host: the value of each registered name and fact as last journaled. */
const journaled = new WeakMap<RunState, Map<string, { registered: Map<string, unknown>; facts: Map<string, unknown> }>>();

/**
 * --resume: the hosts of `hosts` on which the interrupted run completed `task` are counted and
 * shown as skipped (their results and facts were restored); returns the hosts left to run it.
 */
export function skipResumed(rs: RunState, task: Task, hosts: string[]): string[] {
  const resumed = rs.opts.resume;
  if (!resumed) return hosts;
  const done = hosts.filter((h) => resumed.hosts[h]?.tasks[task.id] !== undefined && rs.journal.completed(task.id, h));
  for (const h of done) {
    rs.recap[h]!.skipped++;
    emit(rs, { type: 'host.end', taskId: task.id, host: h, status: 'skipped', result: { changed: false, failed: false, skipped: true, skip_reason: `completed in run ${rs.runId} before it stopped (result restored from the journal)` }, durationMs: 0 });
  }
  return hosts.filter((h) => !done.includes(h));
}

/** A plain JSON copy (drops functions, lazy getters that throw, cycles). */
function jsonSafe(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v ?? {}));
  } catch {
    return {};
  }
}
