/**
 * Test harness for engine tests: write a playbook and an inventory (YAML texts) into a temp dir,
 * load them with the real loader and run them with the real engine (LocalConnection hosts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook, type RunOptions } from '../../../src/engine/index.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import type { EngineEvent } from '../../../src/model/event.js';
import type { HostStatus, Recap, TaskResult } from '../../../src/model/result.js';

export interface RunResult {
  exitCode: number;
  recap: Record<string, Recap>;
  events: EngineEvent[];
  dir: string;
  /** host -> status of the task with this name */
  status(task: string): Record<string, HostStatus>;
  result(task: string, host: string): TaskResult | undefined;
  taskNames(): string[];
}

export function tempDir(prefix = 'etcdplay-engine-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Local hosts h1..hN (ansible_connection: local) unless an inventory text is given. */
export function localInventory(n: number, extra = ''): string {
  const hosts = Array.from({ length: n }, (_, i) => `        h${i + 1}: {}`).join('\n');
  return `all:\n  vars:\n    ansible_connection: local\n  children:\n    nodes:\n      hosts:\n${hosts}\n${extra}`;
}

export async function runYaml(
  playbookYaml: string,
  inventoryYaml: string,
  opts: Partial<Omit<RunOptions, 'playbook' | 'inventory' | 'onEvent'>> & { dir?: string; onEvent?: (e: EngineEvent) => void } = {},
): Promise<RunResult> {
  const dir = opts.dir ?? tempDir();
  writeFileSync(join(dir, 'inventory.yml'), inventoryYaml);
  writeFileSync(join(dir, 'playbook.yml'), playbookYaml.replaceAll('@DIR@', dir));
  const inv = loadInventory([join(dir, 'inventory.yml')]);
  if (inv.diagnostics.some((d) => d.severity === 'error')) throw new Error(formatDiagnostics(inv.diagnostics));
  const pb = loadPlaybook(join(dir, 'playbook.yml'));
  if (!pb.playbook || pb.diagnostics.some((d) => d.severity === 'error')) throw new Error(formatDiagnostics(pb.diagnostics));
  const events: EngineEvent[] = [];
  const { dir: _d, onEvent, ...rest } = opts;
  const out = await runPlaybook({
    extraVars: {},
    check: false,
    diff: false,
    forks: 10,
    connect: { hostKeyChecking: 'strict' },
    runDir: join(dir, 'run'),
    ...rest,
    playbook: pb.playbook,
    inventory: inv.inventory,
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e);
    },
  });
  const nameOf = new Map<string, string>();
  for (const e of events) if (e.type === 'task.start') nameOf.set(e.taskId, e.name);
  const ends = events.filter((e): e is Extract<EngineEvent, { type: 'host.end' }> => e.type === 'host.end');
  return {
    exitCode: out.exitCode,
    recap: out.recap,
    events,
    dir,
    status(task) {
      const r: Record<string, HostStatus> = {};
      for (const e of ends) if (nameOf.get(e.taskId) === task) r[e.host] = e.status;
      return r;
    },
    result(task, host) {
      return ends.find((e) => nameOf.get(e.taskId) === task && e.host === host)?.result;
    },
    taskNames() {
      return events.filter((e) => e.type === 'task.start').map((e) => (e as { name: string }).name);
    },
  };
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
