import { hostname } from 'node:os';
import { isLocalHost } from '../connection/factory.js';
import { weakerHostKeyChecking } from '../connection/settings.js';
import { varOrigin } from './varorigin.js';
import { setMaxListeners } from 'node:events';
import { dirname, resolve } from 'node:path';
import type { Connection } from '../connection/connection.js';
import { inventoryHostVars } from '../load/hostvars.js';
import type { Become } from '../model/command.js';
import type { EngineEvent } from '../model/event.js';
import type { Play, Task } from '../model/playbook.js';
import type { HostStatus, Recap, TaskResult } from '../model/result.js';
import type { Vars } from '../model/vars.js';
import type { PlanContext } from '../modules/module.js';
import { playHosts, splitBatches } from '../plan/hosts.js';
import { tagsSelect } from '../plan/tags.js';
import { renderTask } from '../plan/task.js';
import { varsFor, withVars } from '../plan/vars.js';
import { evalCondition } from '../template/expr.js';
import { renderDeep, renderString } from '../template/render.js';
import { UndefinedVariableError } from '../template/errors.js';
import { Connections } from './connections.js';
import { emptyRecap, exitCodeFor } from './exitcode.js';
import { FACTS_COMMAND, parseFacts } from './facts.js';
import { mapLimit, sleep } from './limit.js';
import { Redactor, isSecretName, secretsInEnv, secretsInVars } from '../template/secret.js';
import { newRunId } from './runid.js';
import { runSteps, type StepsRun } from './steps.js';
import type { RunOptions, RunOutcome } from './types.js';
import { existsSync } from 'node:fs';
import { Journal, sha256File, type JournalStatus } from './journal.js';
import { DEFAULT_LOCK_LEASE_S, acquireLock, clusterLock, heldMessage, lockOwner, releaseLock, renewLock, type LockOutcome } from './lock.js';

/** Where and how a host's run lock is taken. */
interface LockTarget {
  vars: Vars;
  become?: Become;
  becomePassword?: string;
  dir: string;
  cluster: string;
  /** Seconds: the heartbeat is renewed every lease/4. */
  lease: number;
}

/** What a block passes down to the tasks inside it. */
interface Inherited {
  when: string[];
  vars: Vars;
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  environment?: Record<string, string>;
  noLog?: boolean;
  checkMode?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  /** Inside a block with a rescue section: failures are not counted as failed yet. */
  rescuable: boolean;
  handler?: boolean;
}

interface HostState {
  facts: Record<string, unknown>;
  registered: Vars;
  dead?: 'failed' | 'unreachable';
  /** Indexes of handlers notified and not yet run. */
  pending: Set<number>;
  /** Registered names whose results --check could not produce (held-back steps). */
  checkHeld: Set<string>;
  lastFailure?: { task: Task; result: TaskResult };
}

interface HostOutcome {
  status: HostStatus;
  result: TaskResult;
  runsOn?: string;
}

const NO_LOG_MSG = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

