/**
 * etcd_service: stop that waits until the process is gone and the client/peer ports are free
 * (the peer port can stay bound a moment after a stop), start that waits until the member
 * listens or answers health. systemd (`systemctl start --no-block`: a restored member only
 * signals ready once it has a quorum) or SysV init scripts.
 */
import type { Module, PlanContext } from '../module.js';
import type { ArgsOf } from '../args.js';
import { connArgsSchema, etcdctlEnv, instanceEnv, localEndpoints, MARK, scriptResult, shScript, thisMember } from './common.js';

// $1 action, $2 service, $3 manager, $4 wait, $5 timeout s, $6 address, $7 client port, $8 peer port, $9 endpoint; then marker
const SCRIPT = String.raw`
ACT=$1; SVC=$2; MGR=$3; WAIT=$4; TMO=$5; ADDR=$6; CP=$7; PP=$8; EP=$9; shift 9; MARK=$1
if [ "$MGR" = auto ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then MGR=systemd
  elif [ -x "/etc/init.d/$SVC" ]; then MGR=sysv
  else die "no systemd and no /etc/init.d/$SVC: cannot manage the etcd service"; fi
fi
svc() {
  case "$MGR" in
    systemd) if [ "$1" = start ]; then systemctl start --no-block "$SVC"; else systemctl "$1" "$SVC"; fi ;;
    sysv) "/etc/init.d/$SVC" "$1" ;;
  esac
}
deadline=$(( $(date +%s) + TMO ))
logtail() {
  if [ "$MGR" = systemd ]; then journalctl -u "$SVC" -n 5 --no-pager 2>/dev/null
  else f=$(sed -n 's/^ETCD_LOG_OUTPUTS=//p' "/etc/default/$SVC" "/etc/etcd/$SVC.conf" 2>/dev/null | tr -d '"' | cut -d, -f1 | head -n1)
    case "$f" in /*) [ -f "$f" ] && tail -n 3 "$f" ;; esac; fi
}
exited() { sleep 1; etcd_running && return 0; echo "etcdplay: last log lines:" >&2; logtail >&2; die "etcd exited after start"; }
stopped() { ! etcd_running && ! listening "$ADDR" "$CP" && ! listening "$ADDR" "$PP"; }
do_stop() {
  if etcd_running; then svc stop >&2 || echo "etcdplay: $SVC stop returned $?" >&2; echo "$MARK"; fi
  half=$(( $(date +%s) + TMO / 2 ))
  while ! stopped; do
    if [ "$(date +%s)" -ge "$half" ] && etcd_running; then
      echo "etcdplay: etcd still running; sending TERM" >&2; kill -TERM $(etcd_pids) 2>/dev/null; half=$deadline
    fi
    [ "$(date +%s)" -ge "$deadline" ] && die "etcd did not stop within $TMO s (process or ports $ADDR:$CP/$PP still busy)"
    sleep 0.2
  done
}
do_start() {
  if ! etcd_running; then
    while listening "$ADDR" "$CP" || listening "$ADDR" "$PP"; do
      [ "$(date +%s)" -ge "$deadline" ] && die "ports $ADDR:$CP/$PP still busy; cannot start"
      sleep 0.2
    done
    svc start >&2 || die "$SVC start failed"
    echo "$MARK"
  fi
  case "$WAIT" in
    none) ;;
    listening)
      until listening "$ADDR" "$CP"; do
        etcd_running || exited
        [ "$(date +%s)" -ge "$deadline" ] && die "etcd does not listen on $ADDR:$CP after $TMO s"
        sleep 0.2
      done ;;
    health)
      until ctl --endpoints="$EP" --command-timeout=3s endpoint health >/dev/null 2>&1; do
        etcd_running || exited
        [ "$(date +%s)" -ge "$deadline" ] && die "$EP not healthy after $TMO s"
        sleep 0.5
      done ;;
  esac
}
case "$ACT" in
  stopped) do_stop ;;
  started) do_start ;;
  restarted) do_stop; do_start ;;
esac
pid=$(etcd_pids | head -n1)
printf '{"state":"%s","manager":"%s","running":%s,"pid":%s}\n' "$ACT" "$MGR" "$( [ -n "$pid" ] && echo true || echo false)" "$( [ -n "$pid" ] && echo "$pid" || echo null)"
`;

