/**
 * One task on one host: its variables, its loop (plan/loop.ts, as the planner expands it), per
 * item `when`, retries/until, then one execution: the task rendered and planned into steps
 * (plan/task.ts, the planner's code), the steps run on the host's connection (or the delegate's),
 * the result interpreted, changed_when/failed_when applied.
 */
import { dirname } from 'node:path';
import type { Connection } from '../connection/connection.js';
import type { Play, Task } from '../model/playbook.js';
import type { TaskResult } from '../model/result.js';
import type { Vars } from '../model/vars.js';
import type { PlanContext } from '../modules/module.js';
import { effectiveTask, type Inherited } from '../plan/inherit.js';
import { expandLoop, loopItemVars, loopVarOf } from '../plan/loop.js';
import { reachVars } from '../plan/reach.js';
import { renderTask } from '../plan/task.js';
import { withVars } from '../plan/vars.js';
import { UndefinedVariableError } from '../template/errors.js';
import { evalCondition } from '../template/expr.js';
import { renderString } from '../template/render.js';
import { ValidationError } from '../errors.js';
import { asyncResult } from './async.js';
import { becomeFor } from './become.js';
import { sleep } from './limit.js';
import { statusOf } from './recap.js';
import { defaultResult, failedResult, loopResult } from './result.js';
import { collectSecrets } from './secrets.js';
import { emit, hostState, stopping, taskName, varsOf, type HostOutcome, type RunState } from './state.js';
import { runSteps, type StepsRun } from './steps.js';

type Attempt = { result: TaskResult; runsOn?: string };

/** runOnHost, with an unexpected exception turned into a failed result for that host only. */
export async function safeRunOnHost(rs: RunState, play: Play, task: Task, eff: Inherited, host: string): Promise<HostOutcome> {
  try {
    return await runOnHost(rs, play, task, eff, host);
  } catch (err) {
    return { status: 'failed', result: { changed: false, failed: true, msg: `internal error: ${(err as Error)?.message ?? String(err)}` } };
  }
}

/** Everything that happens for one task on one host: vars, loop, and each item's attempts. */
async function runOnHost(rs: RunState, play: Play, task: Task, eff: Inherited, host: string): Promise<HostOutcome> {
  const t0 = Date.now();
  let vars: Vars;
  try {
    vars = varsOf(rs, play, host, effectiveTask(task, eff), {}, rs.batch);
    collectSecrets(rs.redactor, vars);
  } catch (err) {
    return { status: 'failed', result: { changed: false, failed: true, msg: (err as Error).message } };
  }
  let items: unknown[] | undefined;
  try {
    items = expandLoop(task, vars);
  } catch (err) {
    // "loop must resolve to a list, ..." says where already; a template error gets the prefix.
    const msg = err instanceof ValidationError ? err.message : `loop: ${(err as Error).message}`;
    return statusOf(eff, checkDependency(rs, err, host, eff) ?? { changed: false, failed: true, msg });
  }
  if (items === undefined) {
    const r = await attempts(rs, play, task, eff, host, vars);
    r.result.durationMs = Date.now() - t0;
    return { ...statusOf(eff, r.result), runsOn: r.runsOn };
  }
  const loopVar = loopVarOf(task);
  const results: TaskResult[] = [];
  // delegate_to may depend on the item: every host the items ran on, for the views.
  const ranOn = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    if (stopping(rs) && rs.interrupted) break;
    const r = await attempts(rs, play, task, eff, host, withVars(vars, loopItemVars(loopVar, items[i], i, items.length)));
    if (r.runsOn) ranOn.add(r.runsOn);
    // delegated: each item says where it ran (its own host included), for the views
    if (eff.delegateTo) r.result.runsOn = r.runsOn ?? host;
    r.result[loopVar] = items[i];
    r.result.ansible_loop_var = loopVar;
    results.push(r.result);
    if (r.result.unreachable) break;
  }
  return { ...statusOf(eff, loopResult(results, Date.now() - t0)), runsOn: ranOn.size ? [...ranOn].join(', ') : undefined };
}

