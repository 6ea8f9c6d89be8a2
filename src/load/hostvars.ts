import { dirname } from 'node:path';
import type { Inventory } from '../model/inventory.js';
import type { Vars } from '../model/vars.js';
import { groupDepths, groupHosts } from './inventory-build.js';

/**
 * A host's inventory variables with Ansible's precedence: 'all' < parent groups < child groups <
 * the host itself. Groups of the same depth are ordered by `ansible_group_priority` (higher wins),
 * then by name (later in the alphabet wins). Adds inventory_hostname, inventory_hostname_short,
 * group_names (sorted, without 'all'), groups (every group -> its hosts), inventory_file/dir.
 */
export function inventoryHostVars(inv: Inventory, host: string): Vars {
  const h = inv.hosts.get(host);
  const out: Vars = {};
  if (h) {
    for (const g of sortedGroups(inv, h.groups)) Object.assign(out, inv.groups.get(g)?.vars ?? {});
    Object.assign(out, h.vars);
  }
  out.inventory_hostname = host;
  out.inventory_hostname_short = host.split('.')[0];
  out.group_names = (h?.groups ?? []).filter((g) => g !== 'all').sort();
  out.groups = groupsVar(inv);
  if (h?.pos?.file) {
    out.inventory_file = h.pos.file;
    out.inventory_dir = dirname(h.pos.file);
  }
  return out;
}

/** Only the inventory-defined variables (no magic variables): what `inventory --host` shows. */
export function inventoryOwnVars(inv: Inventory, host: string): Vars {
  const h = inv.hosts.get(host);
  const out: Vars = {};
  if (!h) return out;
  for (const g of sortedGroups(inv, h.groups)) Object.assign(out, inv.groups.get(g)?.vars ?? {});
  Object.assign(out, h.vars);
  return out;
}

/** Groups in the order their vars apply (lowest precedence first). */
export function sortedGroups(inv: Inventory, groups: string[]): string[] {
  const depth = depthsOf(inv);
  const prio = (g: string) => {
    const p = inv.groups.get(g)?.vars.ansible_group_priority;
    const n = typeof p === 'number' ? p : typeof p === 'string' && /^-?\d+$/.test(p) ? Number(p) : 1;
    return n;
  };
  return [...groups].sort((a, b) => (depth.get(a) ?? 1) - (depth.get(b) ?? 1) || prio(a) - prio(b) || (a < b ? -1 : a > b ? 1 : 0));
}

const depthCache = new WeakMap<Inventory, { key: string; depth: Map<string, number> }>();
const groupsCache = new WeakMap<Inventory, { key: string; groups: Record<string, string[]> }>();

function shapeKey(inv: Inventory): string {
  let k = `${inv.hosts.size}|`;
  for (const g of inv.groups.values()) k += `${g.name}:${g.hosts.length}:${g.children.join(',')};`;
  return k;
}

function depthsOf(inv: Inventory): Map<string, number> {
  const key = shapeKey(inv);
  const c = depthCache.get(inv);
  if (c && c.key === key) return c.depth;
  const depth = groupDepths(inv);
  depthCache.set(inv, { key, depth });
  return depth;
}

/**
 * `groups`: every group name -> its hosts (with those of child groups), in inventory order.
 * Shared between hosts and frozen (it is computed once per inventory shape).
 */
export function groupsVar(inv: Inventory): Record<string, string[]> {
  const key = shapeKey(inv);
  const c = groupsCache.get(inv);
  if (c && c.key === key) return c.groups;
  const groups: Record<string, string[]> = {};
  for (const g of inv.groups.keys()) groups[g] = Object.freeze(groupHosts(inv, g)) as string[];
  Object.freeze(groups);
  groupsCache.set(inv, { key, groups });
  return groups;
}
