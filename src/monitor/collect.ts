/**
 * Pure: the probe's output (probe.ts) -> one MemberSample, using the etcd modules' parsers; and
 * the samples -> metric families (Prometheus names, units, HELP texts), which exposition.ts
 * writes as text. Documented series by series in docs/monitor.md.
 */
import { parseAlarmList, parseEndpointStatus, parseHealthText, parseToolVersion, parseVersionEndpoint, sectionMap } from '../modules/etcd/parse.js';

/** What one probe of one member found. */
export interface MemberSample {
  member: string;
  endpoint: string;
  /** The probe ran over SSH (the host answered). */
  sshUp: boolean;
  /** The probe ran and its output was read: what follows is known (whether the member is up or not). */
  probeOk: boolean;
  /** The member answered `endpoint status`. */
  up: boolean;
  /** Why not (SSH or etcdctl error, one line, bounded). */
  error?: string;
  /** An etcd process of this member runs on the host (undefined: not known). */
  running?: boolean;
  id?: string;
  clusterId?: string;
  name?: string;
  serverVersion?: string;
  clusterVersion?: string;
  storageVersion?: string;
  binaryVersion?: string;
  healthy?: boolean;
  isLeader?: boolean;
  isLearner?: boolean;
  leaderId?: string;
  dbSizeBytes?: number;
  dbSizeInUseBytes?: number;
  revision?: number;
  raftIndex?: number;
  raftAppliedIndex?: number;
  raftTerm?: number;
  /** Alarms raised on this member (NOSPACE, CORRUPT), when the alarm list was read. */
  alarms?: string[];
  /** When the probe started (ms since the epoch) and how long it took. */
  timestampMs: number;
  durationSeconds: number;
}

/** Every alarm etcd knows: each gets a series (0 or 1) so "no alarm" is a value, not an absence. */
export const ALARM_TYPES = ['NOSPACE', 'CORRUPT'] as const;

const MAX_ERROR = 200;

/** The last meaningful line of an error text, bounded (a label value and a log line). */
export function oneLine(text: string): string {
  // zap log lines ({"level":...}) and an empty JSON answer ([] / {}) say less than the line before them
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('{"level"') && !/^[[\]{}]+$/.test(l));
  const l = lines.pop() ?? '';
  return l.length > MAX_ERROR ? l.slice(0, MAX_ERROR - 3) + '...' : l;
}

/** A sample for a member whose probe could not run (SSH down, timed out). */
export function failedSample(member: string, endpoint: string, error: string, sshUp: boolean, timestampMs: number, durationSeconds: number): MemberSample {
  return { member, endpoint, sshUp, probeOk: false, up: false, error: oneLine(error) || 'probe failed', timestampMs, durationSeconds };
}

/** The probe's stdout (sections) -> a sample. Pure; recorded outputs in test/unit/monitor. */
export function parseProbe(member: string, endpoint: string, stdout: string, timestampMs: number, durationSeconds: number): MemberSample {
  const sec = sectionMap(stdout);
  const s: MemberSample = { member, endpoint, sshUp: true, probeOk: false, up: false, timestampMs, durationSeconds };
  if (sec.running) s.running = sec.running.rc === 0;
  if (sec.binary?.rc === 0) {
    const v = parseToolVersion(sec.binary.text);
    if (v) s.binaryVersion = v;
  }
  const st = sec.status;
  if (!st) {
    s.error = 'no status section in the probe output';
    return s;
  }
  s.probeOk = true;
  let row;
  try {
    row = st.rc === 0 ? parseEndpointStatus(st.text)[0] : undefined;
  } catch {
    row = undefined;
  }
  if (!row) {
    s.error = oneLine(st.text) || `endpoint status rc=${st.rc}`;
    return s;
  }
  s.up = true;
  Object.assign(s, {
    id: row.id,
    clusterId: row.clusterId,
    serverVersion: row.version,
    isLeader: row.isLeader,
    isLearner: row.isLearner,
    leaderId: row.leader,
    dbSizeBytes: row.dbSize,
    revision: row.revision,
    raftIndex: row.raftIndex,
    raftTerm: row.raftTerm,
  });
  if (row.dbSizeInUse !== undefined) s.dbSizeInUseBytes = row.dbSizeInUse;
  if (row.raftAppliedIndex !== undefined) s.raftAppliedIndex = row.raftAppliedIndex;
  if (row.storageVersion) s.storageVersion = row.storageVersion;
  if (row.errors.length) s.error = oneLine(row.errors.join('; '));
  if (sec.health) {
    const h = parseHealthText(endpoint, sec.health.rc, sec.health.text);
    s.healthy = h.health;
    if (!h.health && h.error && !s.error) s.error = oneLine(h.error);
  }
  if (sec.alarms?.rc === 0) {
    try {
      s.alarms = parseAlarmList(sec.alarms.text).filter((a) => a.memberId === row.id).map((a) => a.alarm);
    } catch {
      /* unreadable: alarms unknown, no series */
    }
  }
  if (sec.version?.rc === 0) {
    const v = parseVersionEndpoint(sec.version.text);
    if (v.cluster) s.clusterVersion = v.cluster;
  }
  return s;
}

