/**
 * The lab's control plane hosts (cp1..cpN): stand-ins for Kubernetes API servers, so a playbook
 * that fences writers has real writers to fence. Pure rendering here (unit-tested without root):
 * the writer daemon, the LSB init scripts, the install script, and the acknowledged-writes check.
 *
 * kube-apiserver = /usr/local/sbin/etcdplay-lab-writer: puts /registry/etcdplay-writes/<host>/<seq>
 * through every member, and only after etcdctl exited 0 appends the key to ACKED_LOG. A write that
 * is in that log and not in the cluster is a lost acknowledged write.
 */
import { shQuote } from '../shell/quote.js';

export const WRITES_PREFIX = '/registry/etcdplay-writes/';
export const WRITER_PATH = '/usr/local/sbin/etcdplay-lab-writer';
export const WRITER_STATE_DIR = '/var/lib/kube-apiserver';
export const ACKED_LOG = `${WRITER_STATE_DIR}/acked.log`;
export const READY_FILE = '/run/kube-apiserver/ready';
export const WRITER_LOG = '/var/log/kube-apiserver.log';
export const WRITER_SERVICE = 'kube-apiserver';
/** Trivial daemons whose `start` appends a line to /var/log/<name>.starts (to see restarts). */
export const IDLE_SERVICES = ['kube-controller-manager', 'kube-scheduler'] as const;
/** Seconds between two puts, and after a failed one. */
export const WRITE_PACE = '0.05';
export const RETRY_PAUSE = '0.5';

/** Vars of the inventory group kube_control_plane: what etcd_fence stops, restarts and waits for. */
export const CONTROL_PLANE_VARS = {
  etcd_fence_ready_command: `test -e ${READY_FILE}`,
  etcd_fence_units: [WRITER_SERVICE],
  etcd_fence_restart_units: [...IDLE_SERVICES],
};

/** The zero-padded key of write `seq` from `host` (as the writer's printf makes it). */
export function writeKey(host: string, seq: number): string {
  return `${WRITES_PREFIX}${host}/${String(seq).padStart(12, '0')}`;
}

/**
 * The writer daemon (POSIX sh). `etcdctl` is the shell text of an etcdctl invocation against every
 * member (etcdctlPrefix). TERM/INT/HUP only set a flag: a put in flight finishes (sh runs a trap
 * after the foreground command), is logged when acknowledged, and the loop ends. The sequence
 * number is stored before each put, so a key is never reused, across restarts too.
 */
export function renderWriter(etcdctl: string): string {
  return `#!/bin/sh
# etcdplay lab: kube-apiserver stand-in, a real etcd client that writes continuously.
# Started by /etc/init.d/${WRITER_SERVICE}. Every put that etcdctl acknowledged (exit 0) is
# appended to ${ACKED_LOG}; a failed or timed-out put is not, and the next try uses a new key.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec >>${WRITER_LOG} 2>&1 </dev/null
state=${WRITER_STATE_DIR}
ready=${READY_FILE}
prefix=${WRITES_PREFIX}$(hostname)/
mkdir -p "$state" "\${ready%/*}"
rm -f "$ready"
stopping=0
trap 'stopping=1' TERM INT HUP
seq=$(cat "$state/seq" 2>/dev/null)
case $seq in ''|*[!0-9]*) seq=0 ;; esac
acked=0
echo "$(date -Is) writing $prefix* after seq $seq"
while [ "$stopping" = 0 ]; do
  seq=$((seq + 1))
  echo "$seq" > "$state/seq.tmp" && mv -f "$state/seq.tmp" "$state/seq" || { sleep ${RETRY_PAUSE}; continue; }
  key=$(printf '%s%012d' "$prefix" "$seq")
  if ${etcdctl} put "$key" "$seq" >/dev/null; then
    echo "$key" >> "$state/acked.log"
    if [ "$acked" = 0 ]; then : > "$ready"; acked=1; fi
    [ "$stopping" = 0 ] && sleep ${WRITE_PACE}
  else
    echo "$(date -Is) put $key failed (not acknowledged)"
    [ "$stopping" = 0 ] && sleep ${RETRY_PAUSE}
  fi
done
rm -f "$ready"
echo "$(date -Is) stopped after seq $seq"
`;
}

export interface ServiceSpec {
  name: string;
  description: string;
  /** argv of the daemon (run in the background by start-stop-daemon). */
  daemon: string[];
  /** Shell run after a successful start. */
  afterStart?: string;
  /** Files removed before a start and after the daemon is gone. */
  runtimeFiles?: string[];
}

/**
 * An LSB init script (`service NAME start|stop|status|restart`). `stop` is exact: TERM, then it
 * returns only once the daemon is gone; after ~10 s the daemon is frozen (STOP), its children (an
 * etcdctl in flight) and it are killed, and those children are waited for too.
 */
