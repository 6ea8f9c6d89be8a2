/**
 * What became of the cluster, from a run's events alone (a pure function: the terminal views call
 * it after the recap, `etcdplay report` and report.html on an events.jsonl, old runs included):
 * the path taken and why, each member's version before and after, keys and revision before and
 * after, the writers fenced and unfenced, the verified snapshot, the data dirs moved aside, how
 * long etcd was down (first stop to healthy), the total time and the rollback command.
 * Only etcd runs get the etcd part (`etcd` is undefined when no etcd module ran).
 */
import type { EngineEvent } from '../model/event.js';
import type { HostStatus, Recap, TaskResult } from '../model/result.js';
import { statusSnapshots, type StatusView } from './etcd-status.js';
import { buildTimeline, type Timeline } from './timeline.js';

export type Outcome = 'ok' | 'failed' | 'rescued' | 'interrupted' | 'unfinished';

export interface MemberChange {
  host: string;
  endpoint?: string;
  from?: string;
  to?: string;
}

export interface FenceLine {
  host: string;
  state: string;
  /** What was stopped (fenced) or started/restarted (unfenced). */
  what: string[];
  failed: boolean;
}

export interface EtcdSummary {
  path?: { method?: string; summary?: string; why: string[]; ok: boolean; reason?: string };
  members: MemberChange[];
  before: { keys?: number; revision?: number };
  after: { keys?: number; revision?: number };
  /** undefined: no fence task ran; [] with `fenceSkipped`: the group was empty. */
  fenced: FenceLine[];
  unfenced: FenceLine[];
  fenceTasks: boolean;
  snapshot?: { file: string; sha256?: string; host: string; revision?: number; keys?: number; on: string[]; checked: boolean };
  /** Data dirs moved aside, and whether a rescue moved them back. */
  asides: { host: string; dataDir?: string; aside: string; movedBack: boolean }[];
  /** etcd down: from the first stop to the first healthy gate after it (ms since run start). */
  down?: { from: number; to?: number; ms?: number; stoppedOn: string[] };
  rescued: boolean;
  verified?: string;
  rollback: { command?: string; why: string };
}

export interface RunSummaryView {
  runId?: string;
  playbook?: string;
  check: boolean;
  startedAt?: string;
  totalMs: number;
  exitCode?: number;
  outcome: Outcome;
  recap?: Record<string, Recap>;
  failures: { taskId: string; task: string; host: string; status: HostStatus; msg: string; output: string }[];
  timeline: Timeline;
  tables: StatusView[];
  etcd?: EtcdSummary;
}

const rec = (v: unknown): Record<string, any> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : undefined);
const numOr = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const words = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && !!x) : []);

/** A shell word as the user would type it (only for paths shown in a hint). */
function shWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : file.slice(0, i);
}