/** Counters the poller keeps per member (monotonic for the exporter's lifetime). */
export interface MemberCounters {
  probesOk: number;
  probesFailed: number;
  sshConnects: number;
}

export interface MemberState {
  sample: MemberSample;
  counters: MemberCounters;
}

export type MetricType = 'gauge' | 'counter';
export interface Series {
  labels: Record<string, string>;
  value: number;
}
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  series: Series[];
}

/** Process-wide facts of the exporter itself. */
export interface ExporterInfo {
  version: string;
  startTimeSeconds: number;
  residentMemoryBytes: number;
  heapUsedBytes: number;
  intervalSeconds: number;
}

const b = (v: boolean | undefined) => (v ? 1 : 0);

/** The metric families of every member (in inventory order) and the exporter itself. */
export function families(states: MemberState[], info: ExporterInfo): MetricFamily[] {
  const fams: MetricFamily[] = [];
  const fam = (name: string, help: string, type: MetricType, pick: (st: MemberState) => number | undefined | Series[]) => {
    const series: Series[] = [];
    for (const st of states) {
      const v = pick(st);
      if (v === undefined) continue;
      if (Array.isArray(v)) series.push(...v);
      else series.push({ labels: { member: st.sample.member }, value: v });
    }
    fams.push({ name, help, type, series });
  };
  const info1 = (st: MemberState, version: string | undefined): Series[] | undefined => (version ? [{ labels: { member: st.sample.member, version }, value: 1 }] : undefined);
  const up = (st: MemberState) => st.sample.up;

  fam('etcdplay_member_up', 'Whether the member answered etcdctl endpoint status in the last probe (1) or not (0: stopped, unreachable, no SSH).', 'gauge', (st) => b(st.sample.up));
  fam('etcdplay_member_ssh_up', 'Whether the last probe reached the host over SSH.', 'gauge', (st) => b(st.sample.sshUp));
  fam('etcdplay_member_process_running', 'Whether an etcd process of this member runs on the host.', 'gauge', (st) => (st.sample.running === undefined ? undefined : b(st.sample.running)));
  fam('etcdplay_member_healthy', 'Whether etcdctl endpoint health passed (a quorum read through this member).', 'gauge', (st) => (up(st) ? b(st.sample.healthy) : undefined));
  fam('etcdplay_member_info', 'Identity of the member: its endpoint, member id and cluster id (hex).', 'gauge', (st) => [{ labels: { member: st.sample.member, endpoint: st.sample.endpoint, member_id: st.sample.id ?? '', cluster_id: st.sample.clusterId ?? '' }, value: 1 }]);
  fam('etcdplay_server_version_info', 'Version of the running etcd server (endpoint status).', 'gauge', (st) => info1(st, st.sample.serverVersion));
  fam('etcdplay_binary_version_info', 'Version of the etcd binary installed on the host (etcd --version); differs from the server version while a swap is under way.', 'gauge', (st) => info1(st, st.sample.binaryVersion));
  fam('etcdplay_cluster_version_info', "The cluster version this member reports (/version's etcdcluster).", 'gauge', (st) => info1(st, st.sample.clusterVersion));
  fam('etcdplay_storage_version_info', 'Storage version of the member\'s data (endpoint status, etcd 3.6 and later).', 'gauge', (st) => info1(st, st.sample.storageVersion));
  fam('etcdplay_member_is_leader', 'Whether this member is the raft leader.', 'gauge', (st) => (up(st) ? b(st.sample.isLeader) : undefined));
  fam('etcdplay_member_is_learner', 'Whether this member is a learner (non-voting).', 'gauge', (st) => (up(st) ? b(st.sample.isLearner) : undefined));
  fam('etcdplay_db_size_bytes', 'Size of the backend database file.', 'gauge', (st) => (up(st) ? st.sample.dbSizeBytes : undefined));
  fam('etcdplay_db_size_in_use_bytes', 'Bytes of the backend database in use (the rest is free pages; etcd 3.4 and later).', 'gauge', (st) => (up(st) ? st.sample.dbSizeInUseBytes : undefined));
  fam('etcdplay_mvcc_revision', 'Current revision of the key-value store.', 'gauge', (st) => (up(st) ? st.sample.revision : undefined));
  fam('etcdplay_raft_index', 'Raft index (committed entries) of the member.', 'gauge', (st) => (up(st) ? st.sample.raftIndex : undefined));
  fam('etcdplay_raft_applied_index', 'Raft applied index of the member (etcd 3.4 and later).', 'gauge', (st) => (up(st) ? st.sample.raftAppliedIndex : undefined));
  fam('etcdplay_raft_term', 'Raft term the member is in.', 'gauge', (st) => (up(st) ? st.sample.raftTerm : undefined));
  fam('etcdplay_member_alarm_active', 'Whether an alarm of this type is raised on this member (alarm list).', 'gauge', (st) => {
    const a = st.sample.alarms;
    if (!up(st) || !a) return undefined;
    const types = [...new Set<string>([...ALARM_TYPES, ...a])];
    return types.map((alarm) => ({ labels: { member: st.sample.member, alarm }, value: b(a.includes(alarm)) }));
  });
  fam('etcdplay_probe_success', 'Whether the last probe ran over SSH and its output was read (0: SSH down, timed out, unreadable output); the member itself may still be down.', 'gauge', (st) => b(st.sample.probeOk));
  fam('etcdplay_probe_duration_seconds', 'How long the last probe of the member took (SSH round trip and etcdctl).', 'gauge', (st) => st.sample.durationSeconds);
  fam('etcdplay_probe_timestamp_seconds', 'When the last probe of the member started (Unix time).', 'gauge', (st) => st.sample.timestampMs / 1000);
  fam('etcdplay_probes_total', 'Probes of the member since the exporter started, by result (success as in etcdplay_probe_success).', 'counter', (st) => [
    { labels: { member: st.sample.member, result: 'success' }, value: st.counters.probesOk },
    { labels: { member: st.sample.member, result: 'failure' }, value: st.counters.probesFailed },
  ]);
  fam('etcdplay_ssh_connects_total', 'Times the host was reached over SSH for the first time or again after failures (1 + reconnects).', 'counter', (st) => st.counters.sshConnects);
  fams.push(
    { name: 'etcdplay_monitor_info', help: 'The exporter: etcdplay version and probe interval.', type: 'gauge', series: [{ labels: { version: info.version, interval: `${info.intervalSeconds}s` }, value: 1 }] },
    { name: 'process_start_time_seconds', help: 'Start time of the exporter process since unix epoch in seconds.', type: 'gauge', series: [{ labels: {}, value: info.startTimeSeconds }] },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size of the exporter in bytes.', type: 'gauge', series: [{ labels: {}, value: info.residentMemoryBytes }] },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use by the exporter in bytes.', type: 'gauge', series: [{ labels: {}, value: info.heapUsedBytes }] },
  );
  return fams;
}
