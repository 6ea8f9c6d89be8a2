/**
 * The version-path planner (pure): from the versions the members run and the target version,
 * choose how to get there, or refuse with the reason.
 *
 *   same minor, lower patch         -> patch-rolling      (swap binaries member by member, leader last)
 *   one minor down                  -> snapshot-restore   (offline: snapshot, stop all, install, restore all)
 *   3.5 -> 3.4.32+, prefer online   -> rolling-compatible (3.4 members with --next-cluster-version-compatible)
 *   3.6+ -> one minor down          -> downgrade-api      (etcdctl downgrade validate/enable, then swap)
 *   more than one minor             -> one minor at a time (refused unless allowMultiStep)
 *   in-place binary swap across minors, upgrades, mixed minors, v2 -> refused with the reason
 *
 * A snapshot restore across minors (a newer minor's snapshot restored by the older minor's tool)
 * is not promised upstream (etcd #13070): only the pairs in PROVEN_RESTORES are planned; the
 * others (3.6 -> 3.5, where the downgrade API is the supported way; 3.3 -> 3.2 and older) are
 * refused unless allowUnprovenRestore. docs/downgrade.md "Version paths" lists every case; a unit
 * test walks that table through this planner.
 */
import { compareVersions, formatVersion, minorOf, parseVersion, sameMinor, type EtcdVersion } from './version.js';

export type PathMethod = 'none' | 'patch-rolling' | 'snapshot-restore' | 'rolling-compatible' | 'downgrade-api' | 'multi-step';

export interface VersionStep {
  from: string;
  to: string;
  method: Exclude<PathMethod, 'none' | 'multi-step'>;
  why: string;
}

export interface VersionPathInput {
  /** Server (or binary) version of every member. */
  current: string[];
  /** Cluster version as the cluster reports it (e.g. "3.5.0"); derived from `current` if absent. */
  clusterVersion?: string;
  target: string;
  /** Versions the package manager offers (upstream "3.4.23" or package "3.4.23-4+b4"). */
  available?: string[];
  /** offline: snapshot restore for minor steps (default); online: rolling paths where etcd supports them. */
  prefer?: 'offline' | 'online';
  /** Force a method; refused with the reason when it cannot work. */
  method?: Exclude<PathMethod, 'none' | 'multi-step'>;
  authEnabled?: boolean;
  /** Accept a path of several one-minor steps (each step is its own run). */
  allowMultiStep?: boolean;
  /** Plan a snapshot restore across minors that is not in PROVEN_RESTORES (e.g. 3.6 -> 3.5). */
  allowUnprovenRestore?: boolean;
}

/**
 * Minor steps down whose snapshot restore (older minor's tool, newer minor's snapshot) is known to
 * work: 3.5 -> 3.4 verified here (3.5.16 -> 3.4.23: integration test and e2e, plain and TLS);
 * 3.4 -> 3.3 verified (3.4.23 -> 3.3.25: test/e2e/etcd-downgrade-33.test.ts, TLS, and on loopback).
 */
export const PROVEN_RESTORES: readonly string[] = ['3.5->3.4', '3.4->3.3'];

export interface VersionPath {
  ok: boolean;
  method?: PathMethod;
  /** Why not, when ok is false: one paragraph a human can act on. */
  reason?: string;
  steps: VersionStep[];
  /** The version this run should install (the first step's target). */
  next?: string;
  from?: string;
  target?: string;
  clusterVersion?: string;
  notes: string[];
  /** One line for `etcdplay plan` and the run log. */
  summary: string;
}

/** The exact error etcd prints when an older binary starts on a newer cluster's data. */
export function inPlaceSwapError(binary: string, clusterVersion: string): string {
  const c = parseVersion(clusterVersion);
  const cv = c ? minorOf(c) : clusterVersion;
  return `cluster cannot be downgraded (current version: ${binary} is lower than determined cluster version: ${cv})`;
}

function refuse(reason: string, extra: Partial<VersionPath> = {}): VersionPath {
  return { ok: false, reason, steps: [], notes: [], summary: `refused: ${reason}`, ...extra };
}

function pickAvailable(available: string[] | undefined, major: number, minor: number): string | undefined {
  if (!available) return undefined;
  const vs = available.map((a) => parseVersion(a)).filter((v): v is EtcdVersion => !!v && v.major === major && v.minor === minor);
  vs.sort(compareVersions);
  const best = vs[vs.length - 1];
  return best ? formatVersion(best) : undefined;
}

