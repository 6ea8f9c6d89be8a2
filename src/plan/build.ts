/**
 * The pure planner: playbook x inventory -> Plan. No network; the only files read are the ones
 * the playbook names (vars_files, template sources) and the playbook itself (for diagnostics).
 * Every problem is collected; planning goes on after the first.
 */
import type { Inventory } from '../model/inventory.js';
import type { PlannedHostTask, PlannedPlay, PlannedTask, Plan } from '../model/plan.js';
import type { Play, Playbook, Task } from '../model/playbook.js';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import type { Step } from '../model/step.js';
import { ValidationError } from '../errors.js';
import { diag, sortDiagnostics } from '../load/diagnostics.js';
import { matchHosts } from '../load/pattern.js';
import { getModule } from '../modules/registry.js';
import { UndefinedVariableError } from '../template/errors.js';
import { evalConditions, expressionVars } from '../template/expr.js';
import { renderString } from '../template/render.js';
import { DelegateWarning, addDiag, describeTask, fileLines, hostsKeyPos, reportOnce } from './diagnose.js';
import { playHosts, playPattern, splitBatches } from './hosts.js';
import { implicitLocalhost } from './localhost.js';
import { reachOf } from './reach.js';
import { blockChildren, effectiveTask, inherit, playInheritance, type Inherited } from './inherit.js';
import { expandLoop, loopItemVars, loopOnlyNames, loopVarOf } from './loop.js';
import { startsAt, tagsSelect } from './tags.js';
import { planContext, renderTask } from './task.js';
import { planInclude, type IncludeOps } from './include-plan.js';
import { cachedInventoryVars, playVarsFiles, playbookDirOf, sharedHostvars, varsFor, withVars } from './vars.js';

export interface PlanOptions {
  extraVars: Vars;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  check: boolean;
  startAtTask?: string;
}

type Section = PlannedTask['section'];

export interface PlayState {
  play: Play;
  inv: Inventory;
  opts: PlanOptions;
  hosts: string[];
  batches: string[][];
  /** Facts the planner could compute (set_fact with known values), per host. */
  facts: Map<string, Record<string, unknown>>;
  /** Names that will only have values at run time (register, facts from modules). */
  pending: Set<string>;
  /** hostvars shared by the tasks of a batch until a fact changes (key: batch + facts version). */
  hostvars?: { key: string; value: Record<string, Vars> };
  factsVersion: number;
  /** The subset of `pending` that are `register:` names (for the deferral message). */
  registeredNames?: Set<string>;
  ds: Diagnostic[];
  started: { value: boolean };
  pbDir: string;
  /** While planning the tasks an include brings: the hosts that include them. */
  only?: Set<string>;
}

/** The first root variable of the conditions that only gets a value at run time, if any. */
function pendingIn(st: PlayState, conds: string[], vars: Vars): string | undefined {
  for (const c of conds) {
    let names: string[];
    try { names = expressionVars(c); } catch { continue; }
    for (const n of names) if (!Object.prototype.hasOwnProperty.call(vars, n) && isPending(st, n)) return n;
  }
  return undefined;
}

function isPending(st: PlayState, root: string): boolean {
  if (st.pending.has(root)) return true;
  if (st.play.gatherFacts && (root === 'ansible_facts' || root.startsWith('ansible_'))) return true;
  return false;
}

function deferReason(st: PlayState, root: string): string {
  if (st.play.gatherFacts && root.startsWith('ansible_') && !st.pending.has(root)) return `uses gathered fact '${root}'`;
  return st.registeredNames?.has(root) ? `uses registered variable '${root}'` : `uses '${root}', set at run time`;
}

