/**
 * The run lock of a whole run (lock.ts is the lock on one host): taken on every host before
 * anything runs, its heartbeat renewed while the run goes on, released at the end with a marker
 * of how the run ended. A lock held by another run, or a host that cannot be locked, refuses the
 * run before any change.
 */
import { hostname } from 'node:os';
import type { Play } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { noInheritance, playInheritance } from '../plan/inherit.js';
import { reachVars } from '../plan/reach.js';
import { becomeFor, type BecomeSettings } from './become.js';
import { emptyRecap } from './exitcode.js';
import type { JournalStatus } from './journal.js';
import { mapLimit } from './limit.js';
import { DEFAULT_LOCK_LEASE_S, acquireLock, clusterLock, heldMessage, lockOwner, releaseLock, renewLock, type LockOutcome } from './lock.js';
import { emit, varsOf, type RunState } from './state.js';

/** Where and how a host's run lock is taken. */
interface LockTarget extends BecomeSettings {
  vars: Vars;
  dir: string;
  cluster: string;
  /** Seconds: the heartbeat is renewed every lease/4. */
  lease: number;
}

/** The locks this run holds, and the timer that renews them. */
export interface HeldLocks {
  hosts: Map<string, LockTarget>;
  heartbeat?: NodeJS.Timeout;
}

export function noLocks(): HeldLocks {
  return { hosts: new Map() };
}

/** The connection vars, become and lock settings of a host, from the first play that runs on it. */
function lockTarget(rs: RunState, plays: Play[], perPlay: string[][], h: string): LockTarget & { wanted: boolean; error?: string } {
  const pi = plays.findIndex((p) => (perPlay[p.index] ?? []).includes(h));
  const play = plays[pi] ?? plays[0]!;
  const vars = reachVars(varsOf(rs, play, h, undefined, {}), playInheritance(play));
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
  const lease = Number(vars.etcdplay_lock_lease ?? DEFAULT_LOCK_LEASE_S);
  return {
    vars,
    ...becomeFor(rs.opts, play, noInheritance(), vars),
    dir,
    cluster,
    lease: Number.isFinite(lease) && lease > 0 ? lease : DEFAULT_LOCK_LEASE_S,
    wanted,
    ...(error ? { error } : {}),
  };
}

/** Take the run lock on every host (into `held`); returns why the run is refused, or undefined. */
export async function lockAll(rs: RunState, held: HeldLocks, plays: Play[], perPlay: string[][]): Promise<string | undefined> {
  const { opts } = rs;
  const hosts = [...new Set(perPlay.flat())];
  const outcomes: (LockOutcome | { state: 'unreachable'; host: string; msg: string })[] = [];
  await mapLimit(hosts, rs.forks, async (h) => {
    let t: ReturnType<typeof lockTarget>;
    try {
      t = lockTarget(rs, plays, perPlay, h);
    } catch {
      return; // the host's vars do not render: its first task reports it
    }
    if (!t.wanted) return;
    if (t.error) {
      outcomes.push({ state: 'error', host: h, msg: t.error });
      return;
    }
    try {
      const conn = await rs.conns.get(h, t.vars);
      const owner = lockOwner(rs.runId, opts.playbook.file, t.lease, t.cluster);
      const o = await acquireLock({ conn, host: h, dir: t.dir, owner, become: t.become, becomePassword: t.becomePassword, force: opts.breakLock, takeOver: opts.resume?.runId, signal: opts.signal });
      if (o.state === 'acquired') held.hosts.set(h, t);
      outcomes.push(o);
    } catch (err) {
      outcomes.push({ state: 'unreachable', host: h, msg: (err as Error).message });
    }
  });
  const heldElsewhere = outcomes.filter((o): o is Extract<LockOutcome, { state: 'held' }> => o.state === 'held');
  let bad = outcomes.filter((o) => o.state === 'unreachable' || o.state === 'error') as { host: string; msg: string; state: string }[];
  // Without any_errors_fatal (Ansible's default), an unreachable host is left out and the others
  // go on; a playbook that must run on all hosts or none (any_errors_fatal) is refused instead.
  if (!plays.some((p) => p.anyErrorsFatal) && !heldElsewhere.length) {
    // (its tasks report it unreachable: the connection failure is remembered for the run)
    bad = bad.filter((x) => x.state !== 'unreachable');
  }
  if (!heldElsewhere.length && !bad.length) {
    if (held.hosts.size) {
      emit(rs, { type: opts.breakLock ? 'warning' : 'note', message: `run lock taken on ${[...held.hosts.keys()].join(', ')}${opts.breakLock ? ' (--break-lock)' : ''}` });
      startHeartbeat(rs, held);
    }
    return undefined;
  }
  for (const b of bad) {
    rs.recap[b.host] ??= emptyRecap();
    if (b.state === 'unreachable') {
      rs.recap[b.host]!.unreachable++;
      emit(rs, { type: 'host.end', taskId: 'lock', host: b.host, status: 'unreachable', result: { changed: false, failed: false, unreachable: true, msg: b.msg }, durationMs: 0 });
    }
  }
  await unlockAll(rs, held, 'refused');
  const hint = opts.commandHint ?? 'etcdplay run ...';
  const parts: string[] = [];
  if (bad.length) parts.push(`the run lock could not be taken on every host, so no host was changed:\n${bad.map((b) => `  ${b.host}: ${b.state === 'unreachable' ? 'unreachable: ' : ''}${b.msg}`).join('\n')}`);
  if (heldElsewhere.length) parts.push(heldMessage(heldElsewhere, hint, !!opts.breakLock));
  return parts.join('\n');
}

