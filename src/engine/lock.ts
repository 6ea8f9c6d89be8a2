/**
 * The per-cluster run lock: a directory created atomically with `mkdir` on every host of the run
 * (one per etcd cluster on the host: clusterLock; host var `etcdplay_lock_dir` overrides), with an `owner` file (JSON: run
 * id, workstation, pid, time, playbook, lease) and a `heartbeat` file the holder touches every
 * lease/4 seconds. A second run is refused with the holder's details. `--break-lock` breaks a lock
 * only when its holder is proven dead: same workstation and its pid gone, or its heartbeat older
 * than its lease (judged by the host's own clock, so a holder on another workstation can be judged
 * too); a live holder's lock is never broken. The same run id (`--resume`) takes its own lock
 * over. Each host also keeps a marker of the runs that touched it: <lock dir>/../runs/<runId>.json.
 */
import { hostname } from 'node:os';
import type { Connection } from '../connection/connection.js';
import type { Become } from '../model/command.js';

export const DEFAULT_LOCK_ROOT = '/var/lib/etcdplay';
export const DEFAULT_LOCK_DIR = `${DEFAULT_LOCK_ROOT}/lock`;
/** The cluster a run locks when the host's variables name none (etcd_service's default). */
export const DEFAULT_CLUSTER = 'etcd';

/**
 * The lock of one etcd cluster on a host: several clusters may share the hosts (kubespray's events
 * cluster: unit etcd-events), and a run on one must not block a run on the other. The cluster is
 * `etcdplay_cluster`, else `etcd_service` (the unit, unique per instance on a host), else `etcd`.
 * Its lock dir: `etcdplay_lock_dir` if set; else <root>/lock for the default cluster (the path
 * older runs used), <root>/lock-<cluster> for the others; root = `etcdplay_lock_root`
 * (default /var/lib/etcdplay).
 */
export function clusterLock(vars: Record<string, unknown>): { cluster: string; dir: string; explicit: boolean } {
  const s = (k: string) => (typeof vars[k] === 'string' && vars[k] !== '' ? (vars[k] as string) : undefined);
  const cluster = s('etcdplay_cluster') ?? s('etcd_service') ?? DEFAULT_CLUSTER;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/.test(cluster)) {
    throw new Error(`cluster name ${JSON.stringify(cluster)} (from etcdplay_cluster or etcd_service) cannot name a lock: use letters, digits, '.', '_', '-', '@' (at most 100)`);
  }
  const dir = s('etcdplay_lock_dir');
  if (dir) return { cluster, dir, explicit: true };
  const root = (s('etcdplay_lock_root') ?? DEFAULT_LOCK_ROOT).replace(/\/+$/, '') || '';
  return { cluster, dir: cluster === DEFAULT_CLUSTER ? `${root}/lock` : `${root}/lock-${cluster}`, explicit: s('etcdplay_lock_root') !== undefined };
}
/** A lock without a heartbeat (taken by an older etcdplay) counts as dead after this long. */
export const STALE_LOCK_HOURS = 12;
/** Default lease (host var etcdplay_lock_lease): a holder silent for longer is dead. Renewed every lease/4. */
export const DEFAULT_LOCK_LEASE_S = 120;

export interface LockOwner {
  runId: string;
  workstation: string;
  pid: number;
  time: string;
  playbook: string;
  user?: string;
  /** Seconds after the last heartbeat at which the holder counts as dead. */
  lease?: number;
  /** The etcd cluster this lock is for (clusterLock). */
  cluster?: string;
}

export type LockOutcome =
  | { state: 'acquired'; host: string }
  | { state: 'held'; host: string; owner?: LockOwner; raw: string; stale?: string; heartbeatAge?: number }
  | { state: 'error'; host: string; msg: string };

// The two scripts below run once per host per run: shell builtins where they do (parent dir by
// expansion, owner file by `read`), so each costs 3 processes instead of 7.
// $1 lock dir, $2 owner JSON, $3 mode: try | force, $4 (force) the run id of the dead holder to
// replace ('' = no readable owner). Prints ACQUIRED, or `HELD <seconds since the holder's last
// heartbeat, by this host's clock>` and the owner file.
const ACQUIRE = `d=$1
case $d in */*) p=\${d%/*}; p=\${p:-/} ;; *) p=. ;; esac
[ -d "$p" ] || mkdir -p -- "$p" || exit 3
dead=
if [ "$3" = force ]; then
  o=; [ -f "$d/owner" ] && read -r o < "$d/owner"
  case $o in *"\\"runId\\":\\"$4\\""*) dead=1 ;; "") [ -z "$4" ] && dead=1 ;; esac
fi
if mkdir -- "$d" 2>/dev/null || [ -n "$dead" ]; then
  t="$d/owner.tmp.$$"; { [ -d "$d" ] || mkdir -p -- "$d"; } && : > "$d/heartbeat" && printf '%s\\n' "$2" > "$t" && { sync "$t" 2>/dev/null; mv -f -- "$t" "$d/owner"; } || exit 3
  echo ACQUIRED
else
  # the holder may be between its mkdir and its owner file: give it a moment
  i=0; while [ ! -s "$d/owner" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
  now=$(date +%s)
  m=$(stat -c %Y -- "$d/heartbeat" 2>/dev/null || stat -c %Y -- "$d/owner" 2>/dev/null || stat -c %Y -- "$d" 2>/dev/null)
  echo "HELD $((now - \${m:-$now}))"; cat -- "$d/owner" 2>/dev/null; exit 0
fi`;

