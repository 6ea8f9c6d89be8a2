/** Where a host's variable was set, for messages that must say where to fix it. */
import type { Inventory } from '../model/inventory.js';
import type { Play } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';

const at = (p: { file: string; line: number; col: number } | undefined): string => (p ? ` (${p.file}:${p.line}:${p.col})` : '');

/** The highest-precedence layer that sets `name` for `host` in `play` (as the variable precedence reads them). */
export function varOrigin(name: string, a: { extraVars: Vars; play: Play; inventory: Inventory; host: string }): string {
  if (Object.hasOwn(a.extraVars, name)) return 'the extra vars (-e)';
  if (Object.hasOwn(a.play.vars, name)) return `the vars of play "${a.play.name}"${at(a.play.pos)}`;
  const host = a.inventory.hosts.get(a.host);
  if (host && Object.hasOwn(host.vars, name)) return `the inventory, host ${a.host}${at(host.pos)}`;
  for (const g of [...(host?.groups ?? [])].reverse()) {
    const grp = a.inventory.groups.get(g);
    if (grp && Object.hasOwn(grp.vars, name)) return `the inventory, group ${g}${at(grp.pos)}`;
  }
  return a.play.varsFiles.length ? `the vars_files of play "${a.play.name}"${at(a.play.pos)}` : 'the inventory';
}
