/**
 * The run journal of a run dir: journal.json (a whole snapshot: run metadata and every host's
 * state) written atomically at the start and end of the run and before a rescue, plus journal.log,
 * one JSON line appended per host's outcome of a task with only what that outcome changed (its
 * status, the registered results and facts it set, the pending handlers). An outcome costs O(1)
 * however long the run is: nothing is rewritten per outcome. Lines are appended off the event
 * loop and fsynced before the next task starts anywhere; `readJournal` folds them into the
 * snapshot (a torn last line from a killed process is ignored; replaying a line already in the
 * snapshot changes nothing). What it holds is what `etcdplay run --resume` needs: the playbook
 * (path + sha256), inventory sources, extra vars (secrets left out, only their names), options,
 * which (task, host) pairs completed, and each host's registered results, facts and pending
 * handlers (redacted). Never holds a secret: values pass through the run's Redactor.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Vars } from '../model/vars.js';

export const JOURNAL_FILE = 'journal.json';
/** One JSON line per outcome since the last snapshot (JournalEntry). */
export const JOURNAL_LOG = 'journal.log';

export type JournalStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'unreachable' | 'refused';

export interface JournalHost {
  registered: Vars;
  facts: Record<string, unknown>;
  pending: number[];
  /** task id -> status (ok, changed, skipped, failed, unreachable, ignored) of the last attempt */
  tasks: Record<string, string>;
  lastCompleted?: { taskId: string; name: string; time: string };
}

/** One host's outcome of one task: what it changed, appended to journal.log. */
export interface JournalEntry {
  host: string;
  task: string;
  status: string;
  /** Registered results set by this outcome (redacted). */
  registered?: Vars;
  /** Facts set by this outcome (redacted). */
  facts?: Record<string, unknown>;
  /** The handlers pending on the host after it. */
  pending: number[];
  lastCompleted?: { taskId: string; name: string; time: string };
}

export interface JournalMeta {
  runId: string;
  playbook: { file: string; sha256: string };
  inventory: string[];
  /** Extra vars without secrets. */
  extraVars: Vars;
  /** Names of secret extra vars: asked again on --resume. */
  secretVars: string[];
  options: { limit?: string; tags?: string[]; skipTags?: string[]; forks?: number; become?: boolean; diff?: boolean };
  check: boolean;
}

export interface JournalData extends JournalMeta {
  version: 1;
  status: JournalStatus;
  startedAt: string;
  updatedAt: string;
  /** How many times the run was (re)started: 1 + resumes. */
  attempts: number;
  /** A rescue section ran: resuming would redo what the rescue undid, so --resume refuses. */
  rescueRan?: boolean;
  hosts: Record<string, JournalHost>;
}

/** Statuses after which a task is not repeated on --resume. */
export const COMPLETED = new Set(['ok', 'changed', 'skipped', 'ignored']);

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Write a file atomically and durably: temp name, fsync, rename, fsync of the directory. */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dirname(file));
}

function fsyncDir(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some filesystems refuse fsync on a directory */
  }
}

export function readJournal(runDir: string): JournalData | undefined {
  const f = join(runDir, JOURNAL_FILE);
  if (!existsSync(f)) return undefined;
  const j = JSON.parse(readFileSync(f, 'utf8')) as JournalData;
  if (j.version !== 1) throw new Error(`${f}: unsupported journal version ${String(j.version)}`);
  const log = join(runDir, JOURNAL_LOG);
  if (existsSync(log)) {
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // empty, or torn by a killed process
      }
      if (e && typeof e.host === 'string' && typeof e.task === 'string') applyEntry(j, e);
    }
  }
  return j;
}

