/** etcd_status: the seed-003 status table for every member, and the rows as data. */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { CommandStep } from '../../model/step.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { allEndpoints, connArgsSchema, etcdctlEnv, shScript } from './common.js';
import { parseEndpointStatus, statusTable } from './parse.js';

// $1 endpoints (comma separated). Always exits 0 when at least one answered: the rows say who did not.
const SCRIPT = String.raw`
out=$(ctl --endpoints="$1" --command-timeout=5s endpoint status -w json); rc=$?
[ -n "$out" ] || die "no member answered endpoint status (rc=$rc)"
printf '%s\n' "$out"
`;

/** `endpoint status -w json` of `endpoints` (read-only; exits 0 when at least one answered). */
export function statusStep(endpoints: string[], env: Record<string, string>, description = `endpoint status of ${endpoints.join(', ')}`): CommandStep {
  return { kind: 'command', description, mutates: false, changed: 'never', command: shScript(SCRIPT, [endpoints.join(',')], env), timeoutMs: 60_000 };
}

export function interpretStatus(args: EtcdStatusArgs, results: StepOutcome[], endpoints: string[]): TaskResult {
  const r = results[results.length - 1];
  if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'status not run' };
  if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg: (r.stderr ?? '').trim().split('\n').pop() ?? 'endpoint status failed' };
  const rows = parseEndpointStatus(r.stdout ?? '');
  const answered = new Set(rows.map((x) => x.endpoint));
  const missing = endpoints.filter((e) => !answered.has(e));
  const leaders = new Set(rows.map((x) => x.leader).filter(Boolean));
  const table = statusTable(rows);
  const failed = (args.require_all ?? true) && missing.length > 0;
  const msg = failed ? `members not answering: ${missing.join(', ')}` : `${rows.length} member(s), leader ${[...leaders].join(',') || 'none'}`;
  return {
    changed: false,
    failed,
    rc: 0,
    stdout: table + '\n',
    stdout_lines: table.split('\n'),
    stderr: r.stderr ?? '',
    msg,
    data: { rows, table, missing, leader: rows.find((x) => x.isLeader)?.endpoint, sameRaftIndex: new Set(rows.map((x) => x.raftIndex)).size <= 1, sameRevision: new Set(rows.map((x) => x.revision)).size <= 1, revision: rows.length ? Math.max(...rows.map((x) => Number(x.revision))) : null },
  };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...connArgsSchema, require_all: { type: 'boolean', description: 'fail when a member does not answer (default true)' } },
} as const;
export type EtcdStatusArgs = ArgsOf<typeof argsSchema>;

export const etcdStatusModule: Module<EtcdStatusArgs> = {
  name: 'etcd_status',
  summary: 'endpoint status of every member as the familiar table (ENDPOINT ID VERSION DB SIZE IS LEADER RAFT TERM RAFT INDEX)',
  docs: `Runs \`etcdctl endpoint status -w json\` against every member (endpoints from the inventory
group, default 'etcd', or \`endpoints\`) and prints the table of the manual procedure. \`data.rows\`
holds one object per member (endpoint, id (hex), version, dbSize, isLeader, raftTerm, raftIndex,
revision); \`data.leader\`, \`data.sameRaftIndex\`, \`data.sameRevision\`, \`data.revision\` (the highest), \`data.missing\`.
Fails when a member does not answer unless \`require_all: false\`. Read-only; use with run_once.`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const eps = allEndpoints(args, ctx);
    return [statusStep(eps, etcdctlEnv(args, ctx))];
  },
  interpret(args, results, ctx) {
    return interpretStatus(args, results, allEndpoints(args, ctx));
  },
  examples: `- name: cluster status
  etcd_status:
  run_once: true`,
};
