import type { ArgsOf } from './args.js';
import type { Step } from '../model/step.js';
import type { Module } from './module.js';
import { NAME_RE, SCHEMA, checkName, commandStep, script } from './steps.js';

/**
 * Shell functions that control one service, shared by the scripts that stop and start services
 * (this module, etcd_fence). They read the variables name (unit or /etc/init.d script), pat
 * (process name waited for after a stop) and timeout (seconds). systemd when it runs the host,
 * else sysvinit through `service` or /etc/init.d/NAME (ETCDPLAY_INIT_D in the environment names
 * another directory: tests, hosts with init scripts elsewhere). start, stop and restart exit the
 * script on failure. exists: the unit file or init script is there.
 */
export const SERVICE_FNS = `
initd=\${ETCDPLAY_INIT_D:-/etc/init.d}
has_systemd() { command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }
is_running() {
  if has_systemd; then systemctl is-active --quiet "$name"; return; fi
  if command -v service >/dev/null 2>&1; then service "$name" status >/dev/null 2>&1; return; fi
  if [ -x "$initd/$name" ]; then "$initd/$name" status >/dev/null 2>&1; return; fi
  return 1
}
proc_alive() {
  if command -v pgrep >/dev/null 2>&1; then pgrep -x "$pat" >/dev/null 2>&1; return; fi
  for f in /proc/[0-9]*/comm; do [ "$(cat "$f" 2>/dev/null)" = "$pat" ] && return 0; done
  return 1
}
ctl() {
  if has_systemd; then systemctl "$1" "$name"; return; fi
  if command -v service >/dev/null 2>&1; then service "$name" "$1"; return; fi
  if [ -x "$initd/$name" ]; then "$initd/$name" "$1"; return; fi
  echo "service $name: no systemd, no service command and no $initd/$name on this host" >&2
  exit 3
}
wait_for() {
  i=0; n=$((timeout * 5))
  while :; do
    case $1 in
      running) is_running && return 0; has_systemd && systemctl is-failed --quiet "$name" && return 1 ;;
      gone) if ! is_running && ! proc_alive; then return 0; fi ;;
    esac
    i=$((i + 1)); [ "$i" -ge "$n" ] && return 1
    sleep 0.2
  done
}
is_enabled() {
  if has_systemd; then systemctl is-enabled --quiet "$name"; return; fi
  ls /etc/rc2.d/S[0-9][0-9]"$name" /etc/rc3.d/S[0-9][0-9]"$name" >/dev/null 2>&1
}
set_enabled() {
  if has_systemd; then systemctl "$1" "$name"; return; fi
  if command -v update-rc.d >/dev/null 2>&1; then
    if [ "$1" = enable ]; then update-rc.d "$name" defaults >/dev/null 2>&1; fi
    update-rc.d "$name" "$1"; return
  fi
  if command -v chkconfig >/dev/null 2>&1; then
    if [ "$1" = enable ]; then chkconfig "$name" on; else chkconfig "$name" off; fi; return
  fi
  echo "service $name: cannot $1 (no systemctl, update-rc.d or chkconfig)" >&2; exit 3
}
failed() {
  if has_systemd; then
    inv=$(systemctl show -p InvocationID --value "$name" 2>/dev/null)
    # the service's own lines reach journald through a stream that may lag behind systemd's verdict:
    # wait (2 s at most) until that attempt has a line of its own
    i=0
    while [ -n "$inv" ] && [ $i -lt 20 ] && [ -z "$(journalctl --no-pager -q -o cat -n 1 _SYSTEMD_INVOCATION_ID="$inv" 2>/dev/null)" ]; do
      journalctl --sync 2>/dev/null; sleep 0.1; i=$((i + 1))
    done
    { if [ -n "$inv" ]; then journalctl --no-pager -o short _SYSTEMD_INVOCATION_ID="$inv" + INVOCATION_ID="$inv"
      else journalctl --no-pager -o short -u "$name" -n 16; fi; } 2>/dev/null |
      awk '{ l[NR] = $0 } END { for (i = 1; i <= NR; i++) if (NR <= 16 || i <= 8 || i > NR - 8) print "journal: " l[i]; else if (i == 9) print "journal: ..." }' >&2
    why=" (systemd: $(systemctl show -p ActiveState --value "$name" 2>/dev/null)/$(systemctl show -p Result --value "$name" 2>/dev/null); its journal above)"
  fi
  echo "service $name $1\${why:-}" >&2
  exit 1
}
start() {
  ctl start || failed "failed to start"
  wait_for running || failed "did not report running within \${timeout}s"
}
stop() {
  if is_running; then ctl stop || exit $?; fi
  wait_for gone || {
    echo "service $name: process '$pat' still running \${timeout}s after stop" >&2
    exit 1
  }
}
restart() {
  if has_systemd; then ctl restart || failed "failed to restart"; wait_for running || failed "did not come back within \${timeout}s"
  else stop; start; fi
}
exists() {
  if has_systemd; then systemctl cat -- "$name" >/dev/null 2>&1; return; fi
  [ -x "$initd/$name" ]
}
`;

/**
 * One script for every service operation; inputs are positional: $1 op, $2 name, $3 process
 * name (pattern), $4 timeout seconds. Exit 0 from the `need-*` ops means "a change is needed"
 * (onlyIf guards).
 */
