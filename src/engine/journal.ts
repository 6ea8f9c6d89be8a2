/**
 * The run journal: <runDir>/journal.json, rewritten atomically (temp file, fsync, rename, fsync of
 * the directory) after every host's outcome of every task. It holds what `etcdplay run --resume`
 * needs: the playbook (path + sha256), inventory sources, extra vars (secrets left out, only their
 * names), options, which (task, host) pairs completed, and each host's registered results, facts
 * and pending handlers (redacted). Never holds a secret: values pass through the run's Redactor.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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

/** Write a file atomically: temp name, fsync, rename, fsync the directory. */
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
  try {
    const dfd = openSync(dirname(file), 'r');
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

  flush(): void {
    this.data.updatedAt = new Date().toISOString();
    writeAtomic(this.file, JSON.stringify(this.data, null, 1) + '\n');
  }
}
