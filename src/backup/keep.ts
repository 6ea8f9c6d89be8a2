/**
 * Retention of a workstation backup directory: keep the newest N backups (a snapshot with its
 * etcdplay manifest next to it, newest by the manifest's createdAt, then by name), remove the
 * older ones (both files). Files that are not such a pair are never touched.
 */
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readManifest } from './local.js';

export interface Backup {
  file: string;
  createdAt: string;
}

/** Which backups to remove: all but the newest `keep` (0: none), never one in `protect`. Pure. */
export function toRemove(backups: Backup[], keep: number, protect: string[]): Backup[] {
  if (keep <= 0) return [];
  const sorted = [...backups].sort((a, b) => (a.createdAt === b.createdAt ? (a.file < b.file ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  const kept = new Set(protect.map((p) => resolve(p)));
  return sorted.slice(keep).filter((b) => !kept.has(resolve(b.file)));
}

/** The complete backups in `dir` (a `.db` whose `.db.json` is an etcdplay manifest). */
export async function listBackups(dir: string): Promise<Backup[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Backup[] = [];
  for (const n of names) {
    if (!n.endsWith('.db') || !names.includes(`${n}.json`)) continue;
    const file = join(dir, n);
    const m = await readManifest(`${file}.json`).catch(() => undefined);
    if (m) out.push({ file, createdAt: String(m.createdAt ?? '') });
  }
  return out;
}

/** Apply the retention; returns the snapshot files removed. */
export async function keepNewest(dir: string, keep: number, protect: string[]): Promise<string[]> {
  const gone = toRemove(await listBackups(dir), keep, protect);
  for (const b of gone) {
    await rm(`${b.file}.json`, { force: true });
    await rm(b.file, { force: true });
  }
  return gone.map((b) => b.file);
}