/** when -> (retries/until) -> one execution with changed_when/failed_when. */
async function attempts(rs: RunState, play: Play, task: Task, eff: Inherited, host: string, vars: Vars): Promise<Attempt> {
  try {
    for (const cond of eff.when) {
      if (!evalCondition(cond, vars)) {
        return { result: { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: cond } };
      }
    }
  } catch (err) {
    return { result: checkDependency(rs, err, host, eff) ?? { changed: false, failed: true, msg: `when: ${(err as Error).message}` } };
  }
  const until = task.until ?? [];
  const retrying = until.length > 0 || task.retries !== undefined;
  const max = retrying ? Math.max(1, (task.retries ?? 3) + 1) : 1;
  const delayMs = (task.delay ?? 5) * 1000;
  let last: Attempt = { result: { changed: false, failed: true, msg: 'not run' } };
  for (let attempt = 1; attempt <= max; attempt++) {
    last = await once(rs, play, task, eff, host, vars);
    // nothing to retry: unreachable, or --check held the task back (no real result to test)
    if (!retrying || last.result.unreachable || last.result.wouldChange) break;
    last.result.attempts = attempt;
    let done: boolean;
    try {
      const cv = task.register ? withVars(vars, { [task.register]: last.result }) : vars;
      done = until.length ? until.every((c) => evalCondition(c, cv)) : !last.result.failed;
    } catch (err) {
      last.result.failed = true;
      last.result.msg = `until: ${(err as Error).message}`;
      break;
    }
    if (done) break;
    if (attempt === max) {
      last.result.failed = true;
      last.result.msg = last.result.msg ? `${last.result.msg} (retries exhausted after ${attempt} attempts)` : `retries exhausted after ${attempt} attempts`;
      break;
    }
    emit(rs, { type: 'warning', host, message: `${taskName(task)}: retrying (${max - attempt} retries left)` });
    if (!(await sleep(delayMs, rs.task?.signal ?? rs.opts.signal))) {
      if (rs.opts.signal?.aborted) rs.interrupted = true;
      else {
        last.result.failed = true;
        last.result.msg = `aborted while waiting to retry: another host failed and the play has any_errors_fatal`;
      }
      break;
    }
  }
  return last;
}

/** The variables of the host a delegated task runs on: its inventory's, or just its name. */
function delegateVars(rs: RunState, play: Play, runsOn: string): Vars {
  return rs.opts.inventory.hosts.has(runsOn)
    ? varsOf(rs, play, runsOn, undefined, {})
    : { ansible_connection: runsOn === 'localhost' || runsOn.startsWith('127.') ? 'local' : 'ssh', ansible_host: runsOn, inventory_hostname: runsOn };
}

