import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '../../../src/model/inventory.js';
import type { Playbook } from '../../../src/model/playbook.js';
import type { PlannedTask, Plan } from '../../../src/model/plan.js';
import type { Diagnostic } from '../../../src/model/source.js';
import { parseInventory } from '../../../src/load/inventory.js';
import { parsePlaybook } from '../../../src/load/playbook.js';
import { buildPlan, type PlanOptions } from '../../../src/plan/index.js';
import { renderCommand } from '../../../src/shell/quote.js';

export const INV = `
[etcd]
e1 ansible_host=127.0.1.11 etcd_address=127.0.1.11
e2 ansible_host=127.0.1.12 etcd_address=127.0.1.12
e3 ansible_host=127.0.1.13 etcd_address=127.0.1.13
[masters]
m1 ansible_host=127.0.1.21
[etcd:vars]
etcd_data_dir=/var/lib/etcd
level=group
[all:vars]
level=all
`;

/** A temp dir holding playbook.yml (and any extra files); removed by cleanup(). */
export function workspace(files: Record<string, string>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-plan-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function inventory(text = INV): Inventory {
  const r = parseInventory(text, 'inv.ini');
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(JSON.stringify(r.diagnostics));
  return r.inventory;
}

export function playbook(dir: string, text: string): Playbook {
  const file = join(dir, 'playbook.yml');
  writeFileSync(file, text);
  const r = parsePlaybook(text, file);
  if (!r.playbook || r.diagnostics.some((d) => d.severity === 'error')) throw new Error('playbook: ' + JSON.stringify(r.diagnostics, null, 1));
  return r.playbook;
}

export function plan(text: string, opts: Partial<PlanOptions> = {}, inv = inventory()): { plan: Plan; diagnostics: Diagnostic[]; dir: string } {
  const ws = workspace({});
  try {
    const pb = playbook(ws.dir, text);
    return { ...buildPlan(pb, inv, { extraVars: {}, check: false, ...opts }), dir: ws.dir };
  } finally {
    ws.cleanup();
  }
}

/** host -> rendered commands of a task (command steps only). */
export function commands(t: PlannedTask): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const h of t.perHost) out[h.host] = (h.steps ?? []).flatMap((s) => (s.kind === 'command' ? [renderCommand(s.command)] : []));
  return out;
}

export function taskNamed(p: Plan, name: string, play = 0): PlannedTask {
  const t = p.plays[play]!.tasks.find((x) => x.name === name);
  if (!t) throw new Error(`no task '${name}' in ${p.plays[play]!.tasks.map((x) => x.name).join(', ')}`);
  return t;
}
