import type { Inventory } from '../model/inventory.js';
import type { Play, Playbook } from '../model/playbook.js';
import { withImplicitLocalhost } from '../load/localhost.js';
import { applyLimit, matchHosts } from '../load/pattern.js';
import { ValidationError } from '../errors.js';
import type { Vars } from '../model/vars.js';
import { renderString } from '../template/render.js';
import { lazyVars } from './vars.js';

/** The play's host pattern, rendered when it is a template (`hosts: "{{ target }}"`, from -e / play vars). */
export function playPattern(play: Play, vars?: Vars): string {
  if (!play.hosts.includes('{{')) return play.hosts;
  return renderString(play.hosts, lazyVars([play.vars ?? {}, vars ?? {}]));
}

/** Hosts of a play, in inventory order, narrowed by --limit. `vars` (extra vars) render a templated pattern. */
export function playHosts(play: Play, inv: Inventory, limit?: string, vars?: Vars): string[] {
  const m = matchHosts(inv, playPattern(play, vars));
  return applyLimit(inv, m.hosts, limit).hosts;
}

/** Size of one serial entry for a play of `total` hosts: number, or 'N%' (rounded down, at least 1). */
export function batchSize(entry: number | string, total: number): number {
  if (typeof entry === 'number') {
    if (!Number.isFinite(entry) || entry < 0) throw new ValidationError(`serial: ${entry} is not a positive number`);
    return entry === 0 ? total : Math.floor(entry);
  }
  const s = String(entry).trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(s);
  if (pct) return Math.max(1, Math.floor((total * Number(pct[1])) / 100));
  if (/^\d+$/.test(s)) return Number(s) === 0 ? total : Number(s);
  throw new ValidationError(`serial: ${JSON.stringify(entry)} is neither a number nor a percentage`);
}

/** Split hosts into batches by `serial` (numbers or percentages; the last entry repeats). */
export function splitBatches(hosts: string[], serial: (number | string)[]): string[][] {
  if (hosts.length === 0) return [];
  if (!serial || serial.length === 0) return [hosts.slice()];
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const entry = serial[Math.min(k, serial.length - 1)]!;
    const size = Math.max(1, batchSize(entry, hosts.length));
    out.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return out;
}

/**
 * The inventory a playbook runs against: with Ansible's implicit localhost when a play names
 * localhost (or 127.0.0.1) and the inventory does not list it (load/localhost.ts). The planner and
 * the engine both start from it, so `plan` and `run` see the same hosts.
 */
export function playbookInventory(pb: Playbook, inv: Inventory, extraVars?: Vars): ReturnType<typeof withImplicitLocalhost> {
  const patterns = pb.plays.map((p) => {
    try {
      return playPattern(p, extraVars);
    } catch {
      return p.hosts; // reported by the planner
    }
  });
  return withImplicitLocalhost(inv, patterns);
}
