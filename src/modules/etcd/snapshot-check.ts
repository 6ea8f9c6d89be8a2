/**
 * etcd_snapshot_check: before a restore, on a member: the snapshot against its manifest (sha256,
 * and `snapshot status` run on a copy: revision, key count, hash), and the snapshot's revision
 * against the live cluster's: an older snapshot over a newer live cluster is refused unless
 * allowed (it would lose every write since), the check seed 004 asks an operator to make by eye.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { toBool } from '../../template/values.js';
import { parseManifest, type BackupManifest } from '../../backup/local.js';
import { checkPath, flagArg, shScript } from './common.js';
import { firstWord, parseSnapshotStatus, sectionMap, type SnapshotStatus } from './parse.js';
import { STATUS_ON_COPY } from './snapshot-save.js';

// $1 snapshot. Its manifest, its sha256, and `snapshot status` of a copy, one section each.
const SCRIPT = STATUS_ON_COPY + String.raw`
SNAP=$1
[ -f "$SNAP" ] || die "snapshot $SNAP not found"
[ -f "$SNAP.json" ] || die "no manifest $SNAP.json next to the snapshot"
section manifest - cat "$SNAP.json"
section sha256 - sha256sum "$SNAP"
status_on_copy "$SNAP"
`;

export interface SnapshotVerdict {
  ok: boolean;
  msg: string;
  /** The live revision was newer and that was allowed. */
  older?: boolean;
}

/** The judgement (pure): the snapshot vs its manifest, then vs the live cluster's revision (undefined: it did not answer). */
export function judgeSnapshot(file: string, m: BackupManifest, sha256: string, st: SnapshotStatus, live: number | undefined, allowOlder: boolean): SnapshotVerdict {
  if (sha256 !== m.sha256) return { ok: false, msg: `sha256 of ${file} is ${sha256}, its manifest says ${m.sha256}: a damaged copy` };
  const ms = (m.status ?? {}) as Record<string, unknown>;
  const diffs: string[] = [];
  if (st.revision !== m.revision) diffs.push(`revision ${st.revision} (manifest ${m.revision})`);
  if (ms.totalKey !== undefined && st.totalKey !== Number(ms.totalKey)) diffs.push(`totalKey ${st.totalKey} (manifest ${String(ms.totalKey)})`);
  if (ms.hash !== undefined && st.hash !== Number(ms.hash)) diffs.push(`hash ${st.hash} (manifest ${String(ms.hash)})`);
  if (diffs.length) return { ok: false, msg: `snapshot status of ${file} does not match its manifest: ${diffs.join(', ')}` };
  const what = `snapshot revision ${m.revision} (taken ${m.createdAt ?? '?'} from ${String(m.sourceEndpoint ?? '?')})`;
  if (live === undefined) return { ok: true, msg: `${what} matches its manifest; the live cluster did not answer, so there is no revision to compare` };
  if (live <= m.revision) return { ok: true, msg: `${what} matches its manifest and is not older than the live cluster (revision ${live})` };
  const lost = `the live cluster is at revision ${live}, ${live - m.revision} revision(s) newer: restoring would lose every write since the snapshot`;
  if (allowOlder) return { ok: true, older: true, msg: `WARNING: ${what} is older than the live cluster: ${lost}; accepted because etcd_restore_allow_older=true` };
  return { ok: false, msg: `refusing to restore an older snapshot: ${what}; ${lost}. Check which data is the one to keep (etcdctl endpoint status), then run again with etcd_restore_allow_older=true to restore it anyway` };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['snapshot'],
  properties: {
    snapshot: { type: 'string', minLength: 1, description: 'The snapshot on the member (its manifest `<snapshot>.json` next to it).' },
    live_revision: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]*$' }], description: "the live cluster's revision (etcd_status data.revision); '' when it did not answer" },
    allow_older: flagArg('restore a snapshot older than the live cluster (with a warning)'),
  },
} as const;
export type EtcdSnapshotCheckArgs = ArgsOf<typeof argsSchema>;

function interpretCheck(args: EtcdSnapshotCheckArgs, results: StepOutcome[]): TaskResult {
  const r = results[results.length - 1];
  if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'snapshot check not run' };
  const base = { changed: false, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (r.rc !== 0) return { ...base, failed: true, msg: (r.stderr ?? '').trim().split('\n').pop()?.replace(/^etcdplay: /, '') || 'snapshot check failed' };
  const sec = sectionMap(r.stdout);
  let verdict: SnapshotVerdict;
  let m: BackupManifest | undefined;
  let st: SnapshotStatus | undefined;
  try {
    m = parseManifest(sec.manifest?.text ?? '', `${args.snapshot}.json`);
    if (sec.status?.rc !== 0) throw new Error(`snapshot status of ${args.snapshot} failed: ${(sec.status?.text ?? '').trim().split('\n').pop()}`);
    st = parseSnapshotStatus(sec.status.text);
    const live = args.live_revision === undefined || args.live_revision === '' ? undefined : Number(args.live_revision);
    verdict = judgeSnapshot(args.snapshot, m, firstWord(sec.sha256), st, live, toBool(args.allow_older));
  } catch (err) {
    verdict = { ok: false, msg: (err as Error).message };
  }
  const out: TaskResult = { ...base, stdout: verdict.msg + '\n', failed: !verdict.ok, msg: verdict.msg, data: { revision: m?.revision, status: st, older: !!verdict.older } };
  if (verdict.older) out.warnings = [verdict.msg];
  return out;
}

export const etcdSnapshotCheckModule: Module<EtcdSnapshotCheckArgs> = {
  name: 'etcd_snapshot_check',
  summary: "check a snapshot against its manifest (sha256, snapshot status) and refuse one older than the live cluster",
  docs: `On the member: reads \`<snapshot>.json\`, hashes the snapshot and runs \`snapshot status\` on a
copy (etcdutl when present, else etcdctl). Fails when the sha256, or the status's revision, totalKey
or hash, differ from the manifest's. Then compares the snapshot's revision with \`live_revision\`
(the live cluster's highest, e.g. from etcd_status; '' when the cluster did not answer, e.g. it was
wiped): a snapshot older than the live cluster is refused ("refusing to restore an older snapshot:
... the live cluster is at revision L, N revision(s) newer: restoring would lose every write since
the snapshot ...") unless \`allow_older\` (then a [WARNING] and \`data.older\`). Read-only.
\`data\`: { revision, status, older }.`,
  argsSchema,
  checkMode: true,
  plan(args, _ctx: PlanContext) {
    const snap = checkPath(args.snapshot, 'snapshot');
    return [{ kind: 'command', description: `check ${snap} against its manifest (sha256, snapshot status) and the live revision`, mutates: false, changed: 'never', command: shScript(SCRIPT, [snap]), timeoutMs: 10 * 60_000 }];
  },
  interpret: interpretCheck,
  examples: `- name: Snapshot as its manifest says, not older than the live cluster
  etcd_snapshot_check:
    snapshot: "{{ etcd_snapshot }}"
    live_revision: "{{ live.data.revision if live is succeeded else '' }}"
    allow_older: "{{ etcd_restore_allow_older | default(false) }}"`,
};
