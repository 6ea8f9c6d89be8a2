/**
 * A dynamic include (include_tasks, include_role) on the hosts of a list: per host, the files
 * (or role) it brings, resolved by the planner's resolver (plan/include.ts) with the host's
 * variables; then each included file's tasks on the hosts that include it, in order, as a block's
 * tasks are run. As in Ansible, each file a host includes counts once as ok for that host.
 */
import type { Play, Task } from '../model/playbook.js';
import type { TaskResult } from '../model/result.js';
import { effectiveTask, inherit, type Inherited } from '../plan/inherit.js';
import { includeInstances, includeName, includedInheritance, instanceKey, type IncludeInstance } from '../plan/include.js';
import { account, statusOf } from './recap.js';
import { alive, emit, hostState, varsOf, type HostOutcome, type RunState } from './state.js';
import { selected } from './task.js';

type RunList = (rs: RunState, play: Play, tasks: Task[], hosts: string[], inh: Inherited, batch: string[] | undefined) => Promise<Set<string>>;

/** Run an include on `hosts`; returns the hosts that failed it or a task it brought. */
export async function runInclude(rs: RunState, play: Play, task: Task, hosts: string[], inh: Inherited, runList: RunList): Promise<Set<string>> {
  const eff = inherit(inh, task);
  const failed = new Set<string>();
  const selectedName = await selected(rs, play, task, eff, inh, hosts);
  if (selectedName === undefined) return failed;
  const name = task.name ? selectedName : includeName(task);
  emit(rs, { type: 'task.start', play: play.index, taskId: task.id, name, hosts });
  const groups = new Map<string, { inst: IncludeInstance; hosts: string[] }>();
  for (const h of hosts) {
    const t0 = Date.now();
    let out: HostOutcome;
    try {
      const insts = includeInstances(task, eff, varsOf(rs, play, h, effectiveTask(task, eff), {}, rs.batch));
      for (const inst of insts) {
        const k = instanceKey(inst);
        const g = groups.get(k) ?? { inst, hosts: [] };
        g.hosts.push(h);
        groups.set(k, g);
      }
      const result: TaskResult = insts.length
        ? { changed: false, failed: false, included: insts.map((i) => i.what) }
        : { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' };
      out = statusOf(eff, result);
      // each further file included counts as one more ok, as ansible-playbook counts them (an
      // included role counts nothing)
      if (insts.length > 1 && task.include!.kind === 'include_tasks') rs.recap[h]!.ok += insts.length - 1;
    } catch (err) {
      out = statusOf(eff, { changed: false, failed: true, msg: (err as Error).message });
    }
    if (out.status === 'failed' || out.status === 'unreachable') {
      failed.add(h);
      hostState(rs, h).lastFailure = { task, result: out.result };
    }
    if (!(out.status === 'ok' && task.include!.kind === 'include_role')) account(rs, h, out, eff);
    emit(rs, { type: 'host.end', taskId: task.id, host: h, status: out.status, result: out.result, durationMs: Date.now() - t0 });
  }
  emit(rs, { type: 'task.end', play: play.index, taskId: task.id });
  for (const g of groups.values()) {
    const hs = g.hosts.filter((h) => !failed.has(h) && alive(rs, h));
    if (!hs.length) continue;
    const f = await runList(rs, play, g.inst.tasks, hs, includedInheritance(inh, task, g.inst), undefined);
    for (const h of f) failed.add(h);
  }
  return failed;
}