export class Runner {
  readonly runId: string;
  private readonly redactor = new Redactor();
  private readonly conns: Connections;
  private readonly state = new Map<string, HostState>();
  private readonly recap: Record<string, Recap> = {};
  private interrupted = false;
  private failedRun = false;
  private stopRun = false;
  private started: boolean;
  private stepMode: boolean;
  private readonly t0 = Date.now();
  private currentPlayHosts: string[] = [];
  private currentBatch: string[] = [];
  private readonly journal: Journal;
  /** Soft abort of the task in flight: the user's Ctrl-C, or a host failing under any_errors_fatal. */
  private taskAbort?: AbortController;
  private taskSignal?: AbortSignal;
  private fatalAbort = false;
  private readonly locked = new Map<string, LockTarget>();
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly opts: RunOptions) {
    this.runId = opts.runId ?? newRunId();
    this.conns = new Connections({
      ...opts.connect,
      onWarning: (message) => {
        opts.connect.onWarning?.(message);
        this.emit({ type: 'warning', message });
      },
    });
    this.started = !opts.startAtTask;
    this.stepMode = !!opts.confirmTask;
    this.redactor.add(opts.connect.password);
    this.redactor.add(opts.connect.becomePassword);
    for (const h of opts.inventory.hosts.keys()) {
      try {
        this.collectSecrets(inventoryHostVars(opts.inventory, h));
      } catch {
        /* the loader reported it already */
      }
    }
    this.collectSecrets(opts.extraVars);
    for (const [name, v] of secretsInEnv(process.env)) this.redactor.add(v, name);
    for (const n of opts.journal?.secretVars ?? []) this.redactor.add(opts.extraVars[n], n);
    const file = opts.playbook.file;
    const extra: Vars = {};
    const secretNames = new Set([...(opts.journal?.secretVars ?? [])]);
    for (const [k, v] of Object.entries(opts.extraVars)) {
      if (secretNames.has(k) || isSecretName(k)) {
        secretNames.add(k);
        this.redactor.add(v, k);
      } else extra[k] = this.redactor.value(v);
    }
    const meta = {
      runId: this.runId,
      playbook: { file: resolve(file), sha256: existsSync(file) ? sha256File(file) : '' },
      inventory: opts.journal?.inventory ?? [],
      extraVars: extra,
      secretVars: [...secretNames],
      options: opts.journal?.options ?? { limit: opts.limit, tags: opts.tags, skipTags: opts.skipTags, forks: opts.forks },
      check: opts.check,
    };
    if (opts.resume) {
      this.journal = new Journal(opts.runDir, { ...opts.resume, ...meta, extraVars: opts.resume.extraVars, secretVars: meta.secretVars });
      for (const [h, jh] of Object.entries(opts.resume.hosts)) {
        const st = this.host(h);
        Object.assign(st.facts, jh.facts);
        Object.assign(st.registered, jh.registered);
        for (const i of jh.pending) st.pending.add(i);
      }
      this.started = true;
    } else {
      this.journal = new Journal(opts.runDir, meta);
    }
    this.journal.onError = this.journalWarning;
    unlimitedListeners(opts.signal, opts.hardSignal);
  }

  private readonly journalWarning = (err: Error): void => this.emit({ type: 'warning', message: `cannot write the run journal: ${err.message}` });

  /** Write the journal now and fsync it (run start and end, rescue). */
  private async flushJournal(): Promise<void> {
    await this.journal.flush().catch(this.journalWarning);
  }

  /** Before a task starts anywhere: the outcomes written since the last fsync reach the disk. */
  private async syncJournal(): Promise<void> {
    await this.journal.sync().catch(this.journalWarning);
  }

  private collectSecrets(vars: Vars): void {
    for (const [name, v] of secretsInVars(vars)) this.redactor.add(v, name);
  }

  private emit(e: EngineEvent): void {
    try {
      this.opts.onEvent(this.redactor.value(e));
    } catch {
      /* a reporter's failure must not break the run */
    }
  }

  private host(h: string): HostState {
    let s = this.state.get(h);
    if (!s) {
      s = { facts: {}, registered: {}, pending: new Set(), checkHeld: new Set() };
      this.state.set(h, s);
      this.recap[h] ??= emptyRecap();
    }
    return s;
  }

  private alive(h: string): boolean {
    return !this.host(h).dead;
  }

  private get stopping(): boolean {
    if (this.opts.signal?.aborted) this.interrupted = true;
    return this.interrupted || this.stopRun;
  }

  async run(): Promise<RunOutcome> {
    const { playbook, inventory } = this.opts;
    const allHosts = new Set<string>();
    const perPlay: string[][] = [];
    for (const play of playbook.plays) {
      const hs = playHosts(play, inventory, this.opts.limit);
      perPlay.push(hs);
      hs.forEach((h) => allHosts.add(h));
    }
    for (const h of allHosts) this.host(h);
    this.emit({ type: 'run.start', runId: this.runId, runDir: this.opts.runDir, playbook: playbook.file, check: this.opts.check, hosts: [...allHosts], time: new Date().toISOString() });
    let crash: unknown;
    let refused: string | undefined;
    await this.flushJournal();
    try {
      refused = this.weakerHostKeyChecking(playbook.plays, perPlay);
      if (!refused && (this.opts.lock ?? !this.opts.check)) refused = await this.lockAll(playbook.plays, perPlay);
      if (refused) {
        this.emit({ type: 'warning', message: refused });
        this.failedRun = true;
      } else {
        for (const play of playbook.plays) {
          if (this.stopping) break;
          await this.runPlay(play, perPlay[play.index] ?? playHosts(play, inventory, this.opts.limit));
        }
      }
    } catch (err) {
      // A bug, not a host problem: still end the run properly (recap, journal), then rethrow.
      crash = err;
      this.failedRun = true;
      this.emit({ type: 'warning', message: `internal error: ${(err as Error)?.stack ?? String(err)}` });
    } finally {
      if (this.opts.signal?.aborted) this.interrupted = true;
      const status: JournalStatus = refused ? 'refused' : this.interrupted ? 'interrupted' : exitCodeFor(this.recap, false, this.failedRun) === 0 ? 'ok' : Object.values(this.recap).some((r) => r.failed > 0) || this.failedRun ? 'failed' : 'unreachable';
      // A refused run keeps the journal of the run it was meant to resume untouched.
      if (!(refused && this.opts.resume)) {
        this.journal.data.status = status;
        await this.flushJournal();
      }
      await this.unlockAll(status).catch(() => undefined);
      await this.conns.closeAll();
    }
    const exitCode = refused ? (refused.includes('unreachable') ? 4 : 2) : exitCodeFor(this.recap, this.interrupted, this.failedRun);
    this.emit({ type: 'run.end', runId: this.runId, recap: this.recap, exitCode, interrupted: this.interrupted, durationMs: Date.now() - this.t0 });
    if (crash) throw crash;
    return { exitCode, recap: this.recap, runId: this.runId, ...(refused ? { refused } : {}) };
  }

  /**
   * Refuse the run, before any connection, when a host's variables (inventory, play vars, -e)
   * would weaken host-key checking below the operator's --host-key-checking: what, where, the fix.
   */
  private weakerHostKeyChecking(plays: Play[], perPlay: string[][]): string | undefined {
    const problems = new Set<string>();
    for (const play of plays) {
      for (const h of perPlay[play.index] ?? []) {
        try {
          const vars = this.varsOf(play, h, undefined, {});
          if (isLocalHost(h, vars)) continue;
          const w = weakerHostKeyChecking(h, vars, this.opts.connect);
          if (w) problems.add(`  ${w.message}.\n    ${w.variable} is set in ${varOrigin(w.variable, { extraVars: this.opts.extraVars, play, inventory: this.opts.inventory, host: h })}`);
        } catch {
          /* vars that do not render, or a bad ansible_connection: the host's first task reports it */
        }
      }
    }
    return problems.size ? `refusing to run, nothing was contacted: host-key checking would be weakened by a file\n${[...problems].join('\n')}` : undefined;
  }

  /** The connection vars, become and lock settings of a host, from the first play that runs on it. */
  private lockTarget(plays: Play[], perPlay: string[][], h: string): LockTarget & { wanted: boolean; error?: string } {
    const pi = plays.findIndex((p) => (perPlay[p.index] ?? []).includes(h));
    const play = plays[pi] ?? plays[0]!;
    const vars = this.varsOf(play, h, undefined, {});
    const conn = vars.ansible_connection;
    let named: ReturnType<typeof clusterLock>;
    let error: string | undefined;
    try {
      named = clusterLock(vars);
    } catch (err) {
      error = (err as Error).message;
      named = { cluster: '', dir: '', explicit: true };
    }
    const { cluster, dir, explicit } = named;
    // The workstation itself (local connection) is locked only when asked for: tests and local
    // tasks share one machine, a cluster lock there would serialise unrelated runs.
    const wanted = explicit || (conn !== 'local' && h !== 'localhost');
    const eff: Inherited = { when: [], vars: {}, tags: [], rescuable: false };
    const varPw = vars.ansible_become_password ?? vars.ansible_become_pass;
    const becomePassword = typeof varPw === 'string' || typeof varPw === 'number' ? String(varPw) : this.opts.connect.becomePassword;
    const lease = Number(vars.etcdplay_lock_lease ?? DEFAULT_LOCK_LEASE_S);
    return { vars, become: this.become(play, eff, vars), becomePassword, dir, cluster, lease: Number.isFinite(lease) && lease > 0 ? lease : DEFAULT_LOCK_LEASE_S, wanted, ...(error ? { error } : {}) };
  }

  /** Take the run lock on every host; returns why the run is refused, or undefined. */
  private async lockAll(plays: Play[], perPlay: string[][]): Promise<string | undefined> {
    const hosts = [...new Set(perPlay.flat())];
    const outcomes: (LockOutcome | { state: 'unreachable'; host: string; msg: string })[] = [];
    await mapLimit(hosts, this.forks, async (h) => {
      let t: ReturnType<Runner['lockTarget']>;
      try {
        t = this.lockTarget(plays, perPlay, h);
      } catch {
        return; // the host's vars do not render: its first task reports it
      }
      if (!t.wanted) return;
      if (t.error) {
        outcomes.push({ state: 'error', host: h, msg: t.error });
        return;
      }
      try {
        const conn = await this.conns.get(h, t.vars);
        const owner = lockOwner(this.runId, this.opts.playbook.file, t.lease, t.cluster);
        const o = await acquireLock({ conn, host: h, dir: t.dir, owner, become: t.become, becomePassword: t.becomePassword, force: this.opts.breakLock, takeOver: this.opts.resume?.runId, signal: this.opts.signal });
        if (o.state === 'acquired') this.locked.set(h, t);
        outcomes.push(o);
      } catch (err) {
        outcomes.push({ state: 'unreachable', host: h, msg: (err as Error).message });
      }
    });
    const held = outcomes.filter((o): o is Extract<LockOutcome, { state: 'held' }> => o.state === 'held');
    let bad = outcomes.filter((o) => o.state === 'unreachable' || o.state === 'error') as { host: string; msg: string; state: string }[];
    // Without any_errors_fatal (Ansible's default), an unreachable host is left out and the others
    // go on; a playbook that must run on all hosts or none (any_errors_fatal) is refused instead.
    if (!plays.some((p) => p.anyErrorsFatal) && !held.length) {
      // (its tasks report it unreachable: the connection failure is remembered for the run)
      bad = bad.filter((x) => x.state !== 'unreachable');
    }
    if (!held.length && !bad.length) {
      if (this.locked.size) {
        this.emit({ type: this.opts.breakLock ? 'warning' : 'note', message: `run lock taken on ${[...this.locked.keys()].join(', ')}${this.opts.breakLock ? ' (--break-lock)' : ''}` });
        this.startHeartbeat();
      }
      return undefined;
    }
    for (const b of bad) {
      this.recap[b.host] ??= emptyRecap();
      if (b.state === 'unreachable') {
        this.recap[b.host]!.unreachable++;
        this.emit({ type: 'host.end', taskId: 'lock', host: b.host, status: 'unreachable', result: { changed: false, failed: false, unreachable: true, msg: b.msg }, durationMs: 0 });
      }
    }
    await this.unlockAll('refused');
    const hint = this.opts.commandHint ?? 'etcdplay run ...';
    const parts: string[] = [];
    if (bad.length) parts.push(`the run lock could not be taken on every host, so no host was changed:\n${bad.map((b) => `  ${b.host}: ${b.state === 'unreachable' ? 'unreachable: ' : ''}${b.msg}`).join('\n')}`);
    if (held.length) parts.push(heldMessage(held, hint, !!this.opts.breakLock));
    return parts.join('\n');
  }

  /** Renew the lock's heartbeat on every locked host every lease/4 s, so others can tell this run is alive. */
  private startHeartbeat(): void {
    const lease = Math.min(...[...this.locked.values()].map((t) => t.lease));
    let busy = false;
    const lost = new Set<string>();
    this.heartbeat = setInterval(() => {
      if (busy) return;
      busy = true;
      void mapLimit([...this.locked.entries()], this.forks, async ([h, t]) => {
        try {
          const conn = await this.conns.get(h, t.vars);
          const mine = await renewLock({ conn, host: h, dir: t.dir, become: t.become, becomePassword: t.becomePassword, runId: this.runId });
          if (!mine && !lost.has(h) && this.locked.has(h)) {
            lost.add(h);
            this.emit({ type: 'warning', host: h, message: `the run lock on ${h} is not held by this run any more (broken by another run?)` });
          }
        } catch {
          /* the host's tasks report a lost connection */
        }
      }).finally(() => (busy = false));
    }, (lease * 1000) / 4);
    this.heartbeat.unref();
  }

  private async unlockAll(status: JournalStatus): Promise<void> {
    clearInterval(this.heartbeat);
    const hosts = [...this.locked.entries()];
    this.locked.clear();
    await mapLimit(hosts, this.forks, async ([h, t]) => {
      try {
        const conn = await this.conns.get(h, t.vars);
        const jh = this.journal.data.hosts[h];
        const marker = { runId: this.runId, playbook: this.opts.playbook.file, status, lastCompleted: jh?.lastCompleted, time: new Date().toISOString(), workstation: hostname() };
        const ok = await releaseLock({ conn, host: h, dir: t.dir, become: t.become, becomePassword: t.becomePassword, runId: this.runId, marker });
        if (!ok && status !== 'refused') this.emit({ type: 'warning', host: h, message: `the run lock on ${h} was not held by this run any more (broken by another run?)` });
      } catch (err) {
        this.emit({ type: 'warning', host: h, message: `could not release the run lock on ${h}: ${(err as Error).message}; break it with --break-lock on the next run` });
      }
    });
  }

  private async runPlay(play: Play, hosts: string[]): Promise<void> {
    const live = hosts.filter((h) => this.alive(h));
    this.currentPlayHosts = live;
    this.emit({ type: 'play.start', play: play.index, name: play.name, hosts: live });
    if (!hosts.length) this.emit({ type: 'warning', message: `play '${play.name}': no hosts matched '${play.hosts}'${this.opts.limit ? ` with --limit ${this.opts.limit}` : ''}` });
    const batches = splitBatches(live, play.serial ?? []);
    for (let b = 0; b < batches.length; b++) {
      if (this.stopping) break;
      const batch = batches[b]!.filter((h) => this.alive(h));
      if (!batch.length) continue;
      this.emit({ type: 'batch.start', play: play.index, batch: b, hosts: batch });
      this.currentBatch = batch;
      await this.runBatch(play, batch);
    }
    this.emit({ type: 'play.end', play: play.index });
  }

  private async runBatch(play: Play, batch: string[]): Promise<void> {
    const base: Inherited = { when: [], vars: {}, tags: play.tags ?? [], rescuable: false };
    if (play.gatherFacts) await this.gatherFacts(play, batch);
    for (const section of ['preTasks', 'tasks', 'postTasks'] as const) {
      if (this.stopping) break;
      await this.runList(play, play[section] ?? [], batch, base, batch);
      if (this.interrupted) break;
      await this.flushHandlers(play, batch);
    }
  }

  /** Failure policy after each top-level task: any_errors_fatal, max_fail_percentage, whole batch lost. */
  private checkPolicy(play: Play, batch: string[]): void {
    if (this.stopping) return;
    const lost = batch.filter((h) => !this.alive(h));
    if (!lost.length) return;
    if (play.anyErrorsFatal && lost.some((h) => this.host(h).dead === 'failed' || this.host(h).dead === 'unreachable')) {
      this.emit({ type: 'warning', message: `play '${play.name}': any_errors_fatal: stopping after failure on ${lost.join(', ')}` });
      this.stopRun = true;
      this.failedRun = true;
      return;
    }
    if (play.maxFailPercentage !== undefined && (lost.length / batch.length) * 100 > play.maxFailPercentage) {
      this.emit({ type: 'warning', message: `play '${play.name}': ${lost.length} of ${batch.length} hosts in the batch failed, more than max_fail_percentage ${play.maxFailPercentage}%: stopping` });
      this.stopRun = true;
      this.failedRun = true;
      return;
    }
    if (lost.length === batch.length) {
      this.emit({ type: 'warning', message: `play '${play.name}': no hosts left in the batch: stopping` });
      this.stopRun = true;
    }
  }

  /**
   * Run tasks in order on `hosts`; returns the hosts that failed (within this list). Hosts that
   * fail are left out of the following tasks of the list.
   */
  private async runList(play: Play, tasks: Task[], hosts: string[], inh: Inherited, batch: string[] | undefined): Promise<Set<string>> {
    const failed = new Set<string>();
    for (const task of tasks) {
      if (this.stopping) break;
      const active = hosts.filter((h) => !failed.has(h) && this.alive(h));
      if (!active.length) break;
      const f = task.block ? await this.runBlock(play, task, active, inh) : await this.runTask(play, task, active, inh);
      for (const h of f) failed.add(h);
      for (const h of active) if (this.host(h).dead === 'unreachable') f.add(h);
      if (!batch && play.anyErrorsFatal && f.size && !this.interrupted) {
        // any_errors_fatal inside a block: every host of the block leaves it now, as the failing
        // one did: to the rescue (with the failing host's task and result as ansible_failed_*)
        // where there is one, else out of the block (its always: still runs) and so out of the
        // play. No host goes on to the block's next task (e.g. a stop) without the others.
        const first = this.host([...f][0]!).lastFailure;
        const others = active.filter((h) => !failed.has(h) && this.alive(h));
        if (others.length) this.emit({ type: 'warning', message: `any_errors_fatal: ${[...f].join(', ')} failed; ${others.join(', ')} leave the block${inh.rescuable ? ' for the rescue' : ''} too` });
        for (const h of others) {
          failed.add(h);
          if (first) this.host(h).lastFailure = first;
        }
        break;
      }
      if (batch) {
        // top level of a play section: failures are final
        for (const h of f) if (!this.host(h).dead) this.host(h).dead = 'failed';
        this.checkPolicy(play, batch);
      }
    }
    return failed;
  }

  private inherit(inh: Inherited, t: Task): Inherited {
    return {
      when: [...inh.when, ...(t.when ?? [])],
      vars: { ...inh.vars, ...(t.vars ?? {}) },
      tags: [...new Set([...inh.tags, ...(t.tags ?? [])])],
      become: t.become ?? inh.become,
      becomeUser: t.becomeUser ?? inh.becomeUser,
      ignoreErrors: t.ignoreErrors ?? inh.ignoreErrors,
      ignoreUnreachable: t.ignoreUnreachable ?? inh.ignoreUnreachable,
      environment: t.environment || inh.environment ? { ...(inh.environment ?? {}), ...(t.environment ?? {}) } : undefined,
      noLog: t.noLog ?? inh.noLog,
      checkMode: t.checkMode ?? inh.checkMode,
      delegateTo: t.delegateTo ?? inh.delegateTo,
      runOnce: t.runOnce ?? inh.runOnce,
      rescuable: inh.rescuable,
      handler: inh.handler,
    };
  }

  private async runBlock(play: Play, block: Task, hosts: string[], inh: Inherited): Promise<Set<string>> {
    const child = this.inherit(inh, block);
    const hasRescue = !!block.rescue?.length;
    const failedInBlock = await this.runList(play, block.block ?? [], hosts, { ...child, rescuable: inh.rescuable || hasRescue }, undefined);
    const stillFailed = new Set(failedInBlock);
    if (hasRescue && failedInBlock.size && !this.interrupted) {
      // A host lost inside the block (connection dropped) gets one more chance: the rescue is
      // what puts it back, and a dropped channel is often not a dead host.
      for (const h of failedInBlock) {
        if (this.host(h).dead === 'unreachable') {
          this.host(h).dead = undefined;
          this.conns.forget(h);
          this.emit({ type: 'warning', host: h, message: `${h} was lost inside the block; trying to reach it again for the rescue` });
        }
      }
      const rescueHosts = [...failedInBlock].filter((h) => this.alive(h));
      for (const h of rescueHosts) {
        const st = this.host(h);
        if (st.lastFailure) {
          st.registered.ansible_failed_task = { name: st.lastFailure.task.name ?? st.lastFailure.task.module, id: st.lastFailure.task.id };
          st.registered.ansible_failed_result = st.lastFailure.result;
        }
      }
      this.journal.data.rescueRan = true;
      await this.flushJournal();
      const rescueFailed = await this.runList(play, block.rescue ?? [], rescueHosts, child, undefined);
      for (const h of rescueHosts) {
        if (!rescueFailed.has(h) && this.alive(h)) {
          stillFailed.delete(h);
          this.recap[h]!.rescued++;
        }
      }
    }
    if (block.always?.length && !this.interrupted) {
      const alwaysHosts = hosts.filter((h) => this.alive(h));
      const alwaysFailed = await this.runList(play, block.always, alwaysHosts, child, undefined);
      for (const h of alwaysFailed) stillFailed.add(h);
    }
    return stillFailed;
  }

  private taskName(t: Task): string {
    if (t.name) return t.name;
    return t.module ?? 'block';
  }

  private async renderedName(play: Play, t: Task, host: string | undefined): Promise<string> {
    const name = this.taskName(t);
    if (!name.includes('{{') || !host) return name;
    try {
      const vars = this.varsOf(play, host, t, {});
      this.collectSecrets(vars);
      return renderString(name, vars);
    } catch {
      return name;
    }
  }

  private varsOf(play: Play, host: string, task: Task | undefined, extra: Vars, batch?: string[]): Vars {
    const st = this.host(host);
    const v = varsFor({
      inv: this.opts.inventory,
      host,
      play,
      task,
      extraVars: this.opts.extraVars,
      facts: st.facts,
      registered: st.registered,
      playHosts: this.currentPlayHosts.filter((h) => this.alive(h)),
      ...(batch ? { batch } : {}),
      check: this.opts.check,
      hostFacts: this.hostFacts(),
    });
    return withVars(v, { ansible_diff_mode: this.opts.diff, ...extra });
  }

  /** What hostvars[h] shows of other hosts beyond their inventory and play vars. */
  private hostFacts(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [h, st] of this.state) out[h] = { ...st.facts, ...st.registered };
    return out;
  }

  private async gatherFacts(play: Play, batch: string[]): Promise<void> {
    const hosts = batch.filter((h) => this.alive(h));
    if (!hosts.length) return;
    const taskId = `p${play.index}.gather_facts`;
    this.emit({ type: 'task.start', play: play.index, taskId, name: 'Gathering Facts', module: 'gather_facts', hosts });
    await mapLimit(hosts, this.forks, async (h) => {
      const t0 = Date.now();
      this.emit({ type: 'host.start', taskId, host: h });
      let out: HostOutcome;
      try {
        const vars = this.varsOf(play, h, undefined, {});
        const conn = await this.conns.get(h, vars);
        const r = await conn.exec(FACTS_COMMAND, { signal: this.opts.signal, timeoutMs: 60_000 });
        if (r.rc !== 0) {
          out = { status: 'failed', result: { changed: false, failed: true, rc: r.rc, stderr: r.stderr, msg: `fact gathering failed: ${r.stderr.trim().split('\n').pop() ?? ''}` } };
        } else {
          const facts = parseFacts(r.stdout);
          Object.assign(this.host(h).facts, facts);
          out = { status: 'ok', result: { changed: false, failed: false, msg: `${facts.ansible_distribution} ${facts.ansible_distribution_version}, ${facts.ansible_pkg_mgr}, ${facts.ansible_service_mgr}` } };
        }
      } catch (err) {
        out = { status: 'unreachable', result: { changed: false, failed: false, unreachable: true, msg: (err as Error).message } };
      }
      out.result.durationMs = Date.now() - t0;
      this.account(h, out, { when: [], vars: {}, tags: [], rescuable: false });
      if (out.status === 'failed') this.host(h).dead = 'failed';
      this.emit({ type: 'host.end', taskId, host: h, status: out.status, result: out.result, durationMs: Date.now() - t0 });
    });
    this.emit({ type: 'task.end', play: play.index, taskId });
    this.checkPolicy(play, batch);
  }

  private get forks(): number {
    return this.opts.forks > 0 ? this.opts.forks : 10;
  }

  /** Count an outcome in the recap and mark unreachable hosts. */
  private account(h: string, out: HostOutcome, inh: Inherited): void {
    const r = this.recap[h]!;
    switch (out.status) {
      case 'ok':
        r.ok++;
        break;
      case 'changed':
        r.ok++;
        r.changed++;
        break;
      case 'skipped':
        r.skipped++;
        break;
      case 'ignored':
        r.ignored++;
        break;
      case 'unreachable':
        r.unreachable++;
        this.host(h).dead = 'unreachable';
        break;
      case 'failed':
        if (!inh.rescuable) r.failed++;
        break;
      case 'rescued':
        r.rescued++;
        break;
    }
  }

  private async runTask(play: Play, task: Task, hosts: string[], inh: Inherited): Promise<Set<string>> {
    const eff = this.inherit(inh, task);
    if (!inh.handler) {
      if (!tagsSelect([...new Set([...(play.tags ?? []), ...eff.tags])], this.opts.tags, this.opts.skipTags)) return new Set();
      if (!this.started) {
        const names = [this.taskName(task), await this.renderedName(play, task, hosts[0])];
        if (!names.includes(this.opts.startAtTask!)) return new Set();
        this.started = true;
      }
    }
    const name = await this.renderedName(play, task, hosts[0]);
    if (this.stepMode && this.opts.confirmTask) {
      const answer = await this.opts.confirmTask({ play: play.index, taskId: task.id, name });
      if (answer === 'no') return new Set();
      if (answer === 'continue') this.stepMode = false;
    }
    const failed = new Set<string>();
    // --resume: (task, host) pairs the interrupted run completed are not repeated; their results
    // and facts were restored from the journal.
    const resumed = this.opts.resume;
    const done = resumed ? hosts.filter((h) => resumed.hosts[h]?.tasks[task.id] !== undefined && this.journal.completed(task.id, h)) : [];
    this.emit({ type: 'task.start', play: play.index, taskId: task.id, name, module: task.module, hosts });
    for (const h of done) {
      this.recap[h]!.skipped++;
      this.emit({ type: 'host.end', taskId: task.id, host: h, status: 'skipped', result: { changed: false, failed: false, skipped: true, skip_reason: `completed in run ${this.runId} before it stopped (result restored from the journal)` }, durationMs: 0 });
    }
    hosts = hosts.filter((h) => !done.includes(h));
    if (!hosts.length) {
      this.emit({ type: 'task.end', play: play.index, taskId: task.id });
      return failed;
    }
    await this.syncJournal();
    this.taskAbort = new AbortController();
    const fatal = play.anyErrorsFatal && !eff.ignoreErrors;
    const onFailed = (status: string) => {
      if (fatal && (status === 'failed' || status === 'unreachable') && !this.taskAbort!.signal.aborted) {
        this.fatalAbort = true;
        this.taskAbort!.abort();
      }
    };
    this.taskSignal = this.opts.signal ? AbortSignal.any([this.opts.signal, this.taskAbort.signal]) : this.taskAbort.signal;
    // Every command in flight listens on these (forks x channels): not a leak, no Node warning.
    unlimitedListeners(this.taskSignal, this.taskAbort.signal);
    if (eff.runOnce) {
      const first = hosts[0]!;
      const out = await this.safeRunOnHost(play, task, eff, first);
      for (const h of hosts) {
        const copy: HostOutcome = { ...out, result: { ...out.result } };
        if (h !== first) copy.runsOn = out.runsOn ?? first;
        this.finish(play, task, eff, h, copy, 0);
        if (copy.status === 'failed') failed.add(h);
      }
      onFailed(out.status);
    } else {
      await mapLimit(hosts, this.forks, async (h) => {
        const t0 = Date.now();
        const out = await this.safeRunOnHost(play, task, eff, h);
        if (out.status === 'failed' && this.fatalAbort && this.taskAbort!.signal.aborted && !this.opts.signal?.aborted && /interrupted/.test(String(out.result.msg ?? ''))) {
          out.result.msg = `aborted: another host failed this task and the play has any_errors_fatal (${String(out.result.msg)})`;
        }
        this.finish(play, task, eff, h, out, Date.now() - t0);
        if (out.status === 'failed') failed.add(h);
        onFailed(out.status);
      });
    }
    this.fatalAbort = false;
    this.taskSignal = undefined;
    this.emit({ type: 'task.end', play: play.index, taskId: task.id });
    return failed;
  }

  /** Register, set facts, notify handlers, count, emit host.end. */
  private finish(play: Play, task: Task, eff: Inherited, h: string, out: HostOutcome, durationMs: number): void {
    const st = this.host(h);
    if (task.register) {
      st.registered[task.register] = out.result;
      if (out.result.wouldChange || out.result.checkDependent) st.checkHeld.add(task.register);
      else st.checkHeld.delete(task.register);
    }
    if (out.result.facts && !out.result.failed) Object.assign(st.facts, out.result.facts);
    if (out.status === 'failed' || out.status === 'unreachable') st.lastFailure = { task, result: out.result };
    if (out.status === 'changed' && task.notify?.length) {
      for (const n of task.notify) {
        let name = n;
        if (n.includes('{{')) {
          try {
            name = renderString(n, this.varsOf(play, h, task, eff.vars));
          } catch {
            /* keep the raw name */
          }
        }
        const matched = play.handlers.map((hd, i) => ({ hd, i })).filter(({ hd }) => hd.name === name || (hd.listen ?? []).includes(name));
        if (!matched.length) {
          this.emit({ type: 'warning', host: h, message: `task '${this.taskName(task)}' notifies '${name}', but no handler has that name or listens to it` });
          continue;
        }
        for (const { i } of matched) st.pending.add(i);
        this.emit({ type: 'handler.notify', host: h, handler: name });
      }
    }
    this.account(h, out, eff);
    this.record(task, h, out.status);
    // A module's warnings (e.g. writes accepted as lost) are shown like the engine's own.
    if (!eff.noLog) for (const w of warningsOf(out.result)) this.emit({ type: 'warning', host: h, message: `${this.taskName(task)}: ${w}` });
    let shown = eff.noLog ? censor(out.result) : out.result;
    // Where it ran (delegate_to, or the host a run_once result was copied from), for the views.
    if (out.runsOn && out.runsOn !== h) shown = { ...shown, runsOn: out.runsOn };
    this.emit({ type: 'host.end', taskId: task.id, host: h, status: out.status, result: shown, durationMs: durationMs || out.result.durationMs || 0 });
  }

  /** Journal one host's outcome of one task, with the host's state after it (redacted). */
  private record(task: Task, h: string, status: string): void {
    const st = this.host(h);
    const jh = this.journal.host(h);
    jh.tasks[task.id] = status;
    jh.registered = this.redactor.value(jsonSafe(st.registered) as Vars);
    jh.facts = this.redactor.value(jsonSafe(st.facts) as Record<string, unknown>);
    jh.pending = [...st.pending];
    if (status !== 'failed' && status !== 'unreachable') jh.lastCompleted = { taskId: task.id, name: this.taskName(task), time: new Date().toISOString() };
    // Written at once, off the event loop (a killed process loses at most what was still being
    // written); fsynced before the next task starts.
    this.journal.write();
  }

  private async flushHandlers(play: Play, batch: string[]): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      let ran = false;
      for (let i = 0; i < play.handlers.length; i++) {
        if (this.stopping) return;
        const hosts = batch.filter((h) => this.alive(h) && this.host(h).pending.has(i));
        if (!hosts.length) continue;
        for (const h of hosts) this.host(h).pending.delete(i);
        ran = true;
        const handler = play.handlers[i]!;
        const inh: Inherited = { when: [], vars: {}, tags: [], rescuable: false, handler: true };
        const f = handler.block ? await this.runBlock(play, handler, hosts, inh) : await this.runTask(play, handler, hosts, inh);
        for (const h of f) if (!this.host(h).dead) this.host(h).dead = 'failed';
        this.checkPolicy(play, batch);
      }
      if (!ran) return;
    }
  }

  /**
   * Under --check, a template that needs a result --check kept from being produced (a registered
   * result of a held-back step) makes the task skipped, not failed.
   */
  private checkDependency(err: unknown, host: string, eff: Inherited): TaskResult | undefined {
    // (also for a check_mode: false task in a --check run: the result it needs was never produced)
    if (!(this.opts.check || eff.checkMode) || !(err instanceof UndefinedVariableError)) return undefined;
    if (!this.host(host).checkHeld.has(err.root)) return undefined;
    const msg = `skipped in check mode: needs '${err.variable}', which a step held back by --check would have produced`;
    return { changed: false, failed: false, skipped: true, skip_reason: msg, checkDependent: true };
  }

  /** runOnHost, with an unexpected exception turned into a failed result for that host only. */
  private async safeRunOnHost(play: Play, task: Task, eff: Inherited, host: string): Promise<HostOutcome> {
    try {
      return await this.runOnHost(play, task, eff, host);
    } catch (err) {
      return { status: 'failed', result: { changed: false, failed: true, msg: `internal error: ${(err as Error)?.message ?? String(err)}` } };
    }
  }

  /** Everything that happens for one task on one host: when, loop, retries, conditions. */
  private async runOnHost(play: Play, task: Task, eff: Inherited, host: string): Promise<HostOutcome> {
    const t0 = Date.now();
    let vars: Vars;
    try {
      vars = this.varsOf(play, host, { ...task, vars: { ...eff.vars, ...(task.vars ?? {}) } }, {}, this.currentBatch);
      this.collectSecrets(vars);
    } catch (err) {
      return { status: 'failed', result: { changed: false, failed: true, msg: (err as Error).message } };
    }
    let items: unknown[] | undefined;
    if (task.loop !== undefined) {
      try {
        items = toList(renderDeep(task.loop, vars));
      } catch (err) {
        return this.failure(eff, this.checkDependency(err, host, eff) ?? { changed: false, failed: true, msg: `loop: ${(err as Error).message}` });
      }
    }
    let runsOn: string | undefined;
    if (items === undefined) {
      const r = await this.attempts(play, task, eff, host, vars);
      runsOn = r.runsOn;
      r.result.durationMs = Date.now() - t0;
      return { ...this.statusOf(eff, r.result), runsOn };
    }
    const loopVar = task.loopVar ?? 'item';
    const results: TaskResult[] = [];
    // delegate_to may depend on the item: every host the items ran on, for the views.
    const ranOn = new Set<string>();
    for (let i = 0; i < items.length; i++) {
      if (this.stopping && this.interrupted) break;
      const iv: Vars = withVars(vars, { [loopVar]: items[i], ansible_loop_var: loopVar, ansible_loop: { index: i + 1, index0: i, first: i === 0, last: i === items.length - 1, length: items.length } });
      const r = await this.attempts(play, task, eff, host, iv);
      if (r.runsOn) ranOn.add(r.runsOn);
      // delegated: each item says where it ran (its own host included), for the views
      if (eff.delegateTo) r.result.runsOn = r.runsOn ?? host;
      r.result[loopVar] = items[i];
      r.result.ansible_loop_var = loopVar;
      results.push(r.result);
      if (r.result.unreachable) break;
    }
    const all = results.length > 0 && results.every((r) => r.skipped);
    const agg: TaskResult = {
      changed: results.some((r) => r.changed),
      failed: results.some((r) => r.failed && !r.unreachable),
      ...(all || !results.length ? { skipped: true } : {}),
      ...(results.some((r) => r.unreachable) ? { unreachable: true } : {}),
      ...(results.some((r) => r.wouldChange) ? { wouldChange: true } : {}),
      results,
      durationMs: Date.now() - t0,
    };
    const facts = results.filter((r) => r.facts && !r.failed).map((r) => r.facts!);
    if (facts.length) agg.facts = Object.assign({}, ...facts);
    if (ranOn.size) runsOn = [...ranOn].join(', ');
    if (agg.failed) agg.msg = 'One or more items failed';
    else if (agg.unreachable) agg.msg = results.find((r) => r.unreachable)?.msg;
    else if (agg.skipped) agg.msg = results.length ? 'All items skipped' : 'No items in the list';
    return { ...this.statusOf(eff, agg), runsOn };
  }

  private failure(eff: Inherited, r: TaskResult): HostOutcome {
    return this.statusOf(eff, r);
  }

  private statusOf(eff: Inherited, r: TaskResult): HostOutcome {
    if (r.unreachable) return { status: eff.ignoreUnreachable ? 'ignored' : 'unreachable', result: r };
    if (r.failed) return { status: eff.ignoreErrors ? 'ignored' : 'failed', result: r };
    if (r.skipped) return { status: 'skipped', result: r };
    return { status: r.changed ? 'changed' : 'ok', result: r };
  }

  /** when -> (retries/until) -> one execution with changed_when/failed_when. */
  private async attempts(play: Play, task: Task, eff: Inherited, host: string, vars: Vars): Promise<{ result: TaskResult; runsOn?: string }> {
    try {
      for (const cond of eff.when) {
        if (!evalCondition(cond, vars)) {
          return { result: { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: cond } };
        }
      }
    } catch (err) {
      return { result: this.checkDependency(err, host, eff) ?? { changed: false, failed: true, msg: `when: ${(err as Error).message}` } };
    }
    const until = task.until ?? [];
    const retrying = until.length > 0 || task.retries !== undefined;
    const max = retrying ? Math.max(1, (task.retries ?? 3) + 1) : 1;
    const delayMs = (task.delay ?? 5) * 1000;
    let last: { result: TaskResult; runsOn?: string } = { result: { changed: false, failed: true, msg: 'not run' } };
    for (let attempt = 1; attempt <= max; attempt++) {
      last = await this.once(play, task, eff, host, vars);
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
      this.emit({ type: 'warning', host, message: `${this.taskName(task)}: retrying (${max - attempt} retries left)` });
      if (!(await sleep(delayMs, this.taskSignal ?? this.opts.signal))) {
        if (this.opts.signal?.aborted) this.interrupted = true;
        else {
          last.result.failed = true;
          last.result.msg = `aborted while waiting to retry: another host failed and the play has any_errors_fatal`;
        }
        break;
      }
    }
    return last;
  }

  private become(play: Play, eff: Inherited, vars: Vars): Become | undefined {
    const on = eff.become ?? play.become ?? truthy(vars.ansible_become) ?? this.opts.become ?? false;
    if (!on) return undefined;
    const user = eff.becomeUser ?? play.becomeUser ?? (typeof vars.ansible_become_user === 'string' ? vars.ansible_become_user : undefined) ?? 'root';
    return { user, method: 'sudo' };
  }

  /** One execution on one host: render, run steps, interpret, changed_when/failed_when. */
  private async once(play: Play, task: Task, eff: Inherited, host: string, vars: Vars): Promise<{ result: TaskResult; runsOn?: string }> {
    const check = eff.checkMode ?? this.opts.check;
    const st = this.host(host);
    const ctx: PlanContext = { host, vars, facts: st.facts, check, hostvars: vars.hostvars as Record<string, Vars>, playHosts: this.currentPlayHosts, playbookDir: dirname(this.opts.playbook.file), runId: this.runId };
    let rendered: ReturnType<typeof renderTask>;
    let runsOn: string | undefined;
    try {
      rendered = renderTask({ ...task, vars: { ...eff.vars, ...(task.vars ?? {}) }, ...(eff.environment ? { environment: eff.environment } : {}) }, vars, ctx);
      if (eff.delegateTo) {
        const d = renderString(eff.delegateTo, vars);
        if (d !== host) runsOn = d;
      }
    } catch (err) {
      return { result: this.checkDependency(err, host, eff) ?? { changed: false, failed: true, msg: (err as Error).message } };
    }
    let conn: Connection;
    let connVars = vars;
    try {
      if (runsOn) {
        connVars = this.opts.inventory.hosts.has(runsOn)
          ? this.varsOf(play, runsOn, undefined, {})
          : { ansible_connection: runsOn === 'localhost' || runsOn.startsWith('127.') ? 'local' : 'ssh', ansible_host: runsOn, inventory_hostname: runsOn };
      }
      conn = await this.conns.get(runsOn ?? host, connVars);
    } catch (err) {
      return { result: { changed: false, failed: false, unreachable: true, msg: (err as Error).message }, runsOn };
    }
    const taskId = task.id;
    const become = this.become(play, eff, connVars);
    // As in Ansible, the host's ansible_become_password (or _pass) wins over -K.
    const varPw = connVars.ansible_become_password ?? connVars.ansible_become_pass;
    const bp = typeof varPw === 'string' || typeof varPw === 'number' ? String(varPw) : this.opts.connect.becomePassword;
    this.emit({ type: 'host.start', taskId, host, ...(runsOn ? { runsOn } : {}) });
    const run: StepsRun = await runSteps(rendered.steps, {
      conn,
      check,
      diff: this.opts.diff,
      become,
      becomePassword: bp,
      signal: this.taskSignal ?? this.opts.signal,
      hardSignal: this.opts.hardSignal,
      secretIn: (t) => this.redactor.contains(t),
      vars,
      onOutput: (stream, line) => {
        if (!eff.noLog) this.emit({ type: 'host.output', taskId, host, stream, line });
      },
      onProgress: (bytes, total) => this.emit({ type: 'host.progress', taskId, host, bytes, total }),
      connFor: (h) => this.conns.get(h, this.opts.inventory.hosts.has(h) ? this.varsOf(play, h, undefined, {}) : { ansible_connection: 'ssh' }),
      addSecret: (s) => this.redactor.add(s),
    });
    if (this.opts.signal?.aborted) this.interrupted = true;
    let result: TaskResult;
    if (run.unreachable) {
      result = { changed: false, failed: false, unreachable: true, msg: run.unreachable };
      return { result, runsOn };
    }
    if (run.failure) {
      const last = [...run.outcomes].reverse().find((o) => o.status === 'ran' && o.rc !== undefined);
      result = {
        changed: run.outcomes.some((o) => o.changed),
        failed: true,
        msg: run.failure.msg,
        ...(run.failure.rc !== undefined ? { rc: run.failure.rc } : last?.rc !== undefined ? { rc: last.rc } : {}),
        ...outputFields(run.failure.stdout ?? last?.stdout, run.failure.stderr ?? last?.stderr),
        ...run.local,
      };
      if (run.cmd) result.cmd = run.cmd;
    } else {
      try {
        result = rendered.module.interpret ? rendered.module.interpret(rendered.args, run.outcomes, ctx) : defaultResult(run);
        result = { ...run.local, ...result };
        if (run.cmd && result.cmd === undefined) result.cmd = run.cmd;
      } catch (err) {
        result = { changed: false, failed: true, msg: `${rendered.module.name}: ${(err as Error).message}` };
      }
    }
    if (run.outcomes.some((o) => o.status === 'check')) {
      result.wouldChange ??= true;
      if (result.wouldChange) result.changed = true;
    }
    if (run.outcomes.length && run.outcomes.every((o) => o.status === 'skipped') && !result.failed) result.changed = false;
    if (run.diffs.length) result.diff = run.diffs.join('');
    // changed_when / failed_when see the result under the register name. When --check held a
    // step back there is no real result to judge: the task stays "would change".
    if (run.outcomes.some((o) => o.status === 'check')) return { result, runsOn };
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
    return { result, runsOn };
  }
}

