/**
 * etcd_move_leader: if this member leads, hand leadership to another started member
 * (`etcdctl move-leader`), so a rolling restart never takes the leader down first.
 */
import type { ArgsOf } from '../args.js';
import type { Module, PlanContext } from '../module.js';
import { allEndpoints, connArgsSchema, etcdctlEnv, localEndpoints, MARK, scriptResult, shScript } from './common.js';

// $1 this member's endpoint, $2 all endpoints, $3 target member id (hex) or '', $4 marker.
// `endpoint status` simple output: ENDPOINT, ID, VERSION, DB SIZE, IS LEADER, ... (3.4 and 3.5)
const SCRIPT = String.raw`
ME=$1; ALL=$2; TO=$3; MARK=$4
S=$(ctl --endpoints="$ALL" --command-timeout=5s endpoint status 2>/dev/null | tr -d ' ')
MYID=$(printf '%s\n' "$S" | awk -F, -v e="$ME" '$1 == e { print $2 }')
LEADS=$(printf '%s\n' "$S" | awk -F, -v e="$ME" '$1 == e { print $5 }')
[ -n "$MYID" ] || die "$ME does not answer endpoint status"
if [ "$LEADS" != true ]; then printf '{"moved":false,"member":"%s"}\n' "$MYID"; exit 0; fi
[ -n "$TO" ] || TO=$(printf '%s\n' "$S" | awk -F, -v e="$ME" '$1 != e && $2 != "" { print $2; exit }')
[ -n "$TO" ] || die "no other member to hand leadership to"
ctl --endpoints="$ME" move-leader "$TO" >&2 || die "move-leader to $TO failed"
echo "$MARK"
printf '{"moved":true,"from":"%s","to":"%s"}\n' "$MYID" "$TO"
`;

const argsSchema = { type: 'object', additionalProperties: false, properties: { ...connArgsSchema, to: { type: 'string', pattern: '^[0-9a-f]+$' } } } as const;
export type EtcdMoveLeaderArgs = ArgsOf<typeof argsSchema>;

export const etcdMoveLeaderModule: Module<EtcdMoveLeaderArgs> = {
  name: 'etcd_move_leader',
  summary: 'if this member is the leader, transfer leadership to another member (before restarting it)',
  docs: `Reads \`endpoint status\` of all members; when this host's member leads, runs \`etcdctl
move-leader <id>\` against it, to \`to\` (hex member id) or the first other member that answered.
Nothing happens when it does not lead. Used by etcd-patch-downgrade.yml before each stop.`,
  argsSchema,
  checkMode: false,
  plan(args, ctx: PlanContext) {
    const me = localEndpoints({ ...args, endpoints: undefined }, ctx)[0]!;
    const all = allEndpoints(args, ctx);
    return [{ kind: 'command', description: `move leadership away from ${me} if it leads`, mutates: true, changed: 'marker', command: shScript(SCRIPT, [me, all.join(','), args.to ?? '', MARK], etcdctlEnv(args, ctx)), timeoutMs: 60_000 }];
  },
  interpret(_args, results) {
    return scriptResult(results, (d) => (d.moved ? `leadership moved ${d.from} -> ${d.to}` : `${d.member} is not the leader`), 'move-leader');
  },
  examples: `- etcd_move_leader:`,
};
