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