function hostOf(url: string): string {
  const m = /^[a-z]+:\/\/\[?([^\]/]+?)\]?:(\d+)/.exec(url);
  return m ? m[1]! : '';
}
function portOf(url: string, dflt: number): number {
  const m = /:(\d+)(?:\/|$)/.exec(url.replace(/^[a-z]+:\/\//, ''));
  return m ? Number(m[1]) : dflt;
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['state'],
  properties: {
    ...connArgsSchema,
    state: { enum: ['started', 'stopped', 'restarted'] },
    name: { type: 'string', pattern: '^[A-Za-z0-9@._-]+$' },
    manager: { enum: ['auto', 'systemd', 'sysv'] },
    wait: { enum: ['health', 'listening', 'none'] },
    timeout: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]*$' }], description: 'seconds' },
    address: { type: 'string' },
    client_port: { type: 'integer', minimum: 1, maximum: 65535 },
    peer_port: { type: 'integer', minimum: 1, maximum: 65535 },
  },
} as const;
export type EtcdServiceArgs = ArgsOf<typeof argsSchema>;

export const etcdServiceModule: Module<EtcdServiceArgs> = {
  name: 'etcd_service',
  summary: 'start/stop/restart etcd and wait: until process gone and ports free, or until the member listens / is healthy',
  docs: `\`state: stopped\` stops the service (systemd or /etc/init.d) and waits until no etcd process
is left and neither the client nor the peer port is LISTENing on the member's address (from
/proc/net/tcp, no tools needed); after half the timeout it sends TERM to a leftover etcd.
\`state: started\` waits for the ports to be free, starts (systemd: --no-block, because a restored
member only reports ready once a quorum is up), then waits per \`wait\`: \`health\` (default;
\`etcdctl endpoint health\` on the member, which needs a quorum: start all members in parallel),
\`listening\`, or \`none\`. \`restarted\` = stop + start. Address and ports default to the
inventory (etcd_address, etcd_client_port, etcd_peer_port). Changed only when it acted.`,
  argsSchema,

  checkMode: true,
  plan(args, ctx: PlanContext) {
    const me = thisMember(ctx);
    const ep = localEndpoints(args, ctx)[0]!;
    const addr = args.address ?? hostOf(me.clientUrl);
    const cp = args.client_port ?? portOf(me.clientUrl, 2379);
    const pp = args.peer_port ?? portOf(me.peerUrl, 2380);
    const svc = args.name ?? (ctx.vars.etcd_service as string | undefined) ?? 'etcd';
    // this member's etcd, not any etcd on the host (a second cluster, etcd-events, may run there)
    const inst = instanceEnv({}, ctx);
    const guard = args.state === 'stopped' ? shScript('etcd_running', [], inst) : args.state === 'started' ? shScript('! etcd_running', [], inst) : undefined;
    return [
      {
        kind: 'command',
        description: args.state === 'stopped'
          ? `stop ${svc} and wait until the process is gone and ${addr}:${cp}/${pp} are free`
          : `${args.state === 'started' ? 'start' : 'restart'} ${svc} and wait (${args.wait ?? 'health'})`,
        mutates: true,
        changed: 'marker',
        ...(guard ? { onlyIf: guard } : {}),
        command: shScript(SCRIPT, [args.state, svc, args.manager ?? 'auto', args.wait ?? 'health', Number(args.timeout ?? 90), addr, cp, pp, ep, MARK], { ...etcdctlEnv(args, ctx), ...inst }),
        timeoutMs: ((Number(args.timeout ?? 90)) + 30) * 1000,
      },
    ];
  },
  interpret(args, results) {
    const skipped = results.length > 0 && results.every((r) => r.status === 'skipped');
    if (skipped) return { changed: false, failed: false, msg: `etcd already ${args.state === 'stopped' ? 'stopped' : 'running'}` };
    return scriptResult(results, (d) => `etcd ${args.state} (${d.manager}${d.pid ? `, pid ${d.pid}` : ''})`, `etcd ${args.state}`);
  },
  examples: `- etcd_service: { state: stopped }
- etcd_service: { state: started, wait: listening }`,
};
