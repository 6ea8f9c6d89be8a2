/**
 * Ansible's linear strategy: a play's hosts in batches (serial), each batch through facts,
 * pre_tasks, tasks and post_tasks with the notified handlers flushed after each section; task
 * lists in order with the hosts that failed left out; blocks with rescue and always (inheritance
 * from plan/inherit.ts, as the planner does it); the failure policy (any_errors_fatal,
 * max_fail_percentage, a batch with no host left) after each top-level task.
 */
import type { Play, Task } from '../model/playbook.js';
import { blockChildren, handlerInheritance, playInheritance, type Inherited } from '../plan/inherit.js';
import { splitBatches } from '../plan/hosts.js';
import { gatherFacts } from './gather.js';
import { flushJournal } from './runjournal.js';
import { alive, emit, hostState, stopping, type RunState } from './state.js';
import { runTask } from './task.js';
import { runInclude } from './include.js';

export async function runPlay(rs: RunState, play: Play, hosts: string[]): Promise<void> {
  const live = hosts.filter((h) => alive(rs, h));
  rs.playHosts = live;
  emit(rs, { type: 'play.start', play: play.index, name: play.name, hosts: live });
  if (!hosts.length) emit(rs, { type: 'warning', message: `play '${play.name}': no hosts matched '${play.hosts}'${rs.opts.limit ? ` with --limit ${rs.opts.limit}` : ''}` });
  const batches = splitBatches(live, play.serial ?? []);
  for (let b = 0; b < batches.length; b++) {
    if (stopping(rs)) break;
    const batch = batches[b]!.filter((h) => alive(rs, h));
    if (!batch.length) continue;
    emit(rs, { type: 'batch.start', play: play.index, batch: b, hosts: batch });
    rs.batch = batch;
    await runBatch(rs, play, batch);
  }
  emit(rs, { type: 'play.end', play: play.index });
}

async function runBatch(rs: RunState, play: Play, batch: string[]): Promise<void> {
  if (play.gatherFacts) {
    await gatherFacts(rs, play, batch);
    checkPolicy(rs, play, batch);
  }
  for (const section of ['preTasks', 'tasks', 'postTasks'] as const) {
    if (stopping(rs)) break;
    await runList(rs, play, play[section] ?? [], batch, playInheritance(play), batch);
    if (rs.interrupted) break;
    await flushHandlers(rs, play, batch);
  }
}

/** Failure policy after each top-level task: any_errors_fatal, max_fail_percentage, whole batch lost. */
function checkPolicy(rs: RunState, play: Play, batch: string[]): void {
  if (stopping(rs)) return;
  const lost = batch.filter((h) => !alive(rs, h));
  if (!lost.length) return;
  if (play.anyErrorsFatal && lost.some((h) => hostState(rs, h).dead === 'failed' || hostState(rs, h).dead === 'unreachable')) {
    emit(rs, { type: 'warning', message: `play '${play.name}': any_errors_fatal: stopping after failure on ${lost.join(', ')}` });
    rs.stopRun = true;
    rs.failedRun = true;
    return;
  }
  if (play.maxFailPercentage !== undefined && (lost.length / batch.length) * 100 > play.maxFailPercentage) {
    emit(rs, { type: 'warning', message: `play '${play.name}': ${lost.length} of ${batch.length} hosts in the batch failed, more than max_fail_percentage ${play.maxFailPercentage}%: stopping` });
    rs.stopRun = true;
    rs.failedRun = true;
    return;
  }
  if (lost.length === batch.length) {
    emit(rs, { type: 'warning', message: `play '${play.name}': no hosts left in the batch: stopping` });
    rs.stopRun = true;
  }
}

/**
 * Run tasks in order on `hosts`; returns the hosts that failed (within this list). Hosts that
 * fail are left out of the following tasks of the list. `batch` is given at the top level of a
 * play section, where failures are final and the failure policy applies.
 */
