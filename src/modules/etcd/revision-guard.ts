/**
 * etcd_revision_guard: compare every member's revision (endpoint status header.revision) with a
 * snapshot's. `unchanged` (before the stop): nothing was written since the snapshot, else the
 * writes would be lost. `not_behind` (after a restore): no member is below the snapshot.
 * Read-only; the status is read exactly as etcd_status reads it.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import type { EndpointStatus } from './parse.js';
import { allEndpoints, connArgsSchema, countArg, flagArg } from './common.js';
import { etcdStatusModule, interpretStatus } from './status.js';
import { toBool } from '../../template/values.js';

export type RevisionGuardMode = 'unchanged' | 'not_behind';

export interface RevisionVerdict {
  ok: boolean;
  msg: string;
  revision: number;
  revisions: Record<string, number>;
  max: number;
  lost: number;
  mode: RevisionGuardMode;
  allowedLoss?: boolean;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The judgement (pure). `rows` are the answering members, every one of them. */
export function judgeRevisions(rows: Pick<EndpointStatus, 'endpoint' | 'revision'>[], snapshotRevision: number, mode: RevisionGuardMode, allowLost: boolean): RevisionVerdict {
  // A snapshot of a store nothing was ever written to says revision 0 (`snapshot status` reads
  // the highest revision in the key bucket); the server reports that same state as revision 1.
  const revision = snapshotRevision === 0 ? 1 : snapshotRevision;
  const revisions = Object.fromEntries(rows.map((r) => [r.endpoint, r.revision]));
  const max = rows.length ? Math.max(...rows.map((r) => r.revision)) : 0;
  const behind = rows.filter((r) => r.revision < revision).map((r) => `${r.endpoint} at ${r.revision}`);
  const base = { revision, revisions, max, mode };
  if (mode === 'not_behind') {
    if (behind.length) return { ...base, ok: false, lost: 0, msg: `behind the snapshot (revision ${revision}): ${behind.join(', ')}; the restore did not bring back everything the snapshot holds` };
    return { ...base, ok: true, lost: 0, msg: `every member is at revision ${revision} or later (highest ${max})` };
  }
  if (behind.length) {
    return { ...base, ok: false, lost: 0, msg: `below the snapshot's revision ${revision}: ${behind.join(', ')}; the snapshot is not from this cluster's current data (or the cluster was restored since): stop and check` };
  }
  const lost = max - revision;
  if (lost <= 0) return { ...base, ok: true, lost: 0, msg: `no write since the snapshot: every member is at revision ${revision}` };
  const what = `${plural(lost, 'revision')} ${lost === 1 ? 'was' : 'were'} written after the snapshot (snapshot at ${revision}, cluster now at ${max})`;
  if (allowLost) {
    return { ...base, ok: true, lost, allowedLoss: true, msg: `WARNING: ${what}: they WILL BE LOST by the restore; accepted because etcd_allow_lost_writes=true` };
  }
  return {
    ...base,
    ok: false,
    lost,
    msg: `${what}: a writer is still running, so stopping etcd now would lose them. Fence every writer (inventory group kube_control_plane, etcd_fence_units) and run again, or set etcd_allow_lost_writes=true to accept the loss.`,
  };
}

export function interpretRevisionGuard(args: EtcdRevisionGuardArgs, results: StepOutcome[], ctx: PlanContext): TaskResult {
  const status = interpretStatus({ require_all: true }, results, allEndpoints(args, ctx));
  if (status.failed || !status.data) return { ...status, msg: `revision guard: ${status.msg}` };
  const rows = (status.data as { rows: EndpointStatus[] }).rows;
  const v = judgeRevisions(rows, Number(args.revision), args.mode ?? 'unchanged', toBool(args.allow_lost_writes));
  const data: Record<string, unknown> = { revision: v.revision, revisions: v.revisions, max: v.max, lost: v.lost, mode: v.mode };
  if (v.allowedLoss) data.allowedLoss = true;
  const lines = Object.entries(v.revisions).map(([ep, rev]) => `${ep} revision ${rev}`);
  const stdout = [...lines, v.msg].join('\n') + '\n';
  const out: TaskResult = { changed: false, failed: !v.ok, rc: 0, stdout, stdout_lines: stdout.trimEnd().split('\n'), stderr: status.stderr ?? '', msg: v.msg, data };
  // The engine shows a result's warnings as [WARNING] lines (and keeps them in events.jsonl).
  if (v.allowedLoss) out.warnings = [v.msg];
  return out;
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['revision'],
  properties: {
    ...connArgsSchema,
    revision: countArg("the snapshot's revision"),
    mode: { enum: ['unchanged', 'not_behind'], description: 'unchanged (default): nothing written since; not_behind: no member below' },
    allow_lost_writes: flagArg('mode unchanged: succeed (with a warning and data.lost) when writes were made after the snapshot'),
  },
} as const;
export type EtcdRevisionGuardArgs = ArgsOf<typeof argsSchema>;

export const etcdRevisionGuardModule: Module<EtcdRevisionGuardArgs> = {
  name: 'etcd_revision_guard',
  summary: "compare every member's revision with a snapshot's: nothing written since (before the stop) or nothing behind (after a restore)",
  docs: `Reads every member's revision (\`endpoint status -w json\`, header.revision; endpoints from
the inventory group \`group\`, default 'etcd', or \`endpoints\`; every member must answer) and
compares it with \`revision\` (the snapshot's, e.g. \`{{ snap.data.revision }}\`).

- \`mode: unchanged\` (default; just before etcd is stopped): fails when any member is past the
  snapshot: "N revision(s) were written after the snapshot (snapshot at R, cluster now at R2): a
  writer is still running, so stopping etcd now would lose them. Fence every writer ... or set
  etcd_allow_lost_writes=true to accept the loss." With \`allow_lost_writes: true\` (a boolean or
  "true"/"false" from a template) it succeeds with \`data.lost\` = N, \`data.allowedLoss\` = true,
  a msg starting with "WARNING:", shown as a [WARNING] line of the run. A member below the snapshot
  fails too (the snapshot is not from the current data).
- \`mode: not_behind\` (after a restore): every member's revision >= \`revision\`, else fails
  naming the members behind.

\`data\`: { revision, revisions: {endpoint: revision}, max, lost, mode } (+ allowedLoss).
Read-only; use with run_once.`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const mode = args.mode ?? 'unchanged';
    return etcdStatusModule.plan(args, ctx).map((s) => ({ ...s, description: `revision of every member vs the snapshot's ${args.revision} (${mode})` }));
  },
  interpret: interpretRevisionGuard,
  examples: `- name: No write since the snapshot (just before the stop)
  etcd_revision_guard:
    revision: "{{ snap.data.revision }}"
    allow_lost_writes: "{{ etcd_allow_lost_writes | default(false) }}"
  run_once: true

- name: Restored cluster is not behind the snapshot
  etcd_revision_guard:
    revision: "{{ snap.data.revision }}"
    mode: not_behind
  run_once: true`,
};