/** The variables of `host` at `task` (its effective form), as planned. */
function hostVars(st: PlayState, task: Task, host: string, batch: string[]): Vars {
  const hvKey = `${batch.join(',')}\0${st.factsVersion}`;
  if (st.hostvars?.key !== hvKey) {
    st.hostvars = { key: hvKey, value: sharedHostvars({ inv: st.inv, play: st.play, extraVars: st.opts.extraVars, playHosts: st.hosts, batch, check: st.opts.check, hostFacts: Object.fromEntries(st.facts) }) };
  }
  return varsFor({ inv: st.inv, host, play: st.play, task, extraVars: st.opts.extraVars, facts: st.facts.get(host) ?? {}, playHosts: st.hosts, batch, check: st.opts.check, hostvars: st.hostvars.value });
}

/** One task (its effective settings `eff`, inherited from its blocks) for one host. */
function planHost(st: PlayState, task: Task, eff: Inherited, host: string, batch: string[]): PlannedHostTask {
  const out: PlannedHostTask = { host };
  const effective = effectiveTask(task, eff);
  const base = hostVars(st, effective, host, batch);
  const conds = eff.when;
  const whenPos = task.keyPos?.when ?? task.pos;
  if (conds.length) {
    out.when = { expr: conds, decided: true };
    if (pendingIn(st, conds, base) !== undefined) {
      out.when.decided = false;
    } else if (!task.loop) {
      try {
        out.when.value = evalConditions(conds, base);
        if (!out.when.value) return out;
      } catch (err) {
        if (err instanceof UndefinedVariableError && isPending(st, err.root)) {
          out.when.decided = false;
        } else {
          reportOnce(st, task, host, err, whenPos);
          out.when.decided = false;
          return out;
        }
      }
    }
  }
  const delegate = eff.delegateTo;
  const delegatePos = task.keyPos?.delegate_to ?? task.pos;
  const checkDelegate = (r: string) => {
    if (!st.inv.hosts.has(r) && !['localhost', '127.0.0.1', '::1'].includes(r)) {
      reportOnce(st, task, host, new DelegateWarning(`delegate_to '${r}' is not a host of the inventory: it will be contacted by that name, with no inventory variables`), delegatePos);
    }
  };
  /** delegate_to did not render: deferred to run time, or reported. */
  const delegateFailed = (err: unknown): PlannedHostTask => {
    if (err instanceof UndefinedVariableError && isPending(st, err.root)) out.deferred = `delegate_to ${deferReason(st, err.root)}`;
    else reportOnce(st, task, host, err, delegatePos);
    return out;
  };
  // `delegate_to: "{{ item }}"` with a loop: each item runs on its own host (rendered per item below).
  let delegatePerItem = false;
  if (delegate !== undefined) {
    try {
      const r = renderString(delegate, base);
      if (r !== host) out.runsOn = r;
      checkDelegate(r);
    } catch (err) {
      if (err instanceof UndefinedVariableError && task.loop !== undefined && loopOnlyNames(task).includes(err.root)) {
        delegatePerItem = true;
      } else {
        return delegateFailed(err);
      }
    }
  }
  if (!out.runsOn && !delegatePerItem) {
    const reach = reachOf(host, base, eff);
    if (reach) out.reach = reach;
  }
  const ctx = planContext({ host, vars: base, check: st.opts.check, play: st.play, playHosts: st.hosts, hostvars: base.hostvars as Record<string, Vars>, unknownAtPlan: st.pending, playbookDir: st.pbDir, roleDir: task.role?.dir });
  try {
    let items: unknown[] | undefined;
    try {
      items = expandLoop(task, base);
    } catch (err) {
      if (err instanceof UndefinedVariableError && isPending(st, err.root)) {
        out.deferred = `loop ${deferReason(st, err.root)}`;
        return out;
      }
      throw err;
    }
    if (items === undefined) {
      out.steps = renderTask(effective, base, ctx).steps;
      out.steps = markCheckMode(eff.checkMode, st.opts.check, out.steps);
    } else {
      const steps = [];
      const loopVar = loopVarOf(task);
      const delegates = new Set<string>();
      let anyRuntime = false;
      for (const [i, item] of items.entries()) {
        const v = withVars(base, loopItemVars(loopVar, item, i, items.length));
        if (conds.length) {
          if (pendingIn(st, conds, v) !== undefined) anyRuntime = true;
          else try {
            if (!evalConditions(conds, v)) continue;
          } catch (err) {
            if (err instanceof UndefinedVariableError && isPending(st, err.root)) anyRuntime = true;
            else {
              reportOnce(st, task, host, err, whenPos);
              return out;
            }
          }
        }
        const label = typeof item === 'string' || typeof item === 'number' ? String(item) : JSON.stringify(item);
        let on = '';
        if (delegatePerItem) {
          let d: string;
          try {
            d = renderString(delegate!, v);
          } catch (err) {
            return delegateFailed(err);
          }
          checkDelegate(d);
          if (d !== host) {
            delegates.add(d);
            on = ` -> ${d}`;
          }
        }
        for (const s of renderTask(effective, v, { ...ctx, vars: v }).steps) steps.push({ ...s, description: `[${loopVar}=${label}${on}] ${s.description}` });
      }
      if (delegates.size) out.runsOn = [...delegates].join(', ');
      if (out.when) {
        out.when.decided = !anyRuntime;
        if (!anyRuntime) out.when.value = steps.length > 0;
      }
      out.steps = markCheckMode(eff.checkMode, st.opts.check, steps);
    }
  } catch (err) {
    if (err instanceof UndefinedVariableError && isPending(st, err.root)) {
      out.deferred = deferReason(st, err.root);
    } else {
      reportOnce(st, task, host, err, task.keyPos?.[task.module ?? ''] ?? task.pos);
    }
  }
  return out;
}

