/** Parsers for etcdctl / etcdutl output (formats pinned against real 3.4.23, 3.5.16, 3.5.30 binaries). */
import { hexId, parseEtcdJson } from './json.js';

export interface EndpointStatus {
  endpoint: string;
  id: string;
  version: string;
  dbSize: number;
  dbSizeInUse?: number;
  leader: string;
  isLeader: boolean;
  isLearner: boolean;
  raftTerm: number;
  raftIndex: number;
  raftAppliedIndex?: number;
  revision: number;
  clusterId: string;
  storageVersion?: string;
  errors: string[];
}

export interface Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EndpointHealth {
  endpoint: string;
  health: boolean;
  took?: string;
  error?: string;
}

export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
  version?: string;
}

function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** `etcdctl endpoint status -w json` (an array, one object per endpoint). */
export function parseEndpointStatus(text: string): EndpointStatus[] {
  const t = text.trim();
  if (!t) return [];
  return arr(parseEtcdJson(t)).map((e: any) => {
    const s = e.Status ?? {};
    const h = s.header ?? {};
    const id = hexId(h.member_id);
    const leader = hexId(s.leader);
    const out: EndpointStatus = {
      endpoint: String(e.Endpoint ?? ''),
      id,
      version: String(s.version ?? ''),
      dbSize: Number(s.dbSize ?? 0),
      leader,
      isLeader: !!id && id === leader,
      isLearner: !!s.isLearner,
      raftTerm: Number(s.raftTerm ?? h.raft_term ?? 0),
      raftIndex: Number(s.raftIndex ?? 0),
      revision: Number(h.revision ?? 0),
      clusterId: hexId(h.cluster_id),
      errors: arr(s.errors).map(String),
    };
    if (s.dbSizeInUse !== undefined) out.dbSizeInUse = Number(s.dbSizeInUse);
    if (s.raftAppliedIndex !== undefined) out.raftAppliedIndex = Number(s.raftAppliedIndex);
    if (s.storageVersion) out.storageVersion = String(s.storageVersion);
    return out;
  });
}

/** `etcdctl member list -w json`. */
export function parseMemberList(text: string): Member[] {
  const t = text.trim();
  if (!t) return [];
  const j = parseEtcdJson(t) as any;
  return arr(j?.members).map((m: any) => ({
    id: hexId(m.ID),
    name: String(m.name ?? ''),
    peerURLs: arr(m.peerURLs).map(String),
    clientURLs: arr(m.clientURLs).map(String),
    isLearner: !!m.isLearner,
  }));
}

/** `etcdctl endpoint health -w json`. */
export function parseEndpointHealth(text: string): EndpointHealth[] {
  const t = text.trim();
  if (!t) return [];
  return arr(parseEtcdJson(t)).map((h: any) => {
    const out: EndpointHealth = { endpoint: String(h.endpoint ?? ''), health: h.health === true };
    if (h.took) out.took = String(h.took);
    if (h.error) out.error = String(h.error);
    return out;
  });
}

/** `etcdutl snapshot status -w json` / `ETCDCTL_API=3 etcdctl snapshot status -w json`. */
export function parseSnapshotStatus(text: string): SnapshotStatus {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.startsWith('{') && l.includes('totalKey'));
  if (!line) throw new Error(`no snapshot status JSON in output: ${text.slice(0, 200)}`);
  const j = parseEtcdJson(line) as any;
  const out: SnapshotStatus = { hash: Number(j.hash), revision: Number(j.revision), totalKey: Number(j.totalKey), totalSize: Number(j.totalSize) };
  if (j.version) out.version = String(j.version);
  return out;
}

/** "etcd Version: 3.5.16" / "etcdctl version: 3.4.23" / "etcdutl version: 3.5.16". */
export function parseToolVersion(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m = /(?:etcd Version|etcdctl version|etcdutl version|etcd version):\s*v?(\d+\.\d+\.\d+[^\s]*)/i.exec(text);
  return m ? m[1] : undefined;
}