function defaultResult(run: StepsRun): TaskResult {
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

function outputFields(stdout: string | undefined, stderr: string | undefined): Partial<TaskResult> {
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

function censor(r: TaskResult): TaskResult {
  return {
    changed: r.changed,
    failed: r.failed,
    ...(r.skipped ? { skipped: true } : {}),
    ...(r.unreachable ? { unreachable: true } : {}),
    ...(r.wouldChange ? { wouldChange: true } : {}),
    msg: NO_LOG_MSG,
    censored: NO_LOG_MSG,
  };
}

function truthy(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['yes', 'true', '1', 'on'].includes(v.toLowerCase());
  return Boolean(v);
}

function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[')) {
      try {
        const parsed = JSON.parse(s);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        /* fall through */
      }
    }
    throw new Error(`expected a list, got the string ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)}`);
  }
  if (v && typeof v === 'object') throw new Error('expected a list, got a mapping (use dict2items)');
  throw new Error(`expected a list, got ${JSON.stringify(v)}`);
}


/** The `warnings` a module put in its result (strings only), for every loop item too. */
function warningsOf(r: TaskResult): string[] {
  const own = Array.isArray(r.warnings) ? r.warnings.filter((w): w is string => typeof w === 'string') : [];
  return [...own, ...(r.results ?? []).flatMap(warningsOf)];
}

/** A plain JSON copy (drops functions, lazy getters that throw, cycles). */
function jsonSafe(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v ?? {}));
  } catch {
    return {};
  }
}

/** Signals shared by every command in flight (up to forks x 10 channels) take any number of listeners. */
function unlimitedListeners(...signals: (AbortSignal | undefined)[]): void {
  for (const s of signals) if (s) setMaxListeners(0, s);
}