/** Choose how one minor step down (from -> to) is done. */
function minorStep(from: EtcdVersion, to: EtcdVersion, input: VersionPathInput, notes: string[]): VersionStep | string {
  const f = formatVersion(from);
  const t = formatVersion(to);
  const forced = input.method;
  const rollingOk = from.major === 3 && from.minor === 5 && to.minor === 4 && to.patch >= 32;
  const whyNoRolling = !(from.major === 3 && from.minor === 5 && to.minor === 4)
    ? `rolling with --next-cluster-version-compatible exists only for 3.5 -> 3.4`
    : to.patch < 32
      ? `rolling 3.5 -> 3.4 needs 3.4.32 or later (the --next-cluster-version-compatible flag); ${t} does not have it`
      : input.authEnabled
        ? `rolling 3.5 -> 3.4 is not supported with auth enabled`
        : '';
  const apiOk = from.major === 3 && from.minor >= 6;
  if (forced === 'patch-rolling') {
    return `an in-place binary swap from ${f} to ${t} fails: the older member refuses to start with "${inPlaceSwapError(t, input.clusterVersion ?? minorOf(from))}"; use snapshot-restore${rollingOk ? ' or rolling-compatible' : ''}${apiOk ? ' or downgrade-api' : ''}`;
  }
  if (forced === 'rolling-compatible') {
    if (!rollingOk || input.authEnabled) return whyNoRolling || `rolling-compatible cannot be used from ${f} to ${t}`;
    return { from: f, to: t, method: 'rolling-compatible', why: `3.4.32+ members join a 3.5 cluster with --next-cluster-version-compatible; members restarted one by one` };
  }
  if (forced === 'downgrade-api') {
    if (!apiOk) return `the downgrade API (etcdctl downgrade enable) exists from etcd 3.6; ${f} members cannot use it`;
    return { from: f, to: t, method: 'downgrade-api', why: `etcdctl downgrade validate/enable ${minorOf(to)}, wait for storage version ${minorOf(to)}.0, then swap binaries leader last` };
  }
  if (forced === 'snapshot-restore' || !forced) {
    if (!forced && apiOk && input.prefer !== 'offline') {
      return { from: f, to: t, method: 'downgrade-api', why: `etcd ${minorOf(from)} supports the downgrade API: validate/enable ${minorOf(to)}, wait for storage version, swap binaries leader last` };
    }
    if (!forced && input.prefer === 'online') {
      if (rollingOk && !input.authEnabled) {
        return { from: f, to: t, method: 'rolling-compatible', why: `3.4.32+ members join a 3.5 cluster with --next-cluster-version-compatible` };
      }
      notes.push(`online path not possible: ${whyNoRolling}; using the offline snapshot restore`);
    }
    if (!PROVEN_RESTORES.includes(`${minorOf(from)}->${minorOf(to)}`)) {
      const unproven = `restoring a ${minorOf(from)} snapshot with ${minorOf(to)} tools is not proven: upstream does not promise that an older minor's tool restores a newer minor's snapshot (etcd #13070) and etcdplay has not verified ${minorOf(from)} -> ${minorOf(to)}`;
      if (!input.allowUnprovenRestore) {
        return `${unproven}${apiOk ? `; for ${minorOf(from)} the supported way is the downgrade API (method downgrade-api, not shipped)` : ''}. Rehearse it in the lab, then set allow_unproven_restore (etcd_allow_unproven_restore=true) to plan it anyway`;
      }
      notes.push(`${unproven}; planned because allow_unproven_restore is set: rehearse it in the lab`);
    }
    return {
      from: f,
      to: t,
      method: 'snapshot-restore',
      why: `one minor down: an older binary refuses the newer data dir, so the data comes back through a snapshot restored with the ${t} tools into fresh data dirs`,
    };
  }
  return `unknown method ${String(forced)}`;
}

