/**
 * One task on the hosts of a list: selected or not (tags, --start-at-task, --step), skipped where
 * --resume found it completed, run on the hosts (forks at a time, once under run_once), aborted on
 * the others when one fails under any_errors_fatal; then each host's outcome registered, its
 * handlers notified, counted, journaled and shown.
 */
import type { Play, Task } from '../model/playbook.js';
import { inherit, type Inherited } from '../plan/inherit.js';
import { startsAt, tagsSelect } from '../plan/tags.js';
import { renderString } from '../template/render.js';
import { safeRunOnHost } from './host-task.js';
import { mapLimit } from './limit.js';
import { account } from './recap.js';
import { warningsOf } from './result.js';
import { recordOutcome, skipResumed, syncJournal } from './runjournal.js';
import { censor } from './secrets.js';
import { emit, hostState, renderedName, taskName, unlimitedListeners, varsOf, type HostOutcome, type RunState, type TaskInFlight } from './state.js';

/** The task's name if it runs at all: tags, --start-at-task, --step (handlers are not filtered by the first two). */
export async function selected(rs: RunState, play: Play, task: Task, eff: Inherited, inh: Inherited, hosts: string[]): Promise<string | undefined> {
  if (!inh.handler) {
    if (!tagsSelect(eff.tags, rs.opts.tags, rs.opts.skipTags)) return undefined;
    if (!rs.started) {
      if (!startsAt(rs.opts.startAtTask!, [taskName(task), renderedName(rs, play, task, hosts[0])])) return undefined;
      rs.started = true;
    }
  }
  const name = renderedName(rs, play, task, hosts[0]);
  if (rs.stepMode && rs.opts.confirmTask) {
    const answer = await rs.opts.confirmTask({ play: play.index, taskId: task.id, name });
    if (answer === 'no') return undefined;
    if (answer === 'continue') rs.stepMode = false;
  }
  return name;
}

/** Run one task (not a block) on `hosts`; returns the hosts it failed on. */
export async function runTask(rs: RunState, play: Play, task: Task, hosts: string[], inh: Inherited): Promise<Set<string>> {
  const eff = inherit(inh, task);
  const failed = new Set<string>();
  const name = await selected(rs, play, task, eff, inh, hosts);
  if (name === undefined) return failed;
  emit(rs, { type: 'task.start', play: play.index, taskId: task.id, name, module: task.module, hosts });
  // --resume: (task, host) pairs the interrupted run completed are not repeated.
  hosts = skipResumed(rs, task, hosts);
  if (!hosts.length) {
    emit(rs, { type: 'task.end', play: play.index, taskId: task.id });
    return failed;
  }
  await syncJournal(rs);
  const abort = new AbortController();
  const signal = rs.opts.signal ? AbortSignal.any([rs.opts.signal, abort.signal]) : abort.signal;
  const inFlight: TaskInFlight = { abort, signal, fatal: false };
  rs.task = inFlight;
  // Every command in flight listens on these (forks x channels): not a leak, no Node warning.
  unlimitedListeners(signal, abort.signal);
  const fatal = play.anyErrorsFatal && !eff.ignoreErrors;
  const onFailed = (status: string) => {
    if (fatal && (status === 'failed' || status === 'unreachable') && !abort.signal.aborted) {
      inFlight.fatal = true;
      abort.abort();
    }
  };
  if (eff.runOnce) {
    const first = hosts[0]!;
    const out = await safeRunOnHost(rs, play, task, eff, first);
    for (const h of hosts) {
      const copy: HostOutcome = { ...out, result: { ...out.result } };
      if (h !== first) copy.runsOn = out.runsOn ?? first;
      finish(rs, play, task, eff, h, copy, 0);
      if (copy.status === 'failed') failed.add(h);
    }
    onFailed(out.status);
  } else {
    await mapLimit(hosts, rs.forks, async (h) => {
      const t0 = Date.now();
      const out = await safeRunOnHost(rs, play, task, eff, h);
      if (out.status === 'failed' && inFlight.fatal && abort.signal.aborted && !rs.opts.signal?.aborted && /interrupted/.test(String(out.result.msg ?? ''))) {
        out.result.msg = `aborted: another host failed this task and the play has any_errors_fatal (${String(out.result.msg)})`;
      }
      finish(rs, play, task, eff, h, out, Date.now() - t0);
      if (out.status === 'failed') failed.add(h);
      onFailed(out.status);
    });
  }
  rs.task = undefined;
  emit(rs, { type: 'task.end', play: play.index, taskId: task.id });
  return failed;
}

/** Register, set facts, notify handlers, count, journal, emit host.end. */
function finish(rs: RunState, play: Play, task: Task, eff: Inherited, h: string, out: HostOutcome, durationMs: number): void {
  const st = hostState(rs, h);
  if (task.register) {
    st.registered[task.register] = out.result;
    if (out.result.wouldChange || out.result.checkDependent) st.checkHeld.add(task.register);
    else st.checkHeld.delete(task.register);
  }
  if (out.result.facts && !out.result.failed) Object.assign(st.facts, out.result.facts);
  if (out.status === 'failed' || out.status === 'unreachable') st.lastFailure = { task, result: out.result };
  if (out.status === 'changed' && task.notify?.length) notify(rs, play, task, eff, h);
  account(rs, h, out, eff);
  recordOutcome(rs, task, h, out.status);
  // A module's warnings (e.g. writes accepted as lost) are shown like the engine's own.
  if (!eff.noLog) for (const w of warningsOf(out.result)) emit(rs, { type: 'warning', host: h, message: `${taskName(task)}: ${w}` });
  let shown = eff.noLog ? censor(out.result) : out.result;
  // Where it ran (delegate_to, or the host a run_once result was copied from), for the views.
  if (out.runsOn && out.runsOn !== h) shown = { ...shown, runsOn: out.runsOn };
  emit(rs, { type: 'host.end', taskId: task.id, host: h, status: out.status, result: shown, durationMs: durationMs || out.result.durationMs || 0 });
}

/** A changed task notifies its handlers (by name or listen:) on host `h`; they run at the next flush. */
function notify(rs: RunState, play: Play, task: Task, eff: Inherited, h: string): void {
  const st = hostState(rs, h);
  for (const n of task.notify ?? []) {
    let name = n;
    if (n.includes('{{')) {
      try {
        name = renderString(n, varsOf(rs, play, h, task, eff.vars));
      } catch {
        /* keep the raw name */
      }
    }
    const matched = play.handlers.map((hd, i) => ({ hd, i })).filter(({ hd }) => hd.name === name || (hd.listen ?? []).includes(name));
    if (!matched.length) {
      emit(rs, { type: 'warning', host: h, message: `task '${taskName(task)}' notifies '${name}', but no handler has that name or listens to it` });
      continue;
    }
    for (const { i } of matched) st.pending.add(i);
    emit(rs, { type: 'handler.notify', host: h, handler: name });
  }
}
