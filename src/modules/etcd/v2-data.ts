/**
 * etcd_v2_data: refuse a v3 snapshot restore on a cluster whose v2 store holds data. A v3
 * snapshot (`etcdctl snapshot save`) carries only the v3 keyspace; keys written through the v2 API
 * (etcd 3.3 serves it by default, 3.4/3.5 with --enable-v2) would be gone after the restore.
 *
 * Read-only, per member: the v2 API of this member (`ETCDCTL_API=2 etcdctl ls --recursive /`,
 * the current truth when it answers), else the newest `member/snap/*.snap` file of the data dir
 * (the v2 store is embedded there as JSON). Judged here, in TypeScript.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { connArgsSchema, dataDirOf, etcdctlEnv, localEndpoints, shScript } from './common.js';
import { parseV2List, parseV2SnapPaths, parseV2WalOps, replayV2, splitSections, type Section } from './parse.js';

// $1 this member's client URL, $2 its data dir. v2 etcdctl takes TLS from ETCDCTL_CA_FILE/
// _CERT_FILE/_KEY_FILE: mapped from the v3 variables etcdctlEnv sets. The WAL is grepped for v2
// requests (protobuf: 0x12 len Method, 0x1a len Path "/1/..."), NUL-separated (-z: the length
// byte may be a newline), one line per write with its byte offset (-b) so the order is kept.
const SCRIPT = String.raw`
v2ls() { ETCDCTL_API=2 ETCDCTL_CA_FILE="$ETCDCTL_CACERT" ETCDCTL_CERT_FILE="$ETCDCTL_CERT" ETCDCTL_KEY_FILE="$ETCDCTL_KEY" etcdctl --endpoints="$1" ls --recursive /; }
v2wal() {
  ls "$1"/member/wal/*.wal >/dev/null 2>&1 || { echo "no WAL in $1/member/wal"; return 2; }
  printf 'a\n' | grep -qP 'a' 2>/dev/null || { echo "grep -P (PCRE) not available"; return 2; }
  cat "$1"/member/wal/*.wal | LC_ALL=C grep -zaobP '\x12(?:\x03PUT|\x04POST)\x1a[\x01-\x7f]\K/1/[\x21\x23-\x7e]*' | tr '\0' '\n' | sed 's/^/A /'
  cat "$1"/member/wal/*.wal | LC_ALL=C grep -zaobP '\x12\x06DELETE\x1a[\x01-\x7f]\K/1/[\x21\x23-\x7e]*' | tr '\0' '\n' | sed 's/^/D /'
}
section api "$1" v2ls "$1"
SNAP=$(ls -1 "$2"/member/snap/*.snap 2>/dev/null | tail -n 1)
if [ -n "$SNAP" ]; then section snap "$SNAP" grep -a -o '"Path":"/1/[^"]*"' "$SNAP"; else echo "#etcdplay snap 1"; fi
section wal "$2/member/wal" v2wal "$2"
exit 0
`;

export interface V2Verdict {
  /** Where the answer comes from: the v2 API (plus hidden nodes from the data dir), the data dir (newest .snap + WAL), or nothing readable. */
  source: 'api' | 'data-dir' | 'none';
  /** v2 nodes (dirs and keys) found, as the v2 API names them. */
  nodes: string[];
  /** Why the v2 API did not answer (disabled: "response is invalid json"; etcdctl without v2...). */
  apiError?: string;
  snapFile?: string;
  /** v2 writes found in the WAL (adds and deletes). */
  walWrites?: number;
}

const lastLine = (s: Section | undefined) => (s?.text ?? '').split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? `rc=${s?.rc}`;

const hidden = (n: string) => n.split('/').some((seg) => seg.startsWith('_'));

/**
 * The data dir's v2 store: the newest .snap's nodes with the WAL's v2 writes replayed over them.
 * The v2 API, when it answers, is the current truth; it does not list hidden ("_") nodes, which
 * are taken from the data dir (pure).
 */
export function judgeV2(sections: Section[]): V2Verdict {
  const api = sections.find((s) => s.name === 'api');
  const snap = sections.find((s) => s.name === 'snap');
  const wal = sections.find((s) => s.name === 'wal');
  // grep: rc 0 = paths found, 1 = none; the file name is in the section header
  const snapOk = !!(snap && snap.endpoint && snap.rc <= 1);
  const walOk = !!(wal && wal.rc === 0);
  const ops = walOk ? parseV2WalOps(wal!.text) : [];
  const disk = replayV2(snapOk ? parseV2SnapPaths(snap!.text) : [], ops);
  const extra: Pick<V2Verdict, 'snapFile' | 'walWrites'> = {};
  if (snapOk) extra.snapFile = snap!.endpoint;
  if (walOk) extra.walWrites = ops.length;
  if (api && api.rc === 0) return { source: 'api', nodes: [...new Set([...parseV2List(api.text), ...disk.filter(hidden)])], ...extra };
  const apiError = lastLine(api);
  if (snapOk || walOk) return { source: 'data-dir', nodes: disk, apiError, ...extra };
  return { source: 'none', nodes: [], apiError };
}

