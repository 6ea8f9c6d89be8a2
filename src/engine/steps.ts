/**
 * Runs a task's steps on one host, in order, stopping at the first failure. One file per step
 * kind: step-command.ts (commands and their `then`), step-transfer.ts (put, get, relay),
 * step-local.ts (debug, set_fact, assert, fail), step-backup.ts (backups off the cluster); step-exec.ts is what they share.
 */
import { UnreachableError } from '../errors.js';
import type { Step } from '../model/step.js';
import { commandStep } from './step-command.js';
import type { StepEnv, StepsRun } from './step-exec.js';
import { backupStep } from './step-backup.js';
import { localStep } from './step-local.js';
import { getStep, putStep, relayStep } from './step-transfer.js';

export { secretsOffArgv, type StepEnv, type StepsRun } from './step-exec.js';

/** Run a task's steps in order, stopping at the first failure. Never throws. */
export async function runSteps(steps: Step[], env: StepEnv): Promise<StepsRun> {
  const run: StepsRun = { outcomes: [], diffs: [], local: {} };
  // A queue: a command's `then` puts the steps it decided in front of the remaining ones.
  const queue = [...steps];
  for (let step = queue.shift(); step; step = queue.shift()) {
    if (env.signal?.aborted) {
      run.failure = { msg: 'interrupted' };
      break;
    }
    // --check: once a mutating step was held back, later steps (verifications, waits) would
    // only see the unchanged host; they are held back too.
    if (env.check && run.outcomes.some((o) => o.status === 'check')) {
      run.outcomes.push({ step, status: 'check', changed: false });
      continue;
    }
    const se: StepEnv = step.mutates ? { ...env, signal: env.hardSignal } : env;
    try {
      switch (step.kind) {
        case 'command':
          queue.unshift(...(await commandStep(step, se, run)));
          break;
        case 'put':
          await putStep(step, se, run);
          break;
        case 'get':
          await getStep(step, se, run);
          break;
        case 'relay':
          await relayStep(step, se, run);
          break;
        case 'local':
          localStep(step, se, run);
          break;
        case 'backup':
          await backupStep(step, se, run);
          break;
      }
    } catch (err) {
      if (err instanceof UnreachableError) {
        run.unreachable = err.message;
      } else if (env.signal?.aborted) {
        run.failure = { msg: `${step.description}: interrupted` };
      } else {
        const e = err as Error & { rc?: number; stdout?: string; stderr?: string };
        run.failure = { msg: `${step.description}: ${e.message ?? String(err)}`, rc: typeof e.rc === 'number' ? e.rc : undefined, stdout: e.stdout, stderr: e.stderr };
      }
    }
    if (run.failure || run.unreachable) break;
  }
  return run;
}