/** The `/version` HTTP answer: {"etcdserver":"3.5.16","etcdcluster":"3.5.0"}. */
export function parseVersionEndpoint(text: string | undefined): { server?: string; cluster?: string } {
  if (!text) return {};
  try {
    const j = JSON.parse(text.trim()) as Record<string, unknown>;
    const out: { server?: string; cluster?: string } = {};
    if (typeof j.etcdserver === 'string') out.server = j.etcdserver;
    if (typeof j.etcdcluster === 'string') out.cluster = j.etcdcluster;
    return out;
  } catch {
    return {};
  }
}

/** Human size as etcdctl's table prints it (20 kB, 61 MB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${Math.round(v)} ${units[i]}`;
}

/** The seed-003 table: ENDPOINT ID VERSION DB SIZE IS LEADER RAFT TERM RAFT INDEX. */
export function statusTable(rows: EndpointStatus[]): string {
  const head = ['ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'RAFT TERM', 'RAFT INDEX'];
  const body = rows.map((r) => [r.endpoint, r.id, r.version, humanSize(r.dbSize), String(r.isLeader), String(r.raftTerm), String(r.raftIndex)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const sep = '+' + w.map((n) => '-'.repeat(n + 2)).join('+') + '+';
  const center = (s: string, n: number) => {
    const l = Math.floor((n - s.length) / 2);
    return ' '.repeat(l) + s + ' '.repeat(n - s.length - l);
  };
  const line = (cells: string[], hdr: boolean) =>
    '|' + cells.map((c, i) => ' ' + (hdr || i < 2 ? center(c, w[i]!) : c.padStart(w[i]!)) + ' ').join('|') + '|';
  return [sep, line(head, true), sep, ...body.map((b) => line(b, false)), sep].join('\n');
}

export interface Alarm {
  /** Member id in hex, as the table prints it. */
  memberId: string;
  /** NOSPACE, CORRUPT, ... */
  alarm: string;
}

const ALARM_NAMES = ['NONE', 'NOSPACE', 'CORRUPT'];

/**
 * `etcdctl alarm list -w json` ({"header":…,"alarms":[{"memberID":…,"alarm":1}]}; "alarms"
 * omitted when none, 3.4.23 then prints just {}; the alarm is the enum number) or the simple format
 * ("memberID:14066335222682560359 alarm:NOSPACE", one line each).
 */
export function parseAlarmList(text: string): Alarm[] {
  const json = text.split('\n').map((l) => l.trim()).find((l) => l.startsWith('{') && !l.startsWith('{"level"'));
  if (json) {
    const j = parseEtcdJson(json) as any;
    return arr(j?.alarms).map((a: any) => ({
      memberId: hexId(a.memberID),
      alarm: typeof a.alarm === 'number' ? (ALARM_NAMES[a.alarm] ?? `ALARM${a.alarm}`) : String(a.alarm ?? ''),
    }));
  }
  const out: Alarm[] = [];
  for (const m of text.matchAll(/memberID:(\d+)\s+alarm:([A-Z_]+)/g)) out.push({ memberId: hexId(m[1]), alarm: m[2]! });
  return out;
}

/**
 * `etcdctl --endpoints=ONE endpoint health` in the simple format with its exit code (the `-w json`
 * form is not JSON on 3.3): healthy when rc is 0; the reason is what follows "is unhealthy:", else
 * the last line that is neither a zap log line nor "Error: unhealthy cluster".
 */
export function parseHealthText(endpoint: string, rc: number, text: string): EndpointHealth {
  if (rc === 0) return { endpoint, health: true };
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('{"level"'));
  const said = lines.map((l) => /is unhealthy:\s*(.*)$/.exec(l)?.[1]).find((x) => x !== undefined);
  const other = lines.filter((l) => l !== 'Error: unhealthy cluster').pop();
  return { endpoint, health: false, error: (said ?? other ?? `endpoint health rc=${rc}`).trim() };
}

/** One section of a script's output: "#etcdplay NAME RC REST" then the lines up to the next one. */
export interface Section { name: string; rc: number; endpoint: string; text: string }

/** Split the output of a script that used the prelude's `section` into its sections. */
export function splitSections(stdout: string): Section[] {
  const out: Section[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^#etcdplay (\w+) (\d+) ?(.*)$/.exec(line);
    if (m) out.push({ name: m[1]!, rc: Number(m[2]), endpoint: m[3]!, text: '' });
    else if (out.length) out[out.length - 1]!.text += line + '\n';
  }
  return out;
}

/** `ETCDCTL_API=2 etcdctl ls --recursive /`: one node path per line (dirs and keys; hidden `_` nodes are not listed). */
export function parseV2List(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/'));
}

/** One v2 write found in a member's WAL: A(dd: PUT/POST) or D(elete) of a v2 path, at a byte offset. */
export interface V2WalOp { op: 'A' | 'D'; offset: number; path: string }

/**
 * The v2 writes the data-dir scan printed ("A OFFSET:/1/dir/key" / "D OFFSET:/1/dir"): v2 requests
 * sit in the WAL as protobuf (Method "PUT"/"POST"/"DELETE", then Path), user keys under "/1".
 * Sorted by offset, i.e. in WAL order.
 */
export function parseV2WalOps(text: string): V2WalOp[] {
  const out: V2WalOp[] = [];
  for (const m of text.matchAll(/^([AD]) (\d+):\/1(\/\S*)$/gm)) out.push({ op: m[1] as 'A' | 'D', offset: Number(m[2]), path: m[3]! });
  return out.sort((a, b) => a.offset - b.offset);
}

/** The v2 nodes left after replaying WAL writes over a starting set (a delete takes its subtree). */
export function replayV2(start: string[], ops: V2WalOp[]): string[] {
  const nodes = new Set(start);
  for (const o of ops) {
    if (o.op === 'A') nodes.add(o.path);
    else for (const n of [...nodes]) if (n === o.path || n.startsWith(o.path + '/')) nodes.delete(n);
  }
  return [...nodes].sort();
}

/**
 * v2 user nodes recorded in a member's `member/snap/*.snap` file: the v2 store is embedded there as
 * JSON, user keys under "/1" (`"Path":"/1/dir/key"`; "/0" is etcd's own membership data).
 * Returns the paths as the v2 API names them ("/dir/key").
 */
export function parseV2SnapPaths(text: string): string[] {
  return [...text.matchAll(/"Path":"\/1(\/[^"]*)"/g)].map((m) => m[1]!);
}

/**
 * `etcdctl get … --keys-only --limit 1 -w json`: the range's total `count` (omitted by etcd when
 * 0). Zap log lines ({"level":…}) mixed in are skipped.
 */
export function parseRangeCount(text: string): number {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.startsWith('{') && !l.startsWith('{"level"'));
  if (!line) throw new Error(`no JSON in the range answer: ${text.trim().slice(0, 200)}`);
  const j = parseEtcdJson(line) as any;
  return Number(j?.count ?? 0);
}

/** `etcdctl lease list` (simple format: "found N leases" then one hex id a line): the ids, sorted. */
export function parseLeaseIds(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-f]+$/.test(l))
    .sort();
}

/** The sections of a script's output by name (the last one of each name wins). */
export function sectionMap(stdout: string | undefined): Record<string, Section> {
  return Object.fromEntries(splitSections(stdout ?? '').map((s) => [s.name, s]));
}

/** The first word of a section's text (`sha256sum FILE` -> the hash, `wc -c FILE` -> the size). */
export function firstWord(s: Section | undefined): string {
  return (s?.text ?? '').trim().split(/\s+/)[0] ?? '';
}
