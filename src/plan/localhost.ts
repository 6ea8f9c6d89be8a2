/** The planner's side of the implicit localhost (load/localhost.ts): the inventory, and Ansible's warning. */
import { diag } from '../load/diagnostics.js';
import { EMPTY_INVENTORY_WARNING, LOCAL_NAMES } from '../load/localhost.js';
import { splitPattern } from '../load/pattern.js';
import type { Inventory } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { fileLines, hostsKeyPos } from './diagnose.js';
import { playbookInventory } from './hosts.js';
import type { Inherited } from './inherit.js';
import { describeReach, reachVars } from './reach.js';

/**
 * `inv` with the implicit localhost the playbook needs; when the inventory lists no host at all,
 * Ansible's warning at the first play that names localhost.
 */
export function implicitLocalhost(pb: Playbook, inv: Inventory, extraVars: Vars, ds: Diagnostic[]): Inventory {
  const r = playbookInventory(pb, inv, extraVars);
  if (r.added.length && r.empty) {
    const play = pb.plays.find((p) => splitPattern(p.hosts).some((t) => LOCAL_NAMES.includes(t.replace(/^[!&]/, '')))) ?? pb.plays[0];
    if (play) ds.push(diag('implicit-localhost', hostsKeyPos(play), EMPTY_INVENTORY_WARNING, { severity: 'warning', lines: fileLines(play.pos.file) }));
  }
  return r.inventory;
}

/**
 * How the plan shows a host is reached: when a remote_user/connection keyword applies or the host
 * runs on the workstation; undefined otherwise (or when it cannot be told before the run).
 */
export function reachOf(host: string, vars: Vars, eff: Inherited): string | undefined {
  try {
    const r = describeReach(host, reachVars(vars, eff));
    return eff.remoteUser !== undefined || eff.connection !== undefined || r === 'local' ? r : undefined;
  } catch {
    return undefined; // a keyword that renders only at run time, or a bad ansible_connection (the run reports it)
  }
}
