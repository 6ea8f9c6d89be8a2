/**
 * The per-cluster run lock: a directory created atomically with `mkdir` on every host of the run
 * (default /var/lib/etcdplay/lock, host var `etcdplay_lock_dir`), with an `owner` file (JSON: run
 * id, workstation, pid, time, playbook). A second run is refused with the holder's details; a stale
 * lock is explained with the command that breaks it, never broken silently. The same run id
 * (`--resume`) takes its own lock over. Each host also keeps a marker of the runs that touched it:
 * <lock dir>/../runs/<runId>.json (last completed task, status).
 */
import { hostname } from 'node:os';
import type { Connection } from '../connection/connection.js';
import type { Become } from '../model/command.js';

export const DEFAULT_LOCK_DIR = '/var/lib/etcdplay/lock';
/** A lock older than this is reported as stale (still never broken without --break-lock). */
export const STALE_LOCK_HOURS = 12;

export interface LockOwner {
  runId: string;
  workstation: string;
  pid: number;
  time: string;
  playbook: string;
  user?: string;
}

export type LockOutcome =
  | { state: 'acquired'; host: string }
  | { state: 'held'; host: string; owner?: LockOwner; raw: string; stale?: string }
  | { state: 'error'; host: string; msg: string };

// The two scripts below run once per host per run: shell builtins where they do (parent dir by
// expansion, owner file by `read`), so each costs 3 processes instead of 7.
// $1 lock dir, $2 owner JSON, $3 mode: try | force. Prints ACQUIRED, or HELD and the owner file.
const ACQUIRE = `d=$1
case $d in */*) p=\${d%/*}; p=\${p:-/} ;; *) p=. ;; esac
[ -d "$p" ] || mkdir -p -- "$p" || exit 3
if mkdir -- "$d" 2>/dev/null || [ "$3" = force ]; then
  t="$d/owner.tmp.$$"; { [ -d "$d" ] || mkdir -p -- "$d"; } && printf '%s\\n' "$2" > "$t" && { sync "$t" 2>/dev/null; mv -f -- "$t" "$d/owner"; } || exit 3
  echo ACQUIRED
else
  # the holder may be between its mkdir and its owner file: give it a moment
  i=0; while [ ! -s "$d/owner" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
  echo HELD; cat -- "$d/owner" 2>/dev/null; exit 0
fi`;

// $1 lock dir, $2 run id, $3 marker JSON. Removes the lock only if this run holds it; writes the marker.
const RELEASE = `d=$1
case $d in */*) r=\${d%/*}; r=\${r:-/}/runs ;; *) r=runs ;; esac
{ [ -d "$r" ] || mkdir -p -- "$r"; } && printf '%s\\n' "$3" > "$r/$2.json.tmp" && mv -f -- "$r/$2.json.tmp" "$r/$2.json"
o=; [ -f "$d/owner" ] && read -r o < "$d/owner"
case $o in
  *"\\"runId\\":\\"$2\\""*) rm -f -- "$d/owner" "$d"/owner.tmp.*; rmdir -- "$d" 2>/dev/null; [ -d "$d" ] || echo RELEASED ;;
  *) # Several inventory hosts on one machine share the dir: another of them may be between its
     # rm and its rmdir. Give it a moment before calling the lock someone else's.
     i=0; while [ -d "$d" ] && [ ! -s "$d/owner" ] && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done
     if [ ! -d "$d" ]; then echo RELEASED; else echo NOTMINE; fi ;;
esac`;

export function lockOwner(runId: string, playbook: string): LockOwner {
  return { runId, workstation: hostname(), pid: process.pid, time: new Date().toISOString(), playbook, user: process.env.USER ?? process.env.LOGNAME };
}

