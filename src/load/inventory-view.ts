import type { Inventory } from '../model/inventory.js';
import type { Vars } from '../model/vars.js';
import { inventoryOwnVars } from './hostvars.js';

/**
 * ansible-inventory style views of an inventory: `--graph` (a tree) and `--list` (JSON with
 * _meta.hostvars).
 */

/**
 * The group tree, as `ansible-inventory --graph`:
 *
 *     @all:
 *       |--@ungrouped:
 *       |--@etcd:
 *       |  |--etcd1
 *
 * Child groups and hosts in inventory order (as ansible-core 2.14 prints them: db-99 before
 * db-100); a group shows only the hosts listed in it directly.
 */
export function inventoryGraph(inv: Inventory, root = 'all'): string {
  const lines: string[] = [];
  const prefix = (depth: number) => (depth ? '  |'.repeat(depth) + '--' : '');
  const walk = (name: string, depth: number, trail: Set<string>) => {
    const g = inv.groups.get(name);
    if (!g || trail.has(name)) return;
    lines.push(`${prefix(depth)}@${name}:`);
    const next = new Set(trail).add(name);
    for (const c of g.children) walk(c, depth + 1, next);
    if (name !== 'all') for (const h of g.hosts) lines.push(`${prefix(depth + 1)}${h}`);
  };
  walk(root, 0, new Set());
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** `ansible-inventory --list`: groups with hosts/children, and every host's merged vars. */
export function inventoryList(inv: Inventory): Record<string, unknown> {
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hosts.keys()) hostvars[h] = inventoryOwnVars(inv, h);
  const out: Record<string, unknown> = { _meta: { hostvars } };
  for (const g of inv.groups.values()) {
    const entry: Record<string, unknown> = {};
    if (g.children.length) entry.children = [...g.children];
    if (g.hosts.length && g.name !== 'all') entry.hosts = [...g.hosts];
    out[g.name] = entry;
  }
  return out;
}