// $1 lock dir, $2 run id. Touches the heartbeat only while this run holds the lock.
const RENEW = `d=$1; o=; [ -f "$d/owner" ] && read -r o < "$d/owner"
case $o in *"\\"runId\\":\\"$2\\""*) touch -- "$d/heartbeat" && echo RENEWED ;; *) echo NOTMINE ;; esac`;

// $1 lock dir, $2 run id, $3 marker JSON. Removes the lock only if this run holds it; writes the marker.
const RELEASE = `d=$1
case $d in */*) r=\${d%/*}; r=\${r:-/}/runs ;; *) r=runs ;; esac
{ [ -d "$r" ] || mkdir -p -- "$r"; } && printf '%s\\n' "$3" > "$r/$2.json.tmp" && mv -f -- "$r/$2.json.tmp" "$r/$2.json"
o=; [ -f "$d/owner" ] && read -r o < "$d/owner"
case $o in
  *"\\"runId\\":\\"$2\\""*) rm -f -- "$d/owner" "$d/heartbeat" "$d"/owner.tmp.*; rmdir -- "$d" 2>/dev/null; [ -d "$d" ] || echo RELEASED ;;
  *) # Several inventory hosts on one machine share the dir: another of them may be between its
     # rm and its rmdir. Give it a moment before calling the lock someone else's.
     i=0; while [ -d "$d" ] && [ ! -s "$d/owner" ] && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done
     if [ ! -d "$d" ]; then echo RELEASED; else echo NOTMINE; fi ;;
esac`;

export function lockOwner(runId: string, playbook: string, lease = DEFAULT_LOCK_LEASE_S, cluster?: string): LockOwner {
  return { runId, workstation: hostname(), pid: process.pid, time: new Date().toISOString(), playbook, user: process.env.USER ?? process.env.LOGNAME, lease, ...(cluster ? { cluster } : {}) };
}

/**
 * Why the holder of a lock is proven dead, or undefined when it may still be running (then
 * --break-lock refuses). `heartbeatAge`: seconds since the holder last renewed, by the host's clock.
 * - same workstation: dead iff its pid is gone (a live pid is never overruled by a late heartbeat:
 *   a suspended laptop resumes);
 * - a holder with a lease: dead iff its heartbeat is older than the lease;
 * - a holder without one (an older etcdplay): dead after STALE_LOCK_HOURS;
 * - no readable owner file: dead when nothing touched the lock for DEFAULT_LOCK_LEASE_S.
 */
export function staleReason(owner: LockOwner | undefined, now = Date.now(), maxHours = STALE_LOCK_HOURS, here = hostname(), heartbeatAge?: number): string | undefined {
  if (!owner) {
    if (heartbeatAge === undefined) return 'its owner file is missing or unreadable';
    return heartbeatAge > DEFAULT_LOCK_LEASE_S ? `its owner file is missing or unreadable and nothing touched the lock for ${heartbeatAge} s` : undefined;
  }
  if (owner.workstation === here && Number.isInteger(owner.pid) && owner.pid > 0) {
    return processAlive(owner.pid) ? undefined : `process ${owner.pid} on ${here} is gone`;
  }
  if (typeof owner.lease === 'number' && owner.lease > 0) {
    if (heartbeatAge === undefined) return undefined;
    return heartbeatAge > owner.lease ? `its heartbeat stopped: last renewed ${heartbeatAge} s ago, lease ${owner.lease} s` : undefined;
  }
  const t = Date.parse(owner.time);
  if (Number.isFinite(t) && now - t > maxHours * 3600_000) return `it has no heartbeat and is older than ${maxHours} hours (taken ${owner.time})`;
  return undefined;
}

/** Why a holder counts as alive (for the refusal of --break-lock). */
function aliveReason(h: Extract<LockOutcome, { state: 'held' }>, here = hostname()): string {
  const o = h.owner;
  if (!o) return `its owner file is unreadable but the lock was touched ${h.heartbeatAge ?? '?'} s ago`;
  if (o.workstation === here) return `process ${o.pid} is running on this workstation`;
  if (o.lease) return `its heartbeat was renewed ${h.heartbeatAge ?? '?'} s ago (lease ${o.lease} s)`;
  return `it has no heartbeat and is younger than ${STALE_LOCK_HOURS} hours`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text.trim()) as LockOwner;
    return o && typeof o.runId === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

export interface LockArgs {
  conn: Connection;
  host: string;
  dir: string;
  owner: LockOwner;
  become?: Become;
  becomePassword?: string;
  /** --break-lock: take the lock when its holder is proven dead (never from a live holder). */
  force?: boolean;
  /** A lock held by this run id is taken over (resume). */
  takeOver?: string;
  signal?: AbortSignal;
}