/** One execution on one host: render, run steps, interpret, changed_when/failed_when. */
async function once(rs: RunState, play: Play, task: Task, eff: Inherited, host: string, vars: Vars): Promise<Attempt> {
  const { opts } = rs;
  const check = eff.checkMode ?? opts.check;
  const st = hostState(rs, host);
  const ctx: PlanContext = { host, vars, facts: st.facts, check, hostvars: vars.hostvars as Record<string, Vars>, playHosts: rs.playHosts, playbookDir: dirname(opts.playbook.file), runId: rs.runId, ...(task.role ? { roleDir: task.role.dir } : {}) };
  let rendered: ReturnType<typeof renderTask>;
  let runsOn: string | undefined;
  try {
    rendered = renderTask(effectiveTask(task, eff), vars, ctx);
    if (eff.delegateTo) {
      const d = renderString(eff.delegateTo, vars);
      if (d !== host) runsOn = d;
    }
  } catch (err) {
    return { result: checkDependency(rs, err, host, eff) ?? { changed: false, failed: true, msg: (err as Error).message } };
  }
  let conn: Connection;
  let connVars = vars;
  try {
    connVars = reachVars(runsOn ? delegateVars(rs, play, runsOn) : vars, eff);
    conn = await rs.conns.get(runsOn ?? host, connVars);
  } catch (err) {
    return { result: { changed: false, failed: false, unreachable: true, msg: (err as Error).message }, runsOn };
  }
  const taskId = task.id;
  // As in Ansible, the host's ansible_become_password (or _pass) wins over -K.
  const { become, becomePassword } = becomeFor(opts, play, eff, connVars);
  emit(rs, { type: 'host.start', taskId, host, ...(runsOn ? { runsOn } : {}) });
  const run: StepsRun = await runSteps(rendered.steps, {
    conn,
    check,
    diff: opts.diff,
    become,
    becomePassword,
    signal: rs.task?.signal ?? opts.signal,
    hardSignal: opts.hardSignal,
    secretIn: (t) => rs.redactor.contains(t),
    vars,
    onOutput: (stream, line) => {
      if (!eff.noLog) emit(rs, { type: 'host.output', taskId, host, stream, line });
    },
    onProgress: (bytes, total) => emit(rs, { type: 'host.progress', taskId, host, bytes, total }),
    connFor: (h) => rs.conns.get(h, reachVars(opts.inventory.hosts.has(h) ? varsOf(rs, play, h, undefined, {}) : { ansible_connection: 'ssh' }, eff)),
    addSecret: (s) => rs.redactor.add(s),
  });
  if (opts.signal?.aborted) rs.interrupted = true;
  if (run.unreachable) return { result: { changed: false, failed: false, unreachable: true, msg: run.unreachable }, runsOn };
  let result: TaskResult;
  if (run.failure) {
    result = failedResult({ ...run, failure: run.failure });
  } else {
    try {
      result = rendered.module.interpret ? rendered.module.interpret(rendered.args, run.outcomes, ctx) : defaultResult(run);
      result = { ...run.local, ...result };
      if (run.cmd && result.cmd === undefined) result.cmd = run.cmd;
    } catch (err) {
      result = { changed: false, failed: true, msg: `${rendered.module.name}: ${(err as Error).message}` };
    }
  }
  result = asyncResult(task, result);
  const held = run.outcomes.some((o) => o.status === 'check');
  if (held) {
    result.wouldChange ??= true;
    if (result.wouldChange) result.changed = true;
  }
  if (run.outcomes.length && run.outcomes.every((o) => o.status === 'skipped') && !result.failed) result.changed = false;
  if (run.diffs.length) result.diff = run.diffs.join('');
  // changed_when / failed_when see the result under the register name. When --check held a
  // step back there is no real result to judge: the task stays "would change".
  if (held) return { result, runsOn };
  judge(task, vars, result);
  return { result, runsOn };
}

/** changed_when / failed_when, with the result under the register name. */
function judge(task: Task, vars: Vars, result: TaskResult): void {
  const cv = task.register ? withVars(vars, { [task.register]: result }) : vars;
  try {
    if (task.changedWhen?.length) result.changed = task.changedWhen.some((c) => evalCondition(c, cv));
    if (task.failedWhen?.length) {
      const f = task.failedWhen.some((c) => evalCondition(c, cv));
      if (f && !result.failed) result.msg ??= `failed_when: ${task.failedWhen.join(' or ')}`;
      result.failed = f;
    }
  } catch (err) {
    result.failed = true;
    result.msg = `${task.failedWhen?.length ? 'failed_when/changed_when' : 'changed_when'}: ${(err as Error).message}`;
  }
}

/**
 * Under --check, a template that needs a result --check kept from being produced (a registered
 * result of a held-back step) makes the task skipped, not failed.
 */
function checkDependency(rs: RunState, err: unknown, host: string, eff: Inherited): TaskResult | undefined {
  // (also for a check_mode: false task in a --check run: the result it needs was never produced)
  if (!(rs.opts.check || eff.checkMode) || !(err instanceof UndefinedVariableError)) return undefined;
  if (!hostState(rs, host).checkHeld.has(err.root)) return undefined;
  const msg = `skipped in check mode: needs '${err.variable}', which a step held back by --check would have produced`;
  return { changed: false, failed: false, skipped: true, skip_reason: msg, checkDependent: true };
}
