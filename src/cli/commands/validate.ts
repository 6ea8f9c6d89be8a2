import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../../model/source.js';
import type { Inventory } from '../../model/inventory.js';
import type { Playbook } from '../../model/playbook.js';
import { countDiagnostics, formatDiagnostics, hasErrors, sortDiagnostics } from '../../load/diagnostics.js';
import { loadInventory } from '../../load/inventory.js';
import { loadPlaybook } from '../../load/playbook.js';
import { parseExtraVars } from '../extravars.js';
import { buildPlan } from '../../plan/build.js';

export const usage = `usage: etcdplay validate [PLAYBOOK|DIR...] [-i INVENTORY...] [-e NAME=VALUE...] [--json]

Check playbooks and inventories and report every problem at once, as file:line:col. Contacts
nothing. A directory stands for the *.yml/*.yaml playbooks in it. With -i, the playbooks are also planned against the inventory, which finds undefined
variables and host patterns that match no host.

  -i, --inventory PATH     inventory file, directory or 'h1,h2,' (repeatable)
  -e, --extra-vars VARS    extra variables for planning: k=v, a JSON mapping or @file (repeatable)
      --json               print the diagnostics as JSON on stdout
  -h, --help               this help

Exit status: 0 no errors (warnings allowed), 2 errors found.`;

function useColor(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
}

/** A directory argument stands for the playbooks (*.yml, *.yaml) directly in it. */
function expandDir(path: string): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
  } catch {
    return [path]; // reported by the loader
  }
  return readdirSync(path).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort().map((n) => join(path, n));
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
        'extra-vars': { type: 'string', short: 'e', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`etcdplay validate: ${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const sources = values.inventory ?? [];
  if (!positionals.length && !sources.length) {
    process.stderr.write(`etcdplay validate: give at least one playbook or -i INVENTORY\n${usage}\n`);
    return 2;
  }

  const diagnostics: Diagnostic[] = [];
  const extraVars = parseExtraVars(values['extra-vars'] ?? [], diagnostics);
  let inventory: Inventory | undefined;
  if (sources.length) {
    const r = loadInventory(sources);
    diagnostics.push(...r.diagnostics);
    if (!hasErrors(r.diagnostics)) inventory = r.inventory;
  }
  const playbooks: Playbook[] = [];
  const files = positionals.flatMap(expandDir);
  for (const file of files) {
    const r = loadPlaybook(file);
    diagnostics.push(...r.diagnostics);
    if (r.playbook) playbooks.push(r.playbook);
  }
  if (inventory && playbooks.length) {
    for (const pb of playbooks) {
      try {
        diagnostics.push(...buildPlan(pb, inventory, { extraVars, check: true }).diagnostics);
      } catch (e) {
        const ds = (e as { diagnostics?: Diagnostic[] }).diagnostics;
        if (ds?.length) diagnostics.push(...ds);
        else diagnostics.push({ severity: 'error', code: 'plan-failed', message: `planning failed: ${(e as Error).message}`, pos: { file: pb.file, line: 1, col: 1 } });
      }
    }
  }

  const all = sortDiagnostics(diagnostics);
  const { errors, warnings } = countDiagnostics(all);
  if (values.json) {
    process.stdout.write(JSON.stringify({ errors, warnings, diagnostics: all }, null, 2) + '\n');
  } else {
    if (all.length) process.stderr.write(formatDiagnostics(all, { color: useColor() }));
    const count = files.length + sources.length;
    const summary = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${count} file${count === 1 ? '' : 's'}`;
    if (errors) process.stderr.write(`etcdplay validate: ${summary}\n`);
    else process.stdout.write(`ok: ${summary}\n`);
  }
  return errors ? 2 : 0;
}
