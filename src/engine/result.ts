/**
 * A task's result built from what its steps did: the default result of a module without its own
 * `interpret`, the result of a failed step, a loop's results folded into one, and the module
 * warnings a result carries.
 */
import type { TaskResult } from '../model/result.js';
import type { StepsRun } from './steps.js';

/** A module without `interpret`: changed if a step changed, the last command's rc and output, data, checksum. */
export function defaultResult(run: StepsRun): TaskResult {
  const ran = run.outcomes.filter((o) => o.status === 'ran');
  const lastCmd = [...ran].reverse().find((o) => o.step.kind === 'command');
  const withData = [...ran].reverse().find((o) => o.data !== undefined);
  const r: TaskResult = {
    changed: run.outcomes.some((o) => o.changed),
    failed: false,
  };
  if (lastCmd) {
    r.rc = lastCmd.rc;
    Object.assign(r, outputFields(lastCmd.stdout, lastCmd.stderr));
  }
  if (withData && withData.step.kind !== 'local') r.data = withData.data;
  const t = ran.find((o) => o.sha256);
  if (t) {
    r.checksum = t.sha256;
    r.bytes = t.bytes;
  }
  return r;
}

/** A run whose step failed: its message, rc and output (of the failed step, else the last command). */
export function failedResult(run: StepsRun & { failure: NonNullable<StepsRun['failure']> }): TaskResult {
  const last = [...run.outcomes].reverse().find((o) => o.status === 'ran' && o.rc !== undefined);
  const result: TaskResult = {
    changed: run.outcomes.some((o) => o.changed),
    failed: true,
    msg: run.failure.msg,
    ...(run.failure.rc !== undefined ? { rc: run.failure.rc } : last?.rc !== undefined ? { rc: last.rc } : {}),
    ...outputFields(run.failure.stdout ?? last?.stdout, run.failure.stderr ?? last?.stderr),
    ...run.local,
  };
  if (run.cmd) result.cmd = run.cmd;
  return result;
}

/** stdout/stderr without the last newline, and as lines. */
export function outputFields(stdout: string | undefined, stderr: string | undefined): Partial<TaskResult> {
  const out: Partial<TaskResult> = {};
  if (stdout !== undefined) {
    out.stdout = stdout.replace(/\n$/, '');
    out.stdout_lines = out.stdout === '' ? [] : out.stdout.split('\n');
  }
  if (stderr !== undefined) {
    out.stderr = stderr.replace(/\n$/, '');
    out.stderr_lines = out.stderr === '' ? [] : out.stderr.split('\n');
  }
  return out;
}

/** A loop's item results as the task's result (changed/failed/skipped/unreachable of the items, their facts). */
export function loopResult(results: TaskResult[], durationMs: number): TaskResult {
  const all = results.length > 0 && results.every((r) => r.skipped);
  const agg: TaskResult = {
    changed: results.some((r) => r.changed),
    failed: results.some((r) => r.failed && !r.unreachable),
    ...(all || !results.length ? { skipped: true } : {}),
    ...(results.some((r) => r.unreachable) ? { unreachable: true } : {}),
    ...(results.some((r) => r.wouldChange) ? { wouldChange: true } : {}),
    results,
    durationMs,
  };
  const facts = results.filter((r) => r.facts && !r.failed).map((r) => r.facts!);
  if (facts.length) agg.facts = Object.assign({}, ...facts);
  if (agg.failed) agg.msg = 'One or more items failed';
  else if (agg.unreachable) agg.msg = results.find((r) => r.unreachable)?.msg;
  else if (agg.skipped) agg.msg = results.length ? 'All items skipped' : 'No items in the list';
  return agg;
}

/** The `warnings` a module put in its result (strings only), for every loop item too. */
export function warningsOf(r: TaskResult): string[] {
  const own = Array.isArray(r.warnings) ? r.warnings.filter((w): w is string => typeof w === 'string') : [];
  return [...own, ...(r.results ?? []).flatMap(warningsOf)];
}