async function runList(rs: RunState, play: Play, tasks: Task[], hosts: string[], inh: Inherited, batch: string[] | undefined): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const task of tasks) {
    if (stopping(rs)) break;
    const active = hosts.filter((h) => !failed.has(h) && alive(rs, h));
    if (!active.length) break;
    const f = task.include ? await runInclude(rs, play, task, active, inh, runList) : task.block ? await runBlock(rs, play, task, active, inh) : await runTask(rs, play, task, active, inh);
    for (const h of f) failed.add(h);
    for (const h of active) if (hostState(rs, h).dead === 'unreachable') f.add(h);
    if (!batch && play.anyErrorsFatal && f.size && !rs.interrupted) {
      // any_errors_fatal inside a block: every host of the block leaves it now, as the failing
      // one did: to the rescue (with the failing host's task and result as ansible_failed_*)
      // where there is one, else out of the block (its always: still runs) and so out of the
      // play. No host goes on to the block's next task (e.g. a stop) without the others.
      const first = hostState(rs, [...f][0]!).lastFailure;
      const others = active.filter((h) => !failed.has(h) && alive(rs, h));
      if (others.length) emit(rs, { type: 'warning', message: `any_errors_fatal: ${[...f].join(', ')} failed; ${others.join(', ')} leave the block${inh.rescuable ? ' for the rescue' : ''} too` });
      for (const h of others) {
        failed.add(h);
        if (first) hostState(rs, h).lastFailure = first;
      }
      break;
    }
    if (batch) {
      // top level of a play section: failures are final
      for (const h of f) if (!hostState(rs, h).dead) hostState(rs, h).dead = 'failed';
      checkPolicy(rs, play, batch);
    }
  }
  return failed;
}

/** A block: its tasks, the rescue on the hosts that failed in them, then always; returns the hosts still failed. */
async function runBlock(rs: RunState, play: Play, block: Task, hosts: string[], inh: Inherited): Promise<Set<string>> {
  const { body, rest } = blockChildren(inh, block);
  const failedInBlock = await runList(rs, play, block.block ?? [], hosts, body, undefined);
  const stillFailed = new Set(failedInBlock);
  if (block.rescue?.length && failedInBlock.size && !rs.interrupted) {
    // A host lost inside the block (connection dropped) gets one more chance: the rescue is
    // what puts it back, and a dropped channel is often not a dead host.
    for (const h of failedInBlock) {
      if (hostState(rs, h).dead === 'unreachable') {
        hostState(rs, h).dead = undefined;
        rs.conns.forget(h);
        emit(rs, { type: 'warning', host: h, message: `${h} was lost inside the block; trying to reach it again for the rescue` });
      }
    }
    const rescueHosts = [...failedInBlock].filter((h) => alive(rs, h));
    for (const h of rescueHosts) {
      const st = hostState(rs, h);
      if (st.lastFailure) {
        st.registered.ansible_failed_task = { name: st.lastFailure.task.name ?? st.lastFailure.task.module, id: st.lastFailure.task.id };
        st.registered.ansible_failed_result = st.lastFailure.result;
      }
    }
    rs.journal.data.rescueRan = true;
    await flushJournal(rs);
    const rescueFailed = await runList(rs, play, block.rescue, rescueHosts, rest, undefined);
    for (const h of rescueHosts) {
      if (!rescueFailed.has(h) && alive(rs, h)) {
        stillFailed.delete(h);
        rs.recap[h]!.rescued++;
      }
    }
  }
  if (block.always?.length && !rs.interrupted) {
    const alwaysHosts = hosts.filter((h) => alive(rs, h));
    const alwaysFailed = await runList(rs, play, block.always, alwaysHosts, rest, undefined);
    for (const h of alwaysFailed) stillFailed.add(h);
  }
  return stillFailed;
}

/** Run the notified handlers, in the play's order, on the hosts that notified them (handlers may notify handlers). */
async function flushHandlers(rs: RunState, play: Play, batch: string[]): Promise<void> {
  for (let pass = 0; pass < 10; pass++) {
    let ran = false;
    for (let i = 0; i < play.handlers.length; i++) {
      if (stopping(rs)) return;
      const hosts = batch.filter((h) => alive(rs, h) && hostState(rs, h).pending.has(i));
      if (!hosts.length) continue;
      for (const h of hosts) hostState(rs, h).pending.delete(i);
      ran = true;
      const handler = play.handlers[i]!;
      const inh = handlerInheritance(play);
      const f = handler.block ? await runBlock(rs, play, handler, hosts, inh) : await runTask(rs, play, handler, hosts, inh);
      for (const h of f) if (!hostState(rs, h).dead) hostState(rs, h).dead = 'failed';
      checkPolicy(rs, play, batch);
    }
    if (!ran) return;
  }
}
