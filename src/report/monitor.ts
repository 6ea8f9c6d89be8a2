/** `etcdplay monitor --once`: the members' samples as a table for a terminal, or as JSON. */
import type { MemberSample, MemberState } from '../monitor/collect.js';
import { humanSize } from '../modules/etcd/parse.js';
import { termSafe } from '../template/terminal.js';

const HEAD = ['MEMBER', 'ENDPOINT', 'UP', 'HEALTHY', 'LEADER', 'VERSION', 'BINARY', 'CLUSTER', 'STORAGE', 'DB SIZE', 'REVISION', 'RAFT TERM', 'RAFT INDEX', 'ALARMS', 'PROBE'];

function cells(s: MemberSample): string[] {
  const opt = (v: unknown) => (v === undefined ? '-' : String(v));
  const up = s.up ? 'yes' : s.sshUp ? 'no' : 'no (ssh)';
  return [
    s.member,
    s.endpoint,
    up,
    s.up ? (s.healthy ? 'yes' : 'no') : '-',
    s.up ? (s.isLeader ? 'yes' : 'no') : '-',
    opt(s.serverVersion),
    opt(s.binaryVersion),
    opt(s.clusterVersion),
    opt(s.storageVersion),
    s.dbSizeBytes === undefined ? '-' : humanSize(s.dbSizeBytes),
    opt(s.revision),
    opt(s.raftTerm),
    opt(s.raftIndex),
    s.alarms === undefined ? '-' : s.alarms.length ? s.alarms.join(',') : 'none',
    `${Math.round(s.durationSeconds * 1000)} ms`,
  ].map((c) => termSafe(c));
}

/** Aligned columns, then one line per member that has an error ("etcd2: connection refused"). */
export function monitorTable(states: MemberState[]): string {
  const rows = states.map((st) => cells(st.sample));
  const w = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  const out = [line(HEAD), ...rows.map(line)];
  const errors = states.filter((st) => st.sample.error).map((st) => `${st.sample.member}: ${termSafe(st.sample.error!)}`);
  if (errors.length) out.push('', ...errors);
  return out.join('\n') + '\n';
}

/** One JSON document: {"members":[sample...]} (the fields of MemberSample, docs/monitor.md). */
export function monitorJson(states: MemberState[]): string {
  return JSON.stringify({ members: states.map((st) => st.sample) }, null, 2) + '\n';
}