export const SERVICE_SH = `
op=$1; name=$2; pat=$3; timeout=$4
${SERVICE_FNS}
missing() { echo "Could not find the requested service $name: no unit and no $initd/$name on this host" >&2; exit 1; }
# A service that does not exist: the guards say "act" and the action fails, as Ansible does.
case $op in
  need-start) ! exists || ! is_running ;;
  need-stop) ! exists || is_running || proc_alive ;;
  need-enable) ! exists || ! is_enabled ;;
  need-disable) ! exists || is_enabled ;;
  status) if is_running; then echo running; else echo stopped; fi ;;
  start) exists || missing; start ;;
  stop) exists || missing; stop ;;
  restart) exists || missing; restart ;;
  reload)
    exists || missing
    if is_running; then ctl reload || exit $?; else start; fi ;;
  enable) exists || missing; set_enabled enable ;;
  disable) exists || missing; set_enabled disable ;;
  need-daemon-reload) has_systemd ;;
  daemon-reload) systemctl daemon-reload ;;
  *) echo "unknown service operation $op" >&2; exit 2 ;;
esac
`;

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    name: { type: 'string', pattern: NAME_RE.source, description: 'Service name (unit or /etc/init.d script).' },
    state: { enum: ['started', 'stopped', 'restarted', 'reloaded'], description: 'started/stopped are idempotent; restarted/reloaded always act.' },
    enabled: { type: 'boolean', description: 'Start at boot (systemctl enable, update-rc.d, chkconfig).' },
    pattern: { type: 'string', minLength: 1, description: 'Process name to wait for when stopping (default: the service name).' },
    timeout: { type: 'integer', minimum: 1, default: 60, description: 'Seconds to wait for the service to come up or for its process to be gone.' },
    daemon_reload: { type: 'boolean', description: 'systemd: `systemctl daemon-reload` before anything else (unit files or drop-ins changed); nothing without systemd.' },
  },
  required: ['name'],
  additionalProperties: false,
  anyOf: [{ required: ['state'] }, { required: ['enabled'] }, { required: ['daemon_reload'] }],
} as const;
export type ServiceArgs = ArgsOf<typeof argsSchema>;

export const serviceModule: Module<ServiceArgs> = {
  name: 'service',
  aliases: ['ansible.builtin.service', 'ansible.legacy.service', 'systemd', 'ansible.builtin.systemd', 'systemd_service', 'ansible.builtin.systemd_service', 'sysvinit', 'ansible.builtin.sysvinit'],
  summary: 'Start, stop, restart, reload, enable or disable a service (systemd or sysvinit)',
  checkMode: true,
  argsSchema,
  docs: `Controls a service with systemd when it runs the host (\`/run/systemd/system\` exists), else
with \`service NAME ...\` or \`/etc/init.d/NAME\`.

- \`started\`: runs only if the service is not running (checked first, also in --check mode), then
  waits until the status says running.
- \`stopped\`: runs only if the service or a process named \`pattern\` is running, then waits until
  the status says stopped AND no such process is left (so its ports are free for the next start).
- \`restarted\`: stop, wait until the process is gone, start (systemd: \`systemctl restart\`).
- \`reloaded\`: reload if running, else start.
- \`enabled\`: idempotent; checked before changing.
- \`daemon_reload\`: \`systemctl daemon-reload\` first (changed when systemd runs the host).

A start or restart that fails under systemd ends with the unit's state and result; the journal of
that last attempt (its first and last 8 lines, each prefixed \`journal: \`) is in the task's stderr.`,
  examples: `- name: stop etcd everywhere
  service:
    name: etcd
    state: stopped

- name: restart the API servers
  service: name=atomic-openshift-master-api state=restarted`,
  plan(args) {
    const name = checkName(args.name, 'service name');
    const pat = args.pattern ?? name;
    const timeout = args.timeout ?? 60;
    const run = (op: string) => script(SERVICE_SH, [op, name, pat, timeout]);
    const timeoutMs = (timeout * 2 + 30) * 1000;
    const steps: Step[] = [];
    if (args.daemon_reload) steps.push(commandStep('systemctl daemon-reload (when systemd runs the host)', run('daemon-reload'), { mutates: true, onlyIf: run('need-daemon-reload') }));
    switch (args.state) {
      case 'started':
        steps.push(commandStep(`start ${name} (if not running) and wait until it runs`, run('start'), { mutates: true, onlyIf: run('need-start'), timeoutMs }));
        break;
      case 'stopped':
        steps.push(commandStep(`stop ${name} (if running) and wait until process '${pat}' is gone`, run('stop'), { mutates: true, onlyIf: run('need-stop'), timeoutMs }));
        break;
      case 'restarted':
        steps.push(commandStep(`restart ${name} and wait until it runs`, run('restart'), { mutates: true, timeoutMs }));
        break;
      case 'reloaded':
        steps.push(commandStep(`reload ${name} (start it if not running)`, run('reload'), { mutates: true, timeoutMs }));
        break;
      default:
        break;
    }
    if (args.enabled !== undefined) {
      const op = args.enabled ? 'enable' : 'disable';
      steps.push(commandStep(`${op} ${name} at boot`, run(op), { mutates: true, onlyIf: run(`need-${op}`) }));
    }
    return steps;
  },
};