/**
 * `check_mode:` on a task overrides --check for it: false runs its changes even in --check,
 * true never runs them. The plan says so in the step descriptions (the formatter reads them).
 */
export const CHECK_FALSE_NOTE = '[check_mode: false: runs in --check] ';
export const CHECK_TRUE_NOTE = '[check_mode: true: changes not made] ';
function markCheckMode(checkMode: boolean | undefined, check: boolean, steps: Step[]): Step[] {
  if (checkMode === false && check) return steps.map((s) => (s.mutates ? { ...s, description: CHECK_FALSE_NOTE + s.description } : s));
  if (checkMode === true) return steps.map((s) => (s.mutates ? { ...s, description: CHECK_TRUE_NOTE + s.description } : s));
  return steps;
}

/** After planning a task: what the rest of the play can know about its effects. */
function applyEffects(st: PlayState, task: Task, runOnce: boolean, planned: PlannedHostTask[], batchHosts: (host: string) => string[]): void {
  if (task.register) {
    st.pending.add(task.register);
    (st.registeredNames ??= new Set()).add(task.register);
    for (const h of st.hosts) {
      const f = st.facts.get(h);
      if (f && task.register in f) { delete f[task.register]; st.factsVersion++; }
    }
  }
  const mod = task.module ? getModule(task.module) : undefined;
  for (const n of mod?.factNames ?? []) st.pending.add(n);
  if (mod?.name !== 'set_fact') return;
  for (const p of planned) {
    const targets = runOnce ? batchHosts(p.host) : [p.host];
    const step = p.steps?.find((s) => s.kind === 'local' && s.action === 'set_fact');
    const sure = step && (!p.when || (p.when.decided && p.when.value));
    const facts = step && step.kind === 'local' ? (step.data.facts as Record<string, unknown>) : undefined;
    if (sure && facts && !task.loop) {
      for (const h of targets) {
        const f = st.facts.get(h) ?? {};
        Object.assign(f, facts);
        st.facts.set(h, f);
        st.factsVersion++;
      }
    } else {
      const names = facts ? Object.keys(facts) : task.args && typeof task.args === 'object' ? Object.keys(task.args as object) : [];
      for (const n of names) st.pending.add(n);
    }
  }
}

/** --start-at-task and the tags, for a task outside the handlers. */
function selectedInPlan(st: PlayState, task: Task, tags: string[]): boolean {
  if (!st.started.value) {
    if (st.opts.startAtTask !== undefined && startsAt(st.opts.startAtTask, [task.name])) st.started.value = true;
    else return false;
  }
  return tagsSelect(tags, st.opts.tags, st.opts.skipTags);
}