function baseOf(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

export function failureText(r: TaskResult): { msg: string; output: string } {
  const msg = typeof r.msg === 'string' && r.msg ? r.msg : typeof r.stderr === 'string' && r.stderr.trim() ? r.stderr.trim().split('\n').pop()! : typeof r.rc === 'number' ? `rc=${r.rc}` : 'failed';
  const parts: string[] = [];
  if (typeof r.stdout === 'string' && r.stdout.trim()) parts.push(r.stdout.replace(/\n$/, ''));
  if (typeof r.stderr === 'string' && r.stderr.trim()) parts.push(r.stderr.replace(/\n$/, ''));
  return { msg, output: parts.join('\n') };
}

/** The summary of a run from its events (in the order they were written). */
export function summarize(events: readonly EngineEvent[]): RunSummaryView {
  const timeline = buildTimeline(events);
  const tables = statusSnapshots(events);
  const tasks = new Map<string, { name: string; module?: string }>();
  const first = events.find((e): e is Extract<EngineEvent, { type: 'run.start' }> => e.type === 'run.start');
  let end: Extract<EngineEvent, { type: 'run.end' }> | undefined;
  let inventory: string[] | undefined;
  let anyRescued = false;
  const failures: RunSummaryView['failures'] = [];
  const byModule = new Map<string, { e: Extract<EngineEvent, { type: 'host.end' }>; task: string; at?: number }[]>();
  for (const e of events) {
    if (e.type === 'run.start' && e.inventory?.length) inventory = e.inventory;
    else if (e.type === 'task.start') tasks.set(e.taskId, { name: e.name, ...(e.module ? { module: e.module } : {}) });
    else if (e.type === 'host.end') {
      const t = tasks.get(e.taskId);
      if (e.status === 'rescued' || (/\.rescue\.\d+/.test(e.taskId) && e.status !== 'skipped')) anyRescued = true;
      if (e.status === 'failed' || e.status === 'unreachable') failures.push({ taskId: e.taskId, task: t?.name ?? e.taskId, host: e.host, status: e.status, ...failureText(e.result ?? { changed: false, failed: true }) });
      const m = t?.module;
      if (m) {
        let l = byModule.get(m);
        if (!l) byModule.set(m, (l = []));
        l.push({ e, task: t.name, ...(e.at !== undefined ? { at: e.at } : {}) });
      }
    } else if (e.type === 'run.end') end = e;
  }
  const rescued = anyRescued || Object.values(end?.recap ?? {}).some((r) => r.rescued > 0);
  const outcome: Outcome = !end ? 'unfinished' : end.interrupted ? 'interrupted' : end.exitCode !== 0 ? 'failed' : rescued ? 'rescued' : 'ok';
  const view: RunSummaryView = {
    check: !!first?.check,
    totalMs: end && timeline.starts.length <= 1 ? Math.max(end.durationMs, timeline.totalMs) : timeline.totalMs,
    outcome,
    failures,
    timeline,
    tables,
    ...(first ? { runId: first.runId, playbook: first.playbook, startedAt: first.time } : {}),
    ...(end ? { exitCode: end.exitCode, recap: end.recap } : {}),
  };
  if ([...byModule.keys()].some((m) => m.startsWith('etcd_'))) view.etcd = etcdPart(byModule, tables, timeline, { playbook: first?.playbook, inventory, check: !!first?.check, outcome, rescued });
  return view;
}

type ByModule = Map<string, { e: Extract<EngineEvent, { type: 'host.end' }>; task: string; at?: number }[]>;

function etcdPart(byModule: ByModule, tables: StatusView[], tl: Timeline, run: { playbook?: string; inventory?: string[]; check: boolean; outcome: Outcome; rescued: boolean }): EtcdSummary {
  const get = (m: string) => byModule.get(m) ?? [];
  const order = (h: string) => (tl.hosts.indexOf(h) + 1 || 1e9);
  const s: EtcdSummary = { members: [], before: {}, after: {}, fenced: [], unfenced: [], fenceTasks: false, asides: [], rescued: run.rescued, rollback: { why: '' } };

  // the path: the first successful (or else the last) etcd_version_path result
  const paths = get('etcd_version_path');
  const p = paths.find((x) => rec(x.e.result?.data)?.ok === true) ?? paths[paths.length - 1];
  const pd = rec(p?.e.result?.data);
  if (pd) {
    const steps = Array.isArray(pd.steps) ? pd.steps.map(rec).filter(Boolean) as Record<string, any>[] : [];
    s.path = {
      ok: pd.ok === true,
      why: steps.map((x) => `${x.from ?? '?'} -> ${x.to ?? '?'}${x.method && x.method !== pd.method ? ` ${x.method}` : ''}${x.why ? ` (${x.why})` : ''}`),
      ...(typeof pd.method === 'string' ? { method: pd.method } : {}),
      ...(typeof pd.summary === 'string' ? { summary: pd.summary } : {}),
      ...(typeof p?.e.result?.msg === 'string' && !pd.ok ? { reason: p.e.result.msg } : {}),
    };
  }

  // members: versions before (first facts / first table) and after (last table)
  const members = new Map<string, MemberChange>();
  for (const f of get('etcd_facts')) {
    const d = rec(f.e.result?.data);
    if (!d) continue;
    const m = members.get(f.e.host) ?? { host: f.e.host };
    if (typeof d.endpoint === 'string' && d.endpoint) m.endpoint = d.endpoint;
    if (m.from === undefined && typeof d.version === 'string' && d.version) m.from = d.version;
    members.set(f.e.host, m);
  }
  const byEndpoint = (ep: string) => [...members.values()].find((m) => m.endpoint === ep);
  const firstTable = tables[0]?.snapshot;
  const lastTable = tables[tables.length - 1]?.snapshot;
  for (const r of firstTable?.rows ?? []) {
    const m = byEndpoint(r.endpoint) ?? members.get(r.member) ?? { host: r.member, endpoint: r.endpoint };
    m.from ??= r.version;
    members.set(m.host, m);
  }
  for (const r of lastTable?.rows ?? []) {
    const m = byEndpoint(r.endpoint) ?? members.get(r.member) ?? { host: r.member, endpoint: r.endpoint };
    m.to = r.version;
    members.set(m.host, m);
  }
  s.members = [...members.values()].sort((a, b) => order(a.host) - order(b.host));

  // keys and revision: before from the snapshot manifest (else the first table), after from the last health gate / verification / table
  const snap = get('etcd_snapshot_save').find((x) => x.e.status === 'changed' || x.e.status === 'ok');
  const sd = rec(snap?.e.result?.data);
  if (snap && sd && typeof sd.file === 'string') {
    const on = get('etcd_snapshot_distribute').filter((x) => (x.e.status === 'ok' || x.e.status === 'changed') && rec(x.e.result?.data)?.verified !== false).map((x) => x.e.host);
    s.snapshot = {
      file: sd.file,
      host: typeof snap.e.result?.runsOn === 'string' ? snap.e.result.runsOn : snap.e.host,
      on: [...new Set(on)],
      checked: on.length > 0,
      ...(typeof sd.sha256 === 'string' ? { sha256: sd.sha256 } : {}),
      ...(numOr(sd.revision ?? rec(sd.status)?.revision) !== undefined ? { revision: numOr(sd.revision ?? rec(sd.status)?.revision)! } : {}),
      ...(numOr(sd.keyCount) !== undefined ? { keys: numOr(sd.keyCount)! } : {}),
    };
    s.before = { ...(s.snapshot.keys !== undefined ? { keys: s.snapshot.keys } : {}), ...(s.snapshot.revision !== undefined ? { revision: s.snapshot.revision } : {}) };
  }
  if (s.before.revision === undefined && firstTable?.rows.length) s.before.revision = Math.max(...firstTable.rows.map((r) => r.revision));
  const healthy = get('etcd_wait_healthy').filter((x) => x.e.status === 'ok');
  const lastHealthy = rec(healthy[healthy.length - 1]?.e.result?.data);
  if (lastHealthy) {
    if (numOr(lastHealthy.keyCount) !== undefined) s.after.keys = numOr(lastHealthy.keyCount)!;
    if (numOr(lastHealthy.revision) !== undefined) s.after.revision = numOr(lastHealthy.revision)!;
  }
  const verify = get('etcd_verify_data').filter((x) => x.e.status === 'ok');
  const vd = rec(verify[verify.length - 1]?.e.result?.data);
  if (vd) {
    if (numOr(vd.keyCount) !== undefined) s.after.keys = numOr(vd.keyCount)!;
    if (numOr(vd.revision) !== undefined) s.after.revision = numOr(vd.revision)!;
    if (typeof verify[verify.length - 1]!.e.result.msg === 'string') s.verified = verify[verify.length - 1]!.e.result.msg as string;
  }
  if (lastTable?.rows.length && lastTable !== firstTable) s.after.revision = Math.max(...lastTable.rows.map((r) => r.revision));

  // writers: every etcd_fence item that ran for real (not the check_mode preview)
  const seenFence = new Set<string>();
  for (const f of get('etcd_fence')) {
    s.fenceTasks = true;
    const items = Array.isArray(f.e.result?.results) ? (f.e.result.results as TaskResult[]) : [f.e.result];
    for (const it of items) {
      const d = rec(it?.data);
      if (!d || it.wouldChange !== undefined || typeof d.host !== 'string') continue;
      const key = `${f.e.taskId}\u0000${d.host}`;
      if (seenFence.has(key)) continue; // run_once: copied to every host
      seenFence.add(key);
      const line: FenceLine = { host: d.host, state: String(d.state), failed: !!it.failed, what: d.state === 'fenced' ? [...words(d.stopped), ...words(d.moved)] : [...words(d.started), ...words(d.restarted)] };
      (d.state === 'fenced' ? s.fenced : s.unfenced).push(line);
    }
  }

  // data dirs moved aside, and moved back by a rescue
  for (const a of get('etcd_data_move_aside')) {
    const d = rec(a.e.result?.data);
    if (!d) continue;
    if (d.moved === true && typeof d.aside === 'string' && !s.asides.some((x) => x.host === a.e.host && x.aside === d.aside)) {
      s.asides.push({ host: a.e.host, aside: d.aside, movedBack: false, ...(typeof d.dataDir === 'string' ? { dataDir: d.dataDir } : {}) });
    }
    if (d.movedBack === true) for (const x of s.asides) if (x.host === a.e.host && (x.aside === d.from || d.from === undefined)) x.movedBack = true;
  }

  // down: the first etcd_service stop that changed something, to the first passing health gate after it
  const stops = get('etcd_service').filter((x) => rec(x.e.result?.data)?.state === 'stopped' && (x.e.status === 'changed' || x.e.status === 'ok'));
  const span = (x: { e: { taskId: string; host: string } }) => tl.tasks.find((t) => t.taskId === x.e.taskId)?.hosts.find((h) => h.host === x.e.host);
  const firstStop = stops.map((x) => span(x)).filter(Boolean).sort((a, b) => a!.start - b!.start)[0];
  if (firstStop) {
    const up = healthy.map((x) => span(x)).filter((h) => h && h.end >= firstStop.start).sort((a, b) => a!.end - b!.end)[0];
    s.down = { from: firstStop.start, stoppedOn: [...new Set(stops.map((x) => x.e.host))], ...(up ? { to: up.end, ms: up.end - firstStop.start } : {}) };
  }

  s.asides.sort((a, b) => order(a.host) - order(b.host));
  s.rollback = rollbackHint(s, run);
  return s;
}

function rollbackHint(s: EtcdSummary, run: { playbook?: string; inventory?: string[]; check: boolean; outcome: Outcome }): EtcdSummary['rollback'] {
  if (run.check) return { why: 'a --check run: nothing was changed, nothing to roll back' };
  const pb = run.playbook ?? '';
  if (baseOf(pb) === 'etcd-rollback.yml') return { why: 'this run was the rollback' };
  const kept = s.asides.filter((a) => !a.movedBack);
  if (!kept.length) {
    if (s.asides.length) return { why: 'nothing to roll back: the rescue moved every data dir back and reinstalled the original version' };
    return { why: 'nothing to roll back: no data dir was moved aside' };
  }
  const inv = run.inventory?.length ? run.inventory.map((i) => `-i ${shWord(i)}`).join(' ') : '-i INVENTORY';
  const asides = [...new Set(kept.map((a) => a.aside))];
  const pick = asides.length === 1 ? ` -e ${shWord(`etcd_rollback_backup=${asides[0]}`)}` : '';
  return {
    command: `etcdplay run ${shWord(`${dirOf(pb || 'playbooks/x')}/etcd-rollback.yml`)} ${inv}${pick} --yes`,
    why: `puts back the data dir${kept.length > 1 ? 's' : ''} moved aside and the etcd version ${kept.length > 1 ? 'they belong' : 'it belongs'} to (writes made since are lost)${run.inventory?.length ? '' : '; this run did not record its inventory'}`,
  };
}
