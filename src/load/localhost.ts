/**
 * Ansible's implicit localhost: a play (or --limit) naming `localhost` or `127.0.0.1` when the
 * inventory does not list it gets a host of that name that runs on the workstation
 * (ansible_connection: local). As in Ansible it is matched only by its own name, never by `all`,
 * a group or a wildcard; it takes the `all` group's variables. Also the one rule for "does this
 * host run on the workstation" that the connections and the plan's output share.
 */
import { ValidationError } from '../errors.js';
import type { Host, Inventory } from '../model/inventory.js';
import type { Vars } from '../model/vars.js';
import { listedHosts } from './inventory-build.js';
import { splitPattern } from './pattern.js';

export { listedHosts };

export const LOCAL_NAMES = ['localhost', '127.0.0.1'];

/** The local names a host pattern names exactly (`localhost`, `127.0.0.1`), with any operator. */
function localNamesIn(pattern: string): string[] {
  return splitPattern(pattern).map((t) => t.replace(/^[!&]/, '')).filter((t) => LOCAL_NAMES.includes(t));
}

/**
 * `inv` with an implicit host for each local name the patterns use and the inventory lacks (the
 * same object when nothing is added). `empty` says the inventory listed no host at all: the case
 * where Ansible warns "provided hosts list is empty, only localhost is available".
 */
export function withImplicitLocalhost(inv: Inventory, patterns: string[]): { inventory: Inventory; added: string[]; empty: boolean } {
  const names = [...new Set(patterns.flatMap(localNamesIn))].filter((n) => !inv.hosts.has(n));
  const empty = listedHosts(inv).length === 0;
  if (!names.length) return { inventory: inv, added: [], empty };
  const hosts = new Map(inv.hosts);
  for (const name of names) {
    const host: Host = { name, vars: { ansible_connection: 'local' }, groups: ['all'], implicit: true };
    hosts.set(name, host);
  }
  return { inventory: { ...inv, hosts }, added: names, empty };
}

/** Ansible's warning for a run whose only host is the implicit localhost. */
export const EMPTY_INVENTORY_WARNING = "provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'";

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Does this host run on the workstation itself? (ansible_connection local; a bare localhost name) */
export function isLocalHost(host: string, vars: Vars): boolean {
  const kind = str(vars['ansible_connection']);
  if (kind === 'local') return true;
  if (kind && kind !== 'ssh' && kind !== 'smart' && kind !== 'paramiko') {
    throw new ValidationError(`${host}: ansible_connection ${JSON.stringify(kind)} is not supported (use ssh or local)`);
  }
  if (kind) return false;
  const hasAddress = str(vars['ansible_host']) ?? str(vars['ansible_ssh_host']);
  return !hasAddress && LOCAL_NAMES.includes(host);
}