const INCLUDE_OPS: IncludeOps<PlayState> = { vars: hostVars, isPending, deferReason, report: reportOnce, planTask: (st, t, inh) => planTask(st, t, 'block', inh) };

function planTask(st: PlayState, task: Task, section: Section, inh: Inherited): PlannedTask | undefined {
  const eff = inherit(inh, task);
  const tags = eff.tags;
  if (task.block) {
    const { body, rest } = blockChildren(inh, task);
    const list = (ts: Task[] | undefined, sec: Section, from: Inherited) => (ts ?? []).map((t) => planTask(st, t, sec, from)).filter((t): t is PlannedTask => !!t);
    const block = list(task.block, 'block', body);
    // The failed task and its result, set by the run for the rescue (and kept after it).
    if (task.rescue?.length) for (const n of ['ansible_failed_task', 'ansible_failed_result']) st.pending.add(n);
    const rescue = list(task.rescue, 'rescue', rest);
    const always = list(task.always, 'always', rest);
    if (!block.length && !rescue.length && !always.length) return undefined;
    const pt: PlannedTask = {
      taskId: task.id, name: describeTask(task), pos: task.pos, section, runOnce: false, tags, perHost: [], block,
    };
    if (rescue.length) pt.rescue = rescue;
    if (always.length) pt.always = always;
    return pt;
  }
  if (section !== 'handlers' && !selectedInPlan(st, task, tags)) return undefined;
  if (task.include) return planInclude(st, task, section, inh, INCLUDE_OPS);
  const runOnce = eff.runOnce ?? false;
  const pt: PlannedTask = {
    taskId: task.id, name: describeTask(task), pos: task.pos, section, runOnce, tags, perHost: [],
  };
  if (task.module) pt.module = task.module;
  const delegate = eff.delegateTo;
  if (delegate !== undefined) pt.delegateTo = delegate;
  const batchOf = new Map<string, string[]>();
  for (const b of st.batches) for (const h of b) batchOf.set(h, b);
  for (const batch of st.batches) {
    const inBatch = st.only ? batch.filter((h) => st.only!.has(h)) : batch;
    const hosts = runOnce ? inBatch.slice(0, 1) : inBatch;
    for (const h of hosts) pt.perHost.push(planHost(st, task, eff, h, batch));
  }
  applyEffects(st, task, runOnce, pt.perHost, (h) => batchOf.get(h) ?? [h]);
  return pt;
}