/** The lock dir without trailing slashes (the scripts take its parent by `\${d%/*}`). */
export function lockPath(dir: string): string {
  return dir.replace(/\/+$/, '') || '/';
}

export async function acquireLock(a: LockArgs, attempt = 1): Promise<LockOutcome> {
  const ex = (mode: 'try' | 'force', holder = '') =>
    a.conn.exec({ kind: 'exec', argv: ['sh', '-c', ACQUIRE, 'sh', lockPath(a.dir), JSON.stringify(a.owner), mode, holder] }, { become: a.become, becomePassword: a.becomePassword, timeoutMs: 30_000, signal: a.signal });
  const r = await ex('try');
  if (r.rc !== 0) return { state: 'error', host: a.host, msg: `cannot create the run lock ${a.dir}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `rc ${r.rc}`}` };
  const lines = r.stdout.split('\n');
  if (lines[0] === 'ACQUIRED') return { state: 'acquired', host: a.host };
  const age = Number(/^HELD (-?\d+)$/.exec(lines[0] ?? '')?.[1]);
  const heartbeatAge = Number.isFinite(age) ? Math.max(0, age) : undefined;
  const raw = lines.slice(1).join('\n').trim();
  const owner = parseOwner(raw);
  const stale = staleReason(owner, Date.now(), STALE_LOCK_HOURS, hostname(), heartbeatAge);
  // Re-entrant (several inventory hosts on one machine), --resume of the holder, --break-lock of a dead holder.
  if ((owner && (owner.runId === a.owner.runId || owner.runId === a.takeOver)) || (a.force && stale)) {
    const again = await ex('force', owner?.runId ?? '');
    if (again.rc === 0 && again.stdout.startsWith('ACQUIRED')) return { state: 'acquired', host: a.host };
    // The owner changed in between (another inventory host on the same machine took it for this
    // run, or a new run did): judge again.
    if (attempt < 3) return acquireLock(a, attempt + 1);
  }
  return { state: 'held', host: a.host, raw, ...(owner ? { owner } : {}), ...(stale ? { stale } : {}), ...(heartbeatAge !== undefined ? { heartbeatAge } : {}) };
}

/** Touch the heartbeat of a lock this run holds; false when it is not this run's any more. */
export async function renewLock(a: Omit<LockArgs, 'owner' | 'force' | 'takeOver'> & { runId: string }): Promise<boolean> {
  const r = await a.conn.exec({ kind: 'exec', argv: ['sh', '-c', RENEW, 'sh', lockPath(a.dir), a.runId] }, { become: a.become, becomePassword: a.becomePassword, timeoutMs: 30_000 });
  return r.rc === 0 && r.stdout.includes('RENEWED');
}

export async function releaseLock(a: Omit<LockArgs, 'owner' | 'force' | 'takeOver'> & { runId: string; marker: Record<string, unknown> }): Promise<boolean> {
  const r = await a.conn.exec({ kind: 'exec', argv: ['sh', '-c', RELEASE, 'sh', lockPath(a.dir), a.runId, JSON.stringify(a.marker)] }, { become: a.become, becomePassword: a.becomePassword, timeoutMs: 30_000 });
  return r.rc === 0 && r.stdout.includes('RELEASED');
}

/** The message for a refused run: who holds the lock, and whether (and how) it can be broken. */
export function heldMessage(held: Extract<LockOutcome, { state: 'held' }>[], resumeHint: string, breakLock = false): string {
  const lines: string[] = [];
  for (const h of held) {
    const o = h.owner;
    const who = o ? `run ${o.runId} (${o.playbook}) by ${o.user ? `${o.user}@` : ''}${o.workstation} pid ${o.pid}, since ${o.time}` : `an unreadable owner file (${h.raw.slice(0, 200) || 'empty'})`;
    lines.push(`  ${h.host}: locked by ${who}${h.stale ? `; its holder is dead: ${h.stale}` : `; alive: ${aliveReason(h)}`}`);
  }
  const stale = held.every((h) => h.stale);
  const runIds = [...new Set(held.map((h) => h.owner?.runId).filter(Boolean))];
  const clusters = [...new Set(held.map((h) => h.owner?.cluster).filter(Boolean))];
  let msg = `another etcdplay run holds the ${clusters.length ? `lock of cluster ${clusters.map((c) => `'${c}'`).join(', ')}` : 'cluster lock'}; nothing was changed:\n${lines.join('\n')}\n`;
  if (stale) {
    msg += `the lock looks stale. If no etcdplay run is working on these hosts any more, ${runIds.length === 1 ? `either resume that run: etcdplay run --resume ${runIds[0]} ..., or ` : ''}break the lock by rerunning with --break-lock: ${resumeHint} --break-lock`;
  } else {
    msg += `${breakLock ? '--break-lock refused: it breaks only the lock of a holder proven dead (its pid gone on this workstation, or its heartbeat older than its lease). ' : ''}wait until that run ends. A holder that died on another workstation stops renewing its heartbeat: once it is older than the lease, --break-lock takes the lock (${resumeHint} --break-lock)`;
  }
  return msg;
}
