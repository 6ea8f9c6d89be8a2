/**
 * The run journal: <runDir>/journal.json, rewritten atomically (temp file, rename) after every
 * host's outcome of every task, and made durable (fsync of the file and its directory) before the
 * next task starts anywhere and at the start and end of the run. It holds what `etcdplay run --resume`
 * needs: the playbook (path + sha256), inventory sources, extra vars (secrets left out, only their
 * names), options, which (task, host) pairs completed, and each host's registered results, facts
 * and pending handlers (redacted). Never holds a secret: values pass through the run's Redactor.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Vars } from '../model/vars.js';

export const JOURNAL_FILE = 'journal.json';

export type JournalStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'unreachable' | 'refused';

export interface JournalHost {
  registered: Vars;
  facts: Record<string, unknown>;
  pending: number[];
  /** task id -> status (ok, changed, skipped, failed, unreachable, ignored) of the last attempt */
  tasks: Record<string, string>;
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

/** Temp name + rename without fsync, on libuv's thread pool (syncFile() makes it durable later). */
async function writeAtomicAsync(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-async`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

/** fsync a file that is already in place, then its directory. */
export function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
  return j;
}

export class Journal {
  readonly data: JournalData;
  private readonly file: string;
  private unsynced = false;
  private writing: Promise<void> | undefined;
  private again = false;
  /** Told about a write() that failed (flush() and sync() throw instead). */
  onError?: (err: Error) => void;

  constructor(runDir: string, meta: JournalMeta | JournalData) {
    this.file = join(runDir, JOURNAL_FILE);
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
   * Rewrite the journal, off the event loop (an ext4 rename over the old file costs ~0.6 ms of
   * writeback). Writes are serialized and coalesced: outcomes recorded while one is in flight go
   * out together in the next. Each is atomic (temp file + rename), so a killed process leaves the
   * last written state whole; `settle()` waits for them, `sync()` makes them durable.
   */
  write(): void {
    this.data.updatedAt = new Date().toISOString();
    if (this.writing) {
      this.again = true;
      return;
    }
    this.writing = this.writeLoop().finally(() => { this.writing = undefined; });
  }

  private async writeLoop(): Promise<void> {
    do {
      this.again = false;
      const text = JSON.stringify(this.data, null, 1) + '\n';
      try {
        await writeAtomicAsync(this.file, text);
        this.unsynced = true;
      } catch (err) {
        this.onError?.(err as Error);
      }
    } while (this.again);
  }

  /** Wait until every write() so far is on the file (not necessarily on the disk). */
  async settle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Rewrite the journal now and fsync it (run start and end, before a rescue). */
  async flush(): Promise<void> {
    await this.settle();
    this.data.updatedAt = new Date().toISOString();
    writeAtomic(this.file, JSON.stringify(this.data, null, 1) + '\n');
    this.unsynced = false;
  }

  /** Make every write() so far durable: wait for them, then fsync the file and its directory. */
  async sync(): Promise<void> {
    await this.settle();
    if (!this.unsynced) return;
    this.unsynced = false;
    syncFile(this.file);
  }
}