export function planVersionPath(input: VersionPathInput): VersionPath {
  const notes: string[] = [];
  const target = parseVersion(input.target);
  if (!target) return refuse(`target version ${JSON.stringify(input.target)} is not a version (want e.g. 3.4.23)`);
  const t = formatVersion(target);
  if (!input.current.length) return refuse(`no member versions known: gather facts (etcd_facts) first`);
  const current: EtcdVersion[] = [];
  for (const c of input.current) {
    const v = parseVersion(c);
    if (!v) return refuse(`member version ${JSON.stringify(c)} is not a version`);
    current.push(v);
  }
  const sorted = [...current].sort(compareVersions);
  const low = sorted[0]!;
  const high = sorted[sorted.length - 1]!;
  const from = formatVersion(high);
  const base = { from, target: t };
  const minors = [...new Set(current.map(minorOf))];
  if (minors.length > 1) {
    return refuse(
      `members run different minor versions (${[...new Set(current.map(formatVersion))].join(', ')}): an upgrade or downgrade is unfinished; finish or revert it before planning another`,
      base,
    );
  }
  const clusterVersion = input.clusterVersion ? (parseVersion(input.clusterVersion) ?? low) : { ...low, patch: 0, raw: `${minorOf(low)}.0` };
  const cv = `${minorOf(clusterVersion)}.0`;
  const withCv = { ...base, clusterVersion: cv };

  if (input.available && !input.available.some((a) => { const v = parseVersion(a); return !!v && compareVersions(v, target) === 0; })) {
    return refuse(`target ${t} is not available from the package manager (available: ${input.available.join(', ') || 'none'})`, withCv);
  }
  if (target.major !== high.major) {
    return refuse(`${from} -> ${t} crosses a major version; etcd has no downgrade path across majors`, withCv);
  }
  if (current.every((c) => compareVersions(c, target) === 0)) {
    return { ok: true, method: 'none', steps: [], notes, summary: `every member already runs ${t}: nothing to do`, ...withCv };
  }
  if (compareVersions(target, high) > 0) {
    return refuse(`${from} -> ${t} is an upgrade; the downgrade playbooks do not upgrade (follow etcd's upgrade guide)`, withCv);
  }
  if (compareVersions(target, low) > 0) {
    notes.push(`members on ${formatVersion(low)} are below the target and will be moved up to ${t}`);
  }

  if (sameMinor(target, high)) {
    if (clusterVersion.minor > target.minor && clusterVersion.major === target.major) {
      return refuse(inPlaceSwapError(t, cv), withCv);
    }
    if (input.method && input.method !== 'patch-rolling' && input.method !== 'snapshot-restore') {
      return refuse(`${input.method} is for a minor step down; ${from} -> ${t} stays in ${minorOf(target)}: use patch-rolling`, withCv);
    }
    const method = input.method ?? 'patch-rolling';
    const step: VersionStep = method === 'patch-rolling'
      ? { from, to: t, method, why: `same minor (${minorOf(target)}): the data format is the same, members are swapped one at a time, leader last` }
      : { from, to: t, method: 'snapshot-restore', why: `forced offline restore within ${minorOf(target)}` };
    return { ok: true, method: step.method, steps: [step], next: t, notes, summary: `${from} -> ${t}: ${step.method} (${step.why})`, ...withCv };
  }

  // target is in a lower minor
  const gap = high.minor - target.minor;
  const steps: VersionStep[] = [];
  let cur = high;
  for (let k = 1; k <= gap; k++) {
    const isLast = k === gap;
    let toText: string | undefined;
    if (isLast) toText = t;
    else {
      toText = pickAvailable(input.available, high.major, high.minor - k);
      if (!toText) {
        return refuse(
          `${from} -> ${t} skips ${gap - 1} minor version(s); etcd goes down one minor at a time and no ${high.major}.${high.minor - k}.x is known to be available for the intermediate step`,
          withCv,
        );
      }
    }
    const to = parseVersion(toText)!;
    const s = minorStep(cur, to, { ...input, clusterVersion: `${minorOf(cur)}.0` }, notes);
    if (typeof s === 'string') return refuse(s, { ...withCv, notes });
    steps.push(s);
    cur = to;
  }
  if (steps.length > 1) {
    const list = steps.map((s) => `${s.from} -> ${s.to} (${s.method})`).join(', then ');
    if (!input.allowMultiStep) {
      return refuse(`${from} -> ${t} crosses ${steps.length} minor versions; etcd supports one minor at a time: ${list}. Run each step on its own (target ${steps[0]!.to} first), or allow multi-step`, { ...withCv, steps, notes });
    }
    notes.push(`this run goes to ${steps[0]!.to}; run again for the next step`);
    return { ok: true, method: 'multi-step', steps, next: steps[0]!.to, notes, summary: `${from} -> ${t} in ${steps.length} steps: ${list}`, ...withCv };
  }
  const s = steps[0]!;
  return { ok: true, method: s.method, steps, next: s.to, notes, summary: `${from} -> ${t}: ${s.method} (${s.why})`, ...withCv };
}