/** Why a held lock looks stale, or undefined when its holder may still be running. */
export function staleReason(owner: LockOwner | undefined, now = Date.now(), maxHours = STALE_LOCK_HOURS, here = hostname()): string | undefined {
  if (!owner) return 'its owner file is missing or unreadable';
  if (owner.workstation === here && Number.isInteger(owner.pid) && owner.pid > 0 && !processAlive(owner.pid)) {
    return `process ${owner.pid} on ${here} is gone`;
  }
  const t = Date.parse(owner.time);
  if (Number.isFinite(t) && now - t > maxHours * 3600_000) return `it is older than ${maxHours} hours (taken ${owner.time})`;
  return undefined;
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
  /** Take the lock even when held: --break-lock, or --resume of the run that holds it. */
  force?: boolean;
  /** A lock held by this run id is taken over (resume). */
  takeOver?: string;
  signal?: AbortSignal;
}

/** The lock dir without trailing slashes (the scripts take its parent by `\${d%/*}`). */
export function lockPath(dir: string): string {
  return dir.replace(/\/+$/, '') || '/';
}

export async function acquireLock(a: LockArgs): Promise<LockOutcome> {
  const ex = (mode: 'try' | 'force') =>
    a.conn.exec({ kind: 'exec', argv: ['sh', '-c', ACQUIRE, 'sh', lockPath(a.dir), JSON.stringify(a.owner), mode] }, { become: a.become, becomePassword: a.becomePassword, timeoutMs: 30_000, signal: a.signal });
  const r = await ex(a.force ? 'force' : 'try');
  if (r.rc !== 0) return { state: 'error', host: a.host, msg: `cannot create the run lock ${a.dir}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `rc ${r.rc}`}` };
  const lines = r.stdout.split('\n');
  if (lines[0] === 'ACQUIRED') return { state: 'acquired', host: a.host };
  const raw = lines.slice(1).join('\n').trim();
  const owner = parseOwner(raw);
  // Re-entrant (several inventory hosts on one machine) and --resume of the holder.
  if (owner && (owner.runId === a.owner.runId || owner.runId === a.takeOver)) {
    const again = await ex('force');
    if (again.rc === 0 && again.stdout.startsWith('ACQUIRED')) return { state: 'acquired', host: a.host };
  }
  const stale = staleReason(owner);
  return { state: 'held', host: a.host, raw, ...(owner ? { owner } : {}), ...(stale ? { stale } : {}) };
}

export async function releaseLock(a: Omit<LockArgs, 'owner' | 'force' | 'takeOver'> & { runId: string; marker: Record<string, unknown> }): Promise<boolean> {
  const r = await a.conn.exec({ kind: 'exec', argv: ['sh', '-c', RELEASE, 'sh', lockPath(a.dir), a.runId, JSON.stringify(a.marker)] }, { become: a.become, becomePassword: a.becomePassword, timeoutMs: 30_000 });
  return r.rc === 0 && r.stdout.includes('RELEASED');
}

/** The message for a refused run: who holds the lock, and (if stale) how to break it. */
export function heldMessage(held: Extract<LockOutcome, { state: 'held' }>[], resumeHint: string): string {
  const lines: string[] = [];
  for (const h of held) {
    const o = h.owner;
    const who = o ? `run ${o.runId} (${o.playbook}) by ${o.user ? `${o.user}@` : ''}${o.workstation} pid ${o.pid}, since ${o.time}` : `an unreadable owner file (${h.raw.slice(0, 200) || 'empty'})`;
    lines.push(`  ${h.host}: locked by ${who}${h.stale ? `; looks stale: ${h.stale}` : ''}`);
  }
  const stale = held.every((h) => h.stale);
  const runIds = [...new Set(held.map((h) => h.owner?.runId).filter(Boolean))];
  let msg = `another etcdplay run holds the cluster lock; nothing was changed:\n${lines.join('\n')}\n`;
  if (stale) {
    msg += `the lock looks stale. If no etcdplay run is working on these hosts any more, ${runIds.length === 1 ? `either resume that run: etcdplay run --resume ${runIds[0]} ..., or ` : ''}break the lock by rerunning with --break-lock: ${resumeHint} --break-lock`;
  } else {
    msg += `wait until that run ends. If you are sure it is dead (e.g. its workstation crashed), rerun with --break-lock: ${resumeHint} --break-lock`;
  }
  return msg;
}