/** An outcome folded into the state (idempotent: applying it twice gives the same state). */
function applyEntry(data: JournalData, e: JournalEntry): void {
  const h = (data.hosts[e.host] ??= { registered: {}, facts: {}, pending: [], tasks: {} });
  h.tasks[e.task] = e.status;
  if (e.registered) Object.assign(h.registered, e.registered);
  if (e.facts) Object.assign(h.facts, e.facts);
  h.pending = [...e.pending];
  if (e.lastCompleted) h.lastCompleted = e.lastCompleted;
}

export class Journal {
  readonly data: JournalData;
  private readonly file: string;
  private readonly logFile: string;
  private log: FileHandle | undefined;
  /** Lines recorded and not yet appended. */
  private queued = '';
  private unsynced = false;
  /** Lines were appended since the last snapshot. */
  private sinceFlush = false;
  private writing: Promise<void> | undefined;
  /** Told about an append that failed (flush() and sync() throw instead). */
  onError?: (err: Error) => void;

  constructor(runDir: string, meta: JournalMeta | JournalData) {
    this.file = join(runDir, JOURNAL_FILE);
    this.logFile = join(runDir, JOURNAL_LOG);
    const now = new Date().toISOString();
    if ('version' in meta) {
      this.data = { ...meta, status: 'running', updatedAt: now, attempts: (meta.attempts ?? 1) + 1 };
    } else {
      this.data = { version: 1, ...meta, status: 'running', startedAt: now, updatedAt: now, attempts: 1, hosts: {} };
    }
  }

  host(h: string): JournalHost {
    return (this.data.hosts[h] ??= { registered: {}, facts: {}, pending: [], tasks: {} });
  }

  completed(taskId: string, host: string): boolean {
    const s = this.data.hosts[host]?.tasks[taskId];
    return s !== undefined && COMPLETED.has(s);
  }

  /**
   * One outcome: applied to the state, and appended to journal.log off the event loop. Appends are
   * serialized and coalesced (lines recorded while one is in flight go out together); `settle()`
   * waits for them, `sync()` makes them durable.
   */
  record(e: JournalEntry): void {
    applyEntry(this.data, e);
    this.data.updatedAt = new Date().toISOString();
    this.queued += JSON.stringify(e) + '\n';
    this.writing ??= this.appendLoop().finally(() => { this.writing = undefined; });
  }

  private async appendLoop(): Promise<void> {
    while (this.queued) {
      const text = this.queued;
      this.queued = '';
      try {
        if (!this.log) {
          this.log = await open(this.logFile, 'a', 0o600);
          fsyncDir(dirname(this.logFile));
        }
        await this.log.write(text);
        this.unsynced = true;
        this.sinceFlush = true;
      } catch (err) {
        this.onError?.(err as Error);
      }
    }
  }

  /** Wait until every record() so far is on the file (not necessarily on the disk). */
  async settle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * The whole state now, durably, as journal.json (run start and end, before a rescue); the log
   * then starts empty (a crash in between only replays lines the snapshot already holds).
   */
  async flush(): Promise<void> {
    await this.settle();
    this.data.updatedAt = new Date().toISOString();
    writeAtomic(this.file, JSON.stringify(this.data, null, 1) + '\n');
    if (this.log) {
      if (this.sinceFlush) {
        await this.log.truncate(0);
        await this.log.sync();
      }
    } else {
      // A log left by the run being resumed: its lines are in this snapshot now.
      await truncate(this.logFile, 0).catch(() => undefined);
    }
    this.unsynced = false;
    this.sinceFlush = false;
  }

  /** Make every record() so far durable: wait for the appends, then fsync the log. */
  async sync(): Promise<void> {
    await this.settle();
    if (!this.unsynced || !this.log) return;
    this.unsynced = false;
    await this.log.sync();
  }

  /** Close the log; after a flush with nothing appended since, the empty log file goes. */
  async close(): Promise<void> {
    await this.settle();
    const fh = this.log;
    this.log = undefined;
    if (!fh) return;
    await fh.close();
    if (!this.sinceFlush) await unlink(this.logFile).catch(() => undefined);
  }
}
