import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { countDiagnostics, formatDiagnostics, hasErrors } from '../../load/diagnostics.js';
import { inventoryOwnVars } from '../../load/hostvars.js';
import { loadInventory } from '../../load/inventory.js';
import { inventoryGraph, inventoryList } from '../../load/inventory-view.js';
import { didYouMean } from '../../load/diagnostics.js';

export const usage = `usage: etcdplay inventory -i INVENTORY [-i INVENTORY...] (--list | --graph [GROUP] | --host NAME) [--yaml]

Show an inventory the way ansible-inventory does. Contacts nothing.

  -i, --inventory PATH  inventory file (INI or YAML), directory, or 'host1,host2,' (repeatable)
      --list            every group and host, with each host's variables under _meta.hostvars (JSON)
      --graph [GROUP]   the group tree (from 'all', or from GROUP)
      --host NAME       the variables of one host (JSON)
      --yaml            print --list / --host as YAML instead of JSON
  -h, --help            this help

Exit status: 0 ok, 2 bad input (inventory errors, unknown host or group).`;

function useColor(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        inventory: { type: 'string', short: 'i', multiple: true },
        list: { type: 'boolean' },
        graph: { type: 'boolean' },
        host: { type: 'string' },
        yaml: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`etcdplay inventory: ${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const sources = values.inventory ?? [];
  if (!sources.length) {
    process.stderr.write(`etcdplay inventory: -i INVENTORY is required\n${usage}\n`);
    return 2;
  }
  const modes = [values.list, values.graph, values.host !== undefined].filter(Boolean).length;
  if (modes !== 1) {
    process.stderr.write(`etcdplay inventory: give exactly one of --list, --graph, --host NAME\n${usage}\n`);
    return 2;
  }
  if (positionals.length > (values.graph ? 1 : 0)) {
    process.stderr.write(`etcdplay inventory: unexpected argument '${positionals[values.graph ? 1 : 0]}'\n`);
    return 2;
  }
  const { inventory, diagnostics } = loadInventory(sources);
  if (diagnostics.length) process.stderr.write(formatDiagnostics(diagnostics, { color: useColor() }));
  if (hasErrors(diagnostics)) {
    const { errors } = countDiagnostics(diagnostics);
    process.stderr.write(`etcdplay inventory: ${errors} error${errors === 1 ? '' : 's'} in the inventory\n`);
    return 2;
  }
  const dump = (v: unknown) => (values.yaml ? stringify(v) : JSON.stringify(v, null, 4) + '\n');
  if (values.graph) {
    const group = positionals[0] ?? 'all';
    if (!inventory.groups.has(group)) {
      const hint = didYouMean(group, inventory.groups.keys());
      process.stderr.write(`etcdplay inventory: no group '${group}' in the inventory${hint ? ` (${hint})` : ''}\n`);
      return 2;
    }
    process.stdout.write(inventoryGraph(inventory, group));
    return 0;
  }
  if (values.host !== undefined) {
    if (!inventory.hosts.has(values.host)) {
      const hint = didYouMean(values.host, inventory.hosts.keys());
      process.stderr.write(`etcdplay inventory: no host '${values.host}' in the inventory${hint ? ` (${hint})` : ''}\n`);
      return 2;
    }
    process.stdout.write(dump(inventoryOwnVars(inventory, values.host)));
    return 0;
  }
  process.stdout.write(dump(inventoryList(inventory)));
  return 0;
}
