/** A command step: guard, --check, the changed policy, parsing, and `then` (its output -> the next steps). */
import { CHANGED_MARKER, type CommandStep, type Step, type StepOutcome } from '../model/step.js';
import { displayCommand } from '../shell/quote.js';
import { exec, lastLine, type StepEnv, type StepsRun } from './step-exec.js';

/**
 * Run one command step; returns the steps its `then` decided (to run right after it). A `then`
 * that throws fails the task with its message (runSteps adds the step's description).
 */
export async function commandStep(step: CommandStep, env: StepEnv, run: StepsRun): Promise<Step[]> {
  if (step.onlyIf) {
    const g = await exec(step.onlyIf, env, step.timeoutMs, false);
    if (g.signal && env.signal?.aborted) {
      run.failure = { msg: 'interrupted' };
      return [];
    }
    if (g.rc !== 0) {
      run.outcomes.push({ step, status: 'skipped', changed: false, rc: g.rc, stdout: g.stdout, stderr: g.stderr });
      return [];
    }
  }
  if (env.check && step.mutates) {
    run.outcomes.push({ step, status: 'check', changed: false });
    return [];
  }
  const r = await exec(step.command, env, step.timeoutMs, true);
  run.cmd = displayCommand(step.command);
  const lines = r.stdout.split('\n');
  const marker = lines.some((l) => l === CHANGED_MARKER || l === CHANGED_MARKER + '\r');
  const stdout = marker ? lines.filter((l) => l !== CHANGED_MARKER && l !== CHANGED_MARKER + '\r').join('\n') : r.stdout;
  const policy = step.changed ?? (step.mutates ? 'always' : 'never');
  const okCodes = step.okCodes ?? [0];
  const ok = okCodes.includes(r.rc) && !(r.signal && env.signal?.aborted);
  const changed = ok && (policy === 'always' || (policy === 'marker' && marker));
  let data: unknown;
  if (ok && step.parse === 'json') {
    try {
      data = stdout.trim() === '' ? null : JSON.parse(stdout);
    } catch (e) {
      run.outcomes.push({ step, status: 'ran', rc: r.rc, stdout, stderr: r.stderr, changed });
      run.failure = { msg: `${step.description}: output is not valid JSON (${(e as Error).message})`, rc: r.rc, stdout, stderr: r.stderr };
      return [];
    }
  } else if (ok && step.parse === 'lines') {
    data = stdout.split('\n').filter((l) => l !== '');
  }
  const outcome: StepOutcome = { step, status: 'ran', rc: r.rc, stdout, stderr: r.stderr, changed, ...(data !== undefined ? { data } : {}) };
  run.outcomes.push(outcome);
  if (!ok) {
    const why = env.signal?.aborted ? 'interrupted' : r.signal ? `killed by ${r.signal}` : `non-zero return code ${r.rc}`;
    const last = lastLine(r.stderr) || lastLine(stdout);
    run.failure = { msg: `${step.description}: ${why}${last ? `: ${last}` : ''}`, rc: r.rc, stdout, stderr: r.stderr };
    return [];
  }
  if (!step.then) return [];
  const next = step.then.next(outcome);
  if (next.value !== undefined) outcome.value = next.value;
  return next.steps ?? [];
}