export function renderServiceScript(s: ServiceSpec): string {
  const [exe, ...args] = s.daemon;
  const files = (s.runtimeFiles ?? []).map(shQuote).join(' ');
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${s.name}
# Required-Start:    $remote_fs $network
# Required-Stop:     $remote_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: ${s.description}
# Description:       Written by etcdplay lab (a stand-in for a Kubernetes control plane service).
### END INIT INFO
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
NAME=${shQuote(s.name)}
PIDFILE=/run/$NAME.pid
running() { pid=$(cat "$PIDFILE" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
alive() { for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
case "$1" in
  start)
    if running; then echo "$NAME is already running"; exit 0; fi
    echo "Starting $NAME"
    rm -f "$PIDFILE" ${files}
    start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" --startas ${shQuote(exe!)}${args.length ? ' -- ' + args.map(shQuote).join(' ') : ''} || exit 1
${s.afterStart ? `    ${s.afterStart}\n` : ''}    ;;
  stop)
    echo "Stopping $NAME"
    if running; then
      kill -TERM "$pid"
      n=0; kids=
      while alive "$pid" $kids; do
        n=$((n + 1))
        if [ "$n" -eq 100 ]; then
          kill -STOP "$pid" 2>/dev/null
          kids=$(pgrep -P "$pid")
          [ -n "$kids" ] && kill -KILL $kids 2>/dev/null
          kill -KILL "$pid" 2>/dev/null
        fi
        sleep 0.1
      done
    fi
    rm -f "$PIDFILE" ${files}
    ;;
  restart|force-reload)
    "$0" stop && "$0" start
    ;;
  status)
    if running; then echo "$NAME is running"; exit 0; fi
    echo "$NAME is not running"
    exit 3
    ;;
  *)
    echo "Usage: $0 {start|stop|restart|force-reload|status}" >&2
    exit 3
    ;;
esac
`;
}

/** The three services of a control plane host (the same specs for init scripts and systemd units). */
export function controlPlaneSpecs(): ServiceSpec[] {
  return [
    { name: WRITER_SERVICE, description: 'etcdplay lab etcd writer (kube-apiserver stand-in)', daemon: [WRITER_PATH], runtimeFiles: [READY_FILE] },
    ...IDLE_SERVICES.map((name): ServiceSpec => ({
      name, description: `etcdplay lab idle daemon (${name} stand-in)`, daemon: ['/bin/sleep', 'infinity'],
      afterStart: `date -Is >> ${shQuote(`/var/log/${name}.starts`)}`,
    })),
  ];
}

/** The three services of a control plane host: init.d name -> script. */
export function controlPlaneServices(): Record<string, string> {
  return Object.fromEntries(controlPlaneSpecs().map((s) => [s.name, renderServiceScript(s)]));
}

/** The three services of a control plane host as systemd units: unit file name -> text. */
export function controlPlaneUnits(): Record<string, string> {
  return Object.fromEntries(controlPlaneSpecs().map((s) => [`${s.name}.service`, renderUnit(s)]));
}

/**
 * The systemd unit equivalent of renderServiceScript: the same daemon, the same exact stop. TERM
 * goes to the daemon only (KillMode=mixed), so the writer finishes the put in flight and exits;
 * after 10 s whatever is left of the unit (an etcdctl in flight too) is killed, and `systemctl
 * stop` returns only once the unit's cgroup is empty. Not enabled: the lab starts it.
 */
export function renderUnit(s: ServiceSpec): string {
  const files = (s.runtimeFiles ?? []).map(shQuote).join(' ');
  const lines = [
    '# Written by etcdplay lab (a stand-in for a Kubernetes control plane service).',
    '[Unit]',
    `Description=${s.description}`,
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${s.daemon.map(shQuote).join(' ')}`,
    ...(files ? [`ExecStartPre=/bin/rm -f ${files}`] : []),
    ...(s.afterStart ? [`ExecStartPost=/bin/sh -c ${shQuote(s.afterStart)}`] : []),
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=10',
    ...(files ? [`ExecStopPost=/bin/rm -f ${files}`] : []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

/** Shell run inside a control plane host: etcdctl (etcd-client) only, from the lab's repo. */
export function controlPlaneInstallScript(debVersion: string): string {
  return [
    'set -e',
    'apt-get update -q >/dev/null',
    `apt-get install -y -q --no-install-recommends ${shQuote(`etcd-client=${debVersion}`)}`,
    `install -d -m 0755 ${shQuote(WRITER_STATE_DIR)}`,
  ].join('\n');
}

/** Acknowledged keys (complete lines of the acked logs) that are not among the cluster's keys. */
export function missingWrites(ackedLogs: string[], clusterKeys: string): { acked: number; missing: string[] } {
  const present = new Set(clusterKeys.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(WRITES_PREFIX)));
  let acked = 0;
  const missing: string[] = [];
  for (const log of ackedLogs) {
    const lines = log.split('\n');
    lines.pop(); // the part after the last newline: empty, or a line still being written
    for (const key of lines) {
      if (!key) continue;
      acked++;
      if (!present.has(key)) missing.push(key);
    }
  }
  return { acked, missing };
}
