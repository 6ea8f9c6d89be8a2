/** Run planned steps for real on this machine (sh), as the engine would on a host. Test helper. */
import { execFile, spawnSync } from 'node:child_process';
import type { Command } from '../../../src/model/command.js';
import { CHANGED_MARKER, type Step } from '../../../src/model/step.js';
import { renderCommand } from '../../../src/shell/quote.js';

export interface Ran { status: 'ran' | 'skipped'; rc: number; stdout: string; stderr: string; changed: boolean }

export function sh(cmd: Command, env: NodeJS.ProcessEnv = process.env): { rc: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', renderCommand(cmd)], { encoding: 'utf8', env, input: cmd.stdin ?? '' });
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Async variant (keeps the event loop free, e.g. for a TCP server in the same process). */
export function shAsync(cmd: Command, env: NodeJS.ProcessEnv = process.env): Promise<{ rc: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', renderCommand(cmd)], { encoding: 'utf8', env }, (err, stdout, stderr) => {
      const rc = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ rc, stdout, stderr });
    });
  });
}

export function runStep(step: Step, env: NodeJS.ProcessEnv = process.env): Ran {
  if (step.kind !== 'command') throw new Error(`runStep: ${step.kind} steps are not run by this helper`);
  if (step.onlyIf) {
    const g = sh(step.onlyIf, env);
    if (g.rc !== 0) return { status: 'skipped', rc: 0, stdout: g.stdout, stderr: g.stderr, changed: false };
  }
  const r = sh(step.command, env);
  const policy = step.changed ?? (step.mutates ? 'always' : 'never');
  const changed = r.rc === 0 && (policy === 'always' || (policy === 'marker' && r.stdout.split('\n').includes(CHANGED_MARKER)));
  return { status: 'ran', ...r, changed };
}

export function runSteps(steps: Step[], env?: NodeJS.ProcessEnv): Ran[] {
  const out: Ran[] = [];
  for (const s of steps) {
    const r = runStep(s, env);
    out.push(r);
    if (r.status === 'ran' && r.rc !== 0) break;
  }
  return out;
}

export const ctx = (vars: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ host: 'h1', vars, check: false, ...extra });
