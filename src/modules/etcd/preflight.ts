/**
 * etcd_preflight: the cluster gate before anything is changed. One read-only command gathers
 * `endpoint status -w json` (all endpoints), `alarm list -w json`, `member list -w json` and
 * `endpoint health` per endpoint (simple format + exit code); everything is judged here, in
 * TypeScript, and every problem found is listed (none is hidden behind the first).
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { toBool } from '../../template/values.js';
import { allEndpoints, clusterMembers, connArgsSchema, countArg, etcdctlEnv, flagArg, shScript, type MemberSpec } from './common.js';
import { parseAlarmList, parseEndpointStatus, parseHealthText, parseMemberList, splitSections, statusTable, type Alarm, type EndpointHealth, type EndpointStatus, type Member, type Section } from './parse.js';

export const DEFAULT_MAX_APPLIED_LAG = 1000;

// $1 endpoints (comma separated). Each section starts with "#etcdplay NAME RC [ENDPOINT]"; the
// script always exits 0: what failed is judged from the sections.
const SCRIPT = String.raw`
section status - ctl --endpoints="$1" --command-timeout=5s endpoint status -w json
section alarms - ctl --endpoints="$1" --command-timeout=5s alarm list -w json
section members - ctl --endpoints="$1" --command-timeout=5s member list -w json
eps=$1; IFS=,
for ep in $eps; do section health "$ep" ctl --endpoints="$ep" --command-timeout=5s endpoint health; done
`;

export { splitSections, type Section } from './parse.js';

export interface PreflightInput {
  sections: Section[];
  /** Endpoints that must answer. */
  endpoints: string[];
  /** Members as the inventory describes them. */
  inventory: MemberSpec[];
  group: string;
  maxAppliedLag: number;
  checkMembership: boolean;
}

export interface PreflightVerdict {
  rows: EndpointStatus[];
  table: string;
  leader?: string;
  leaderId?: string;
  members: Member[];
  alarms: (Alarm & { member: string })[];
  health: EndpointHealth[];
  /** Largest applied-index distance to the leader seen. */
  maxLag?: number;
  /** Both sides of the membership comparison, as text. */
  membership: string;
  refusals: string[];
}

const applied = (r: EndpointStatus) => r.raftAppliedIndex ?? r.raftIndex;
const firstLine = (text: string, start: string) => text.split('\n').map((l) => l.trim()).find((l) => l.startsWith(start)) ?? '';
const lastWords = (s: Section | undefined) => (s?.text ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('{')).pop() ?? `rc=${s?.rc}`;

