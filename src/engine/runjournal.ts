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

/** Write the journal now and fsync it (run start and end, rescue). */
export async function flushJournal(rs: RunState): Promise<void> {
  await rs.journal.flush().catch(journalWarning(rs));
}

/** Before a task starts anywhere: the outcomes written since the last fsync reach the disk. */
export async function syncJournal(rs: RunState): Promise<void> {
  await rs.journal.sync().catch(journalWarning(rs));
}

/** Journal one host's outcome of one task, with the host's state after it (redacted). */
export function recordOutcome(rs: RunState, task: Task, h: string, status: string): void {
  const st = hostState(rs, h);
  const jh = rs.journal.host(h);
  jh.tasks[task.id] = status;
  jh.registered = rs.redactor.value(jsonSafe(st.registered) as Vars);
  jh.facts = rs.redactor.value(jsonSafe(st.facts) as Record<string, unknown>);
  jh.pending = [...st.pending];
  if (status !== 'failed' && status !== 'unreachable') jh.lastCompleted = { taskId: task.id, name: taskName(task), time: new Date().toISOString() };
  // Written at once, off the event loop (a killed process loses at most what was still being
  // written); fsynced before the next task starts.
  rs.journal.write();
}

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
