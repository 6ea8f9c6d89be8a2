/**
 * The planner's side of a dynamic include (include_tasks, include_role): per host, what it brings
 * (plan/include.ts, the engine's resolver), then the tasks of each included file planned for the
 * hosts that include it. A file named by a value only known at run time is shown as deferred.
 */
import type { PlannedHostTask, PlannedTask } from '../model/plan.js';
import type { Task } from '../model/playbook.js';
import type { SourcePos } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { UndefinedVariableError } from '../template/errors.js';
import { includeInstances, includedInheritance, includeName, instanceKey, type IncludeInstance } from './include.js';
import { effectiveTask, inherit, type Inherited } from './inherit.js';

/** What the planner lends to plan an include (build.ts owns the play's state). */
export interface IncludeOps<S> {
  vars(st: S, task: Task, host: string, batch: string[]): Vars;
  isPending(st: S, root: string): boolean;
  deferReason(st: S, root: string): string;
  report(st: S, task: Task, host: string, err: unknown, pos: SourcePos): void;
  planTask(st: S, task: Task, inh: Inherited): PlannedTask | undefined;
}

interface State {
  batches: string[][];
  only?: Set<string>;
}

/** Where a problem with an include is reported: its include key. */
function includePos(task: Task): SourcePos {
  const k = Object.keys(task.keyPos ?? {}).find((x) => /(^|\.)include_(tasks|role)$/.test(x));
  return (k && task.keyPos?.[k]) || task.pos;
}

export function planInclude<S extends State>(st: S, task: Task, section: PlannedTask['section'], inh: Inherited, ops: IncludeOps<S>): PlannedTask {
  const eff = inherit(inh, task);
  const name = includeName(task);
  const pt: PlannedTask = { taskId: task.id, name, pos: task.pos, section, runOnce: false, tags: eff.tags, perHost: [], block: [] };
  const groups = new Map<string, { inst: IncludeInstance; hosts: Set<string> }>();
  for (const batch of st.batches) {
    for (const h of batch) {
      if (st.only && !st.only.has(h)) continue;
      const entry: PlannedHostTask = { host: h };
      try {
        const insts = includeInstances(task, eff, ops.vars(st, effectiveTask(task, eff), h, batch));
        if (eff.when.length || task.loop !== undefined) entry.when = { expr: eff.when, decided: true, value: insts.length > 0 };
        for (const inst of insts) {
          const k = instanceKey(inst);
          const g = groups.get(k) ?? { inst, hosts: new Set<string>() };
          g.hosts.add(h);
          groups.set(k, g);
        }
      } catch (err) {
        if (err instanceof UndefinedVariableError && ops.isPending(st, err.root)) entry.deferred = `include ${ops.deferReason(st, err.root)}`;
        else ops.report(st, task, h, err, includePos(task));
      }
      pt.perHost.push(entry);
    }
  }
  const saved = st.only;
  for (const g of groups.values()) {
    st.only = g.hosts;
    const inner = includedInheritance(inh, task, g.inst);
    const block = g.inst.tasks.map((t) => ops.planTask(st, t, inner)).filter((t): t is PlannedTask => !!t);
    pt.block!.push({ taskId: g.inst.id, name: `${name}: ${g.inst.what}`, pos: task.pos, section: 'block', runOnce: false, tags: [], perHost: [], block });
  }
  st.only = saved;
  return pt;
}