const sample = (nodes: string[]) => nodes.slice(0, 5).join(', ') + (nodes.length > 5 ? `, … (${nodes.length - 5} more)` : '');

export function interpretV2(results: StepOutcome[], endpoint: string, dataDir: string, host: string): TaskResult {
  const r = results[results.length - 1];
  if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'v2 data check not run' };
  if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg: `v2 data check could not run (rc=${r.rc}): ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}` };
  const v = judgeV2(splitSections(r.stdout ?? ''));
  const disk = `${dataDir}/member (${v.snapFile ? `newest .snap ${v.snapFile.replace(/^.*\//, '')} + ` : 'no .snap, '}${v.walWrites ?? 0} v2 write(s) in the WAL)`;
  const where = v.source === 'api' ? `the v2 API of ${endpoint}` : `${disk}; the v2 API did not answer: ${v.apiError}`;
  const data = { ...v, endpoint, dataDir };
  if (v.nodes.length) {
    const msg = `${host}: the etcd v2 store holds ${v.nodes.length} node(s) (${sample(v.nodes)}), seen in ${where}. `
      + 'A v3 snapshot restore (this downgrade) does not carry v2 data: they would be lost, so nothing was changed. '
      + 'Move them to the v3 keyspace (re-create them with ETCDCTL_API=3 etcdctl put, or the offline `etcdctl migrate` of etcd 3.3/3.4) '
      + 'and remove them from v2 (ETCDCTL_API=2 etcdctl rm --recursive /DIR), then run again.';
    return { changed: false, failed: true, rc: 0, stdout: v.nodes.join('\n') + '\n', stderr: r.stderr ?? '', msg, data };
  }
  const msg = v.source === 'api' ? `no v2 data (the v2 API of ${endpoint} lists nothing)`
    : v.source === 'data-dir' ? `no v2 data in ${disk} (the v2 API did not answer: ${v.apiError})`
      : `v2 data not checked: the v2 API did not answer (${v.apiError}) and ${dataDir}/member has neither a .snap file nor a readable WAL`;
  return { changed: false, failed: false, rc: 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg, data };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...connArgsSchema, data_dir: { type: 'string', description: 'data dir (default: etcd_data_dir, facts, /var/lib/etcd/default)' } },
} as const;
export type EtcdV2DataArgs = ArgsOf<typeof argsSchema>;

export const etcdV2DataModule: Module<EtcdV2DataArgs> = {
  name: 'etcd_v2_data',
  summary: 'refuse when the v2 store holds data (a v3 snapshot restore would drop it); read-only, per member',
  docs: `A v3 snapshot restore (etcd-downgrade.yml, etcd-restore.yml) carries only the v3 keyspace:
keys written through the v2 API (served by default on 3.3, with --enable-v2 on 3.4/3.5) are lost.
Run on every member (become: the data dir is read). Asks this member's v2 API
(\`ETCDCTL_API=2 etcdctl ls --recursive /\`, TLS from the inventory/facts as the other modules);
when it does not answer (v2 disabled: "response is invalid json"; etcdctl 3.3.25, 3.4.23 and
3.5.16 all still have the v2 mode), reads the data dir: the newest \`member/snap/*.snap\` (the v2
store as JSON, user keys under "/1") with the v2 writes of the WAL (protobuf requests PUT/POST/
DELETE of "/1/..." paths, found with \`grep -zaobP\`) replayed over it, in WAL order. Hidden v2
nodes ("_" names, which the v2 API does not list) are taken from the data dir too. FAILS, having
changed nothing, when v2 nodes are found: the message names the member, how many, the first ones,
where they were seen, and how to move them. Not seen: v2 keys removed by TTL expiry still count
when only the data dir is read (a false refusal, never a silent loss). \`data\`: source (api |
data-dir | none), nodes, apiError, snapFile, walWrites, endpoint, dataDir.`,

  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const ep = localEndpoints(args, ctx)[0]!;
    const dd = dataDirOf(args, ctx);
    return [{ kind: 'command', description: `v2 store data on ${ep} (v2 API, else ${dd}/member/snap)`, mutates: false, changed: 'never', command: shScript(SCRIPT, [ep, dd], etcdctlEnv(args, ctx)), timeoutMs: 60_000 }];
  },
  interpret(args, results, ctx) {
    return interpretV2(results, localEndpoints(args, ctx)[0]!, dataDirOf(args, ctx), ctx.host);
  },
  examples: `- name: No v2 store data (a v3 snapshot restore would drop it)
  etcd_v2_data:`,
};