/** Compare the live member list with the inventory; returns the refusals and a two-column text. */
export function compareMembership(live: Member[], inventory: MemberSpec[], group: string): { refusals: string[]; text: string } {
  const refusals: string[] = [];
  const pairs: [Member | undefined, MemberSpec | undefined][] = [];
  const left = new Set(inventory);
  const urls = (m: Member) => m.peerURLs.join(',') || '-';
  for (const m of live) {
    const inv = inventory.find((i) => m.name && i.name === m.name) ?? inventory.find((i) => left.has(i) && m.peerURLs.includes(i.peerUrl));
    if (inv) left.delete(inv);
    pairs.push([m, inv]);
    const who = m.name || `unstarted member ${m.id}`;
    if (!inv) refusals.push(`${m.name ? `live member ${m.name}` : who} (${urls(m)}) is not in inventory group ${group}`);
    else if (!m.name) refusals.push(`inventory member ${inv.name} is in the member list but was never started (id ${m.id}, ${urls(m)})`);
    else if (m.name !== inv.name) refusals.push(`live member ${m.name} has the peer URL of inventory member ${inv.name} (${inv.peerUrl}): names differ`);
    else if (m.peerURLs.length !== 1 || m.peerURLs[0] !== inv.peerUrl) refusals.push(`${m.name}: peer URLs differ: live ${urls(m)}, inventory ${inv.peerUrl}`);
  }
  for (const inv of left) {
    pairs.push([undefined, inv]);
    refusals.push(`inventory member ${inv.name} (${inv.peerUrl}) is not in the live member list`);
  }
  const rows = [['NAME', 'LIVE (member list)', `INVENTORY (group ${group})`], ...pairs.map(([m, i]) => [
    m?.name || i?.name || `(${m?.id})`,
    m ? `${urls(m)}${m.isLearner ? ' (learner)' : ''}${m.name ? '' : ' (unstarted)'}` : '-',
    i ? i.peerUrl : '-',
  ])];
  const w = [0, 1].map((k) => Math.max(...rows.map((r) => r[k]!.length)));
  return { refusals, text: rows.map((r) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]}`).join('\n') };
}

/** The whole judgement (pure): every refusal, each naming the member and the fact. */
export function judgePreflight(input: PreflightInput): PreflightVerdict {
  const sec = (n: string) => input.sections.find((s) => s.name === n);
  const refusals: string[] = [];
  if (sec('status')?.rc === 127) {
    const none = { rows: [], table: statusTable([]), members: [], alarms: [], health: [], membership: '' };
    return { ...none, refusals: [`etcdctl cannot be run on the host running the preflight: ${lastWords(sec('status'))}`] };
  }
  const statusText = firstLine(sec('status')?.text ?? '', '[');
  const rows = statusText ? parseEndpointStatus(statusText) : [];
  const membersSec = sec('members');
  const membersJson = firstLine(membersSec?.text ?? '', '{"header"');
  const members = membersJson ? parseMemberList(membersJson) : [];
  const nameOfId = (id: string) => members.find((m) => m.id === id)?.name || id;
  const nameOfEp = (ep: string) => {
    const id = rows.find((r) => r.endpoint === ep)?.id;
    return (id && members.find((m) => m.id === id)?.name) || input.inventory.find((m) => m.clientUrl === ep)?.name || ep;
  };

  const alarmsSec = sec('alarms');
  const alarms = alarmsSec ? parseAlarmList(alarmsSec.text).map((a) => ({ ...a, member: nameOfId(a.memberId) })) : [];
  const health = input.sections.filter((s) => s.name === 'health').map((s) => parseHealthText(s.endpoint, s.rc, s.text));

  for (const ep of input.endpoints) {
    const h = health.find((x) => x.endpoint === ep);
    const answered = rows.some((r) => r.endpoint === ep);
    const alarmOnly = !!h?.error && /Active Alarm/i.test(h.error) && alarms.length > 0;
    if (!answered) refusals.push(`${nameOfEp(ep)}: not answering (${ep}${h?.error ? `: ${h.error}` : ''})`);
    else if (!h) refusals.push(`${nameOfEp(ep)}: health not checked (${ep})`);
    else if (!h.health && !alarmOnly) refusals.push(`${nameOfEp(ep)}: unhealthy (${h.error})`);
  }

  const leaderIds = [...new Set(rows.map((r) => r.leader).filter((l) => l && l !== '0'))];
  const leaderRow = leaderIds.length === 1 ? rows.find((r) => r.id === leaderIds[0]) : undefined;
  if (rows.length && !leaderIds.length) refusals.push('no leader: no member reports one');
  if (leaderIds.length > 1) {
    refusals.push(`more than one leader seen: ${rows.filter((r) => r.leader && r.leader !== '0').map((r) => `${nameOfEp(r.endpoint)} follows ${nameOfId(r.leader)}`).join(', ')}`);
  }

  if (!alarmsSec || (alarmsSec.rc !== 0 && !alarms.length)) refusals.push(`alarm list failed: ${lastWords(alarmsSec)}`);
  for (const a of alarms) refusals.push(`${a.member}: alarm ${a.alarm}`);

  let maxLag: number | undefined;
  if (leaderRow) {
    for (const r of rows) {
      const lag = applied(leaderRow) - applied(r);
      maxLag = Math.max(maxLag ?? 0, lag);
      if (lag > input.maxAppliedLag) refusals.push(`${nameOfEp(r.endpoint)}: applied index ${applied(r)} lags the leader's (${applied(leaderRow)}) by ${lag}, more than max_applied_lag ${input.maxAppliedLag}`);
    }
  }

  if (!membersJson) refusals.push(`member list failed: ${lastWords(membersSec)}`);
  for (const m of members.filter((x) => x.isLearner)) refusals.push(`${m.name || `unstarted member ${m.id}`}: is a learner (${m.peerURLs.join(',')}); promote or remove it first`);
  const cmp = compareMembership(members, input.inventory, input.group);
  if (membersJson && input.checkMembership) refusals.push(...cmp.refusals);

  const leader = leaderRow?.endpoint;
  const out: PreflightVerdict = { rows, table: statusTable(rows), members, alarms, health, membership: cmp.text, refusals };
  if (leader) out.leader = leader;
  if (leaderIds.length === 1) out.leaderId = leaderIds[0]!;
  if (maxLag !== undefined) out.maxLag = maxLag;
  return out;
}

/** One readable line for msg; the detail goes to stdout. */
const refusalHead = (refusals: string[]) => `preflight refused: ${refusals.length} problem${refusals.length === 1 ? '' : 's'}`;
export function refusalLine(refusals: string[]): string {
  return `${refusalHead(refusals)}: ${refusals.join('; ')}`;
}

