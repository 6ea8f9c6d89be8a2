/**
 * Safety net after the e2e suite: tear down the `t-*` labs a crashed test left behind, i.e. those
 * whose creating process is gone. A lab whose creator still runs belongs to a test in progress
 * (a colleague's concurrent run on a shared machine) and is left alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { labDown } from './lab.js';
import { cgroupHierarchies, killCgroup, labCgroup, removeCgroup } from './nspawn.js';
import { listLabNames, readState } from './state.js';

/** The lab's creator is a live node process (not this one). */
export function creatorRunning(pid: number | undefined, self = process.pid): boolean {
  if (!pid || pid === self) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A reused pid is some other program: only a node process can still be the creator.
  try {
    return /(^|\/)node(\0|$)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] + '\0');
  } catch {
    return false;
  }
}

export async function cleanupTestLabs(): Promise<string[]> {
  const done: string[] = [];
  for (const name of listLabNames().filter((n) => n.startsWith('t-'))) {
    if (creatorRunning(readState(name)?.createdBy?.pid)) continue;
    try {
      if (await labDown(name)) done.push(name);
    } catch (err) {
      console.error(`[cleanup] lab ${name}: ${(err as Error).message}`);
    }
  }
  for (const name of orphanLabCgroups().filter((n) => n.startsWith('t-'))) {
    try {
      await killCgroup(labCgroup(name));
      await removeCgroup(labCgroup(name));
      done.push(`${name} (cgroup)`);
    } catch (err) {
      console.error(`[cleanup] cgroup of lab ${name}: ${(err as Error).message}`);
    }
  }
  return done;
}

/** Lab names whose cgroup (systemd hosts) exists while the lab dir is gone: a crashed up or down. */
export function orphanLabCgroups(hierarchies = cgroupHierarchies()): string[] {
  const labs = new Set(listLabNames());
  const prefix = labCgroup('');
  const found = new Set<string>();
  for (const h of hierarchies) {
    if (!existsSync(h)) continue;
    for (const e of readdirSync(h)) if (e.startsWith(prefix) && !labs.has(e.slice(prefix.length))) found.add(e.slice(prefix.length));
  }
  return [...found];
}