function planPlay(play: Play, inv: Inventory, opts: PlanOptions, ds: Diagnostic[], started: { value: boolean }): PlannedPlay {
  const pbDir = playbookDirOf(play);
  let pattern = play.hosts;
  let patternFailed = false;
  try {
    pattern = playPattern(play, opts.extraVars);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    patternFailed = true;
    ds.push(diag('bad-hosts-pattern', hostsKeyPos(play), `play '${play.name}': hosts: ${err.message}`, { lines: fileLines(play.pos.file), hint: 'a templated hosts: pattern can use play vars and -e extra vars only' }));
  }
  const matched = matchHosts(inv, pattern);
  const hosts = matched.hosts.length ? playHosts({ ...play, hosts: pattern }, inv, opts.limit) : [];
  const pp: PlannedPlay = { index: play.index, name: play.name, pattern: play.hosts, hosts, batches: [], tasks: [], handlers: [], notes: [] };
  if (play.confirm) pp.confirm = confirmText(play, inv, hosts, opts.extraVars);
  const st: PlayState = { play, inv, opts, hosts, batches: [], facts: new Map(), pending: new Set(), ds, started, pbDir, factsVersion: 0 };
  if (matched.hosts.length === 0 && !patternFailed) {
    const groups = [...inv.groups.keys()].filter((g) => g !== 'all' && g !== 'ungrouped');
    // A pattern made only of globs/regexes ("masters*") says "whatever matches": a warning, the play
    // is skipped (as Ansible does). A plain name that matches nothing is most likely a typo: an error.
    const optional = matched.unmatched.length > 0 && matched.unmatched.every((t) => /[*?]|^[!&]?~/.test(t));
    addDiag(st, 'no-hosts', hostsKeyPos(play), `play '${play.name}': pattern '${pattern}' matches no host${matched.unmatched.length ? ` (no host or group '${matched.unmatched.join("', '")}')` : ''}${optional ? '; the play is skipped' : ''}`,
      groups.length ? `the inventory's groups are: ${groups.join(', ')}` : 'the inventory has no groups', optional ? 'warning' : 'error');
    if (optional) pp.notes.push(`no host matches '${pattern}': the play is skipped`);
  } else if (hosts.length === 0) {
    pp.notes.push(`--limit ${opts.limit} leaves no host of '${play.hosts}'`);
  }
  try {
    pp.batches = splitBatches(hosts, play.serial);
  } catch (err) {
    addDiag(st, 'bad-serial', play.pos, (err as Error).message);
    pp.batches = hosts.length ? [hosts] : [];
  }
  st.batches = pp.batches;
  // vars_files: report problems once per play.
  const seen = new Set<string>();
  for (const h of hosts.slice(0, 1)) {
    const base = cachedInventoryVars(inv, h);
    for (const f of playVarsFiles(play, { ...base, ...play.vars, ...opts.extraVars })) {
      if (f.error) addDiag(st, 'bad-vars-file', play.pos, `vars_files entry: ${f.error}`);
      for (const d of f.diagnostics) {
        const k = `${d.pos.file}:${d.pos.line}:${d.message}`;
        if (!seen.has(k)) { seen.add(k); ds.push(d); }
      }
    }
  }
  if (play.gatherFacts) pp.notes.push('gather_facts: tasks that use ansible_* facts are shown as deferred');
  const inh = playInheritance(play);
  const sections: [Task[], Section][] = [[play.preTasks, 'pre_tasks'], [play.tasks, 'tasks'], [play.postTasks, 'post_tasks']];
  for (const [list, section] of sections) {
    for (const t of list) {
      const pt = planTask(st, t, section, inh);
      if (pt) pp.tasks.push(pt);
    }
  }
  for (const t of play.handlers) {
    const pt = planTask(st, t, 'handlers', inh);
    if (pt) pp.handlers.push(pt);
  }
  return pp;
}

export function buildPlan(pb: Playbook, listed: Inventory, opts: PlanOptions): { plan: Plan; diagnostics: Diagnostic[] } {
  const ds: Diagnostic[] = [];
  const inv = implicitLocalhost(pb, listed, opts.extraVars, ds);
  const started = { value: opts.startAtTask === undefined };
  const plays: PlannedPlay[] = [];
  for (const play of pb.plays) {
    try {
      plays.push(planPlay(play, inv, opts, ds, started));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ds.push(diag('plan-failed', play.pos, err.message, { lines: fileLines(play.pos.file) }));
    }
  }
  if (!started.value) {
    const p = pb.plays[0]?.pos ?? { file: pb.file, line: 1, col: 1 };
    ds.push(diag('start-at-task-not-found', p, `--start-at-task '${opts.startAtTask}': no task has that name`, { hint: 'task names are matched exactly (* and ? are wildcards)' }));
  }
  const plan: Plan = { playbook: pb.file, inventory: inv.sources, extraVars: opts.extraVars, check: opts.check, plays };
  return { plan, diagnostics: sortDiagnostics(ds) };
}

/**
 * A play's `confirm:` question as the user will be asked it: rendered with the first host's
 * variables (play vars, inventory, -e), or as written when it cannot be rendered yet.
 */
export function confirmText(p: Play, inv: Inventory, hosts: string[], extraVars: Vars): string {
  const text = p.confirm ?? '';
  if (!text.includes('{{') || !hosts.length) return text;
  try {
    return renderString(text, varsFor({ inv, host: hosts[0]!, play: p, extraVars, playHosts: hosts }));
  } catch {
    return text;
  }
}