/** Renew the lock's heartbeat on every locked host every lease/4 s, so others can tell this run is alive. */
function startHeartbeat(rs: RunState, held: HeldLocks): void {
  const lease = Math.min(...[...held.hosts.values()].map((t) => t.lease));
  let busy = false;
  const lost = new Set<string>();
  held.heartbeat = setInterval(() => {
    if (busy) return;
    busy = true;
    void mapLimit([...held.hosts.entries()], rs.forks, async ([h, t]) => {
      try {
        const conn = await rs.conns.get(h, t.vars);
        const mine = await renewLock({ conn, host: h, dir: t.dir, become: t.become, becomePassword: t.becomePassword, runId: rs.runId });
        if (!mine && !lost.has(h) && held.hosts.has(h)) {
          lost.add(h);
          emit(rs, { type: 'warning', host: h, message: `the run lock on ${h} is not held by this run any more (broken by another run?)` });
        }
      } catch {
        /* the host's tasks report a lost connection */
      }
    }).finally(() => (busy = false));
  }, (lease * 1000) / 4);
  held.heartbeat.unref();
}

/** Release every lock this run holds, leaving a marker of how the run ended. */
export async function unlockAll(rs: RunState, held: HeldLocks, status: JournalStatus): Promise<void> {
  clearInterval(held.heartbeat);
  const hosts = [...held.hosts.entries()];
  held.hosts.clear();
  await mapLimit(hosts, rs.forks, async ([h, t]) => {
    try {
      const conn = await rs.conns.get(h, t.vars);
      const jh = rs.journal.data.hosts[h];
      const marker = { runId: rs.runId, playbook: rs.opts.playbook.file, status, lastCompleted: jh?.lastCompleted, time: new Date().toISOString(), workstation: hostname() };
      const ok = await releaseLock({ conn, host: h, dir: t.dir, become: t.become, becomePassword: t.becomePassword, runId: rs.runId, marker });
      if (!ok && status !== 'refused') emit(rs, { type: 'warning', host: h, message: `the run lock on ${h} was not held by this run any more (broken by another run?)` });
    } catch (err) {
      emit(rs, { type: 'warning', host: h, message: `could not release the run lock on ${h}: ${(err as Error).message}; break it with --break-lock on the next run` });
    }
  });
}