function inputOf(args: EtcdPreflightArgs, ctx: PlanContext, sections: Section[]): PreflightInput {
  const group = args.group ?? 'etcd';
  return {
    sections,
    endpoints: allEndpoints(args, ctx),
    inventory: clusterMembers(ctx, group),
    group,
    maxAppliedLag: args.max_applied_lag === undefined ? DEFAULT_MAX_APPLIED_LAG : Number(args.max_applied_lag),
    checkMembership: args.check_membership === undefined || toBool(args.check_membership),
  };
}

export function interpretPreflight(args: EtcdPreflightArgs, results: StepOutcome[], ctx: PlanContext): TaskResult {
  const r = results[results.length - 1];
  if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'preflight not run' };
  const stderr = r.stderr ?? '';
  if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr, msg: `preflight could not run (rc=${r.rc}): ${stderr.trim().split('\n').pop() ?? ''}` };
  const input = inputOf(args, ctx, splitSections(r.stdout ?? ''));
  const v = judgePreflight(input);
  const leaderName = v.leaderId ? (v.members.find((m) => m.id === v.leaderId)?.name || v.leaderId) : 'none';
  const passed = `preflight passed: ${v.rows.length} member(s) healthy, leader ${leaderName}, no alarms, applied-index lag ${v.maxLag ?? 0} (max ${input.maxAppliedLag})${input.checkMembership ? ', membership matches the inventory' : ', membership not checked'}`;
  const verdict = v.refusals.length ? [`${refusalHead(v.refusals)}:`, ...v.refusals.map((x) => `  - ${x}`)].join('\n') : passed;
  const stdout = `${v.table}\n\n${v.membership}\n\n${verdict}\n`;
  return {
    changed: false,
    failed: v.refusals.length > 0,
    rc: 0,
    stdout,
    stdout_lines: stdout.trimEnd().split('\n'),
    stderr,
    msg: v.refusals.length ? refusalLine(v.refusals) : passed,
    data: { ...v, maxAppliedLag: input.maxAppliedLag, checkMembership: input.checkMembership },
  };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...connArgsSchema,
    max_applied_lag: countArg(`largest accepted applied-index distance to the leader (default ${DEFAULT_MAX_APPLIED_LAG})`),
    check_membership: flagArg('compare the live member list with the inventory group (default true)'),
  },
} as const;
export type EtcdPreflightArgs = ArgsOf<typeof argsSchema>;

export const etcdPreflightModule: Module<EtcdPreflightArgs> = {
  name: 'etcd_preflight',
  summary: 'cluster gate before a change: every member healthy, one leader, no alarms, applied index close to the leader, membership = inventory',
  docs: `Read-only; run it once (\`run_once: true\`). One command asks the cluster (endpoints from
the inventory group \`group\`, default 'etcd', or \`endpoints\`; TLS from the inventory/facts as
etcd_status): \`endpoint status -w json\`, \`alarm list -w json\`, \`member list -w json\`, and
\`endpoint health\` per endpoint (its exit code; the JSON form is not JSON on 3.3). The task FAILS,
having changed nothing, listing every problem, each naming the member:
- a member that does not answer or is not healthy;
- no leader, or more than one leader seen;
- any alarm (NOSPACE, CORRUPT, ...) and the member it is on;
- a member whose applied index (\`raftAppliedIndex\`, else raftIndex) is more than
  \`max_applied_lag\` (default 1000) behind the leader's: a busy cluster passes;
- any learner (always: a restore from the inventory would drop it);
- membership (\`check_membership\`, default true): a live member not in the inventory group, an
  inventory member missing from the live list, a name or peer-URL mismatch, a member added but
  never started. Both sides are printed in stdout.

\`msg\` is one line ("preflight refused: 2 problems: etcd3: alarm NOSPACE; live member etcd4
(http://…) is not in inventory group etcd"); stdout has the status table, the membership table
(live | inventory) and the verdict. \`data\`: rows (as etcd_status), table, leader (endpoint),
leaderId (hex), members (live list, hex ids), alarms ({memberId, member, alarm}), health,
maxLag, membership (text), refusals (strings), maxAppliedLag, checkMembership.`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const eps = allEndpoints(args, ctx);
    return [{ kind: 'command', description: `preflight of ${eps.join(', ')}: health, leader, alarms, applied index, membership`, mutates: false, changed: 'never', command: shScript(SCRIPT, [eps.join(',')], etcdctlEnv(args, ctx)), timeoutMs: 120_000 }];
  },
  interpret: interpretPreflight,
  examples: `- name: Cluster preflight gate (health, one leader, no alarms, membership)
  etcd_preflight:
    max_applied_lag: "{{ etcd_max_applied_lag | default(1000) }}"
  run_once: true
  register: preflight`,
};
