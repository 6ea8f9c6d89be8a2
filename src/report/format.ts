import type { HostStatus, TaskResult } from '../model/result.js';

/** Ansible's word for a status in the per-host line. */
export function statusWord(status: HostStatus): string {
  switch (status) {
    case 'ok':
      return 'ok';
    case 'changed':
      return 'changed';
    case 'skipped':
      return 'skipping';
    case 'failed':
      return 'failed';
    case 'unreachable':
      return 'unreachable';
    case 'ignored':
      return 'failed';
    case 'rescued':
      return 'rescued';
  }
}

export function itemLabel(item: unknown): string {
  if (typeof item === 'string') return item;
  try {
    return JSON.stringify(item);
  } catch {
    return String(item);
  }
}

/** The short message for a failed/unreachable result: msg, else the last stderr line. */
export function failureMessage(r: TaskResult): string {
  if (typeof r.msg === 'string' && r.msg) return r.msg;
  const err = typeof r.stderr === 'string' ? r.stderr.trim().split('\n').pop() : '';
  if (err) return err;
  if (typeof r.rc === 'number') return `rc=${r.rc}`;
  return 'failed';
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function progressText(bytes: number, total: number): string {
  const pct = total > 0 ? ` (${Math.floor((bytes / total) * 100)}%)` : '';
  return `${humanBytes(bytes)} / ${humanBytes(total)}${pct}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** Is this task a handler (by its id)? */
export function isHandlerId(taskId: string): boolean {
  return /(^|\.)handlers\./.test(taskId);
}
