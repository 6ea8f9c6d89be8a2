/**
 * Pure rendering of everything a lab writes: addresses, /etc/default/etcd, sshd drop-in,
 * inventory.yml, ssh_config, known_hosts. No I/O here (unit-tested without root).
 */
import { stringify } from 'yaml';
import { ValidationError } from '../errors.js';
import { CONTROL_PLANE_VARS } from './controlplane.js';
import type { LabInit } from './init.js';

export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;
export const SSH_PORT = 22;
export const DATA_DIR = '/var/lib/etcd/default';
export const CONFIG_FILE = '/etc/default/etcd';
export const HOST_PKI_DIR = '/etc/etcd/pki';
export const ETCD_LOG_FILE = '/var/log/etcd/etcd.log';

export interface LabHost { name: string; index: number; address: string }

export interface LabSpec {
  name: string;
  nodes: number;
  /** Upstream etcd version installed (e.g. 3.5.16) and its Debian version string. */
  etcdVersion: string;
  debVersion: string;
  tls: boolean;
  /** Third octet of the lab's addresses (127.0.NET.<10+i>); 1 unless another lab holds those. */
  net?: number;
  /** Control plane hosts cp1..cpN (API-server-like etcd writers, see controlplane.ts); default 0. */
  controlPlane?: number;
  /** The hosts' init (default sysv): systemd hosts log etcd to the journal. */
  init?: LabInit;
}

export const DEFAULT_NET = 1;

/** Host i (1-based) of a lab: etcdI on 127.0.NET.<10+i> (NET defaults to 1: 127.0.1.11, ...). */
export function labHosts(nodes: number, net = DEFAULT_NET): LabHost[] {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new RangeError(`nodes must be 1..9, got ${nodes}`);
  if (!Number.isInteger(net) || net < 1 || net > 254) throw new RangeError(`net must be 1..254, got ${net}`);
  return Array.from({ length: nodes }, (_, k) => ({ name: `etcd${k + 1}`, index: k + 1, address: `127.0.${net}.${10 + k + 1}` }));
}

export const MAX_CONTROL_PLANE = 5;

/** Control plane host i (1-based): cpI on 127.0.NET.<30+i>, clear of the etcd hosts (.11-.19). */
export function controlPlaneHosts(count: number, net = DEFAULT_NET): LabHost[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_CONTROL_PLANE) throw new RangeError(`control plane hosts must be 0..${MAX_CONTROL_PLANE}, got ${count}`);
  return Array.from({ length: count }, (_, k) => ({ name: `cp${k + 1}`, index: k + 1, address: `127.0.${net}.${30 + k + 1}` }));
}

/** Every host of a lab: the etcd members, then the control plane hosts. */
export function allLabHosts(spec: Pick<LabSpec, 'nodes' | 'net' | 'controlPlane'>): LabHost[] {
  return [...labHosts(spec.nodes, spec.net), ...controlPlaneHosts(spec.controlPlane ?? 0, spec.net)];
}

export function clusterToken(labName: string): string {
  return `etcdplay-${labName}`;
}

export function scheme(tls: boolean): 'http' | 'https' {
  return tls ? 'https' : 'http';
}

/** Paths of the TLS material on each host. */
export const HOST_PKI = {
  ca: `${HOST_PKI_DIR}/ca.crt`,
  serverCert: `${HOST_PKI_DIR}/server.crt`,
  serverKey: `${HOST_PKI_DIR}/server.key`,
  peerCert: `${HOST_PKI_DIR}/peer.crt`,
  peerKey: `${HOST_PKI_DIR}/peer.key`,
  clientCert: `${HOST_PKI_DIR}/client.crt`,
  clientKey: `${HOST_PKI_DIR}/client.key`,
} as const;

function q(v: string): string {
  return `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * /etc/default/etcd for one member (sourced by the init script under `set -a`; systemd hosts: the
 * EnvironmentFile of the package's etcd.service, and etcd logs to stderr, i.e. the journal).
 */
export function renderEtcdDefaults(spec: LabSpec, host: LabHost): string {
  const s = scheme(spec.tls);
  const hosts = labHosts(spec.nodes, spec.net);
  const vars: [string, string][] = [
    ['ETCD_NAME', host.name],
    ['ETCD_DATA_DIR', DATA_DIR],
    ['ETCD_LISTEN_CLIENT_URLS', `${s}://${host.address}:${CLIENT_PORT}`],
    ['ETCD_ADVERTISE_CLIENT_URLS', `${s}://${host.address}:${CLIENT_PORT}`],
    ['ETCD_LISTEN_PEER_URLS', `${s}://${host.address}:${PEER_PORT}`],
    ['ETCD_INITIAL_ADVERTISE_PEER_URLS', `${s}://${host.address}:${PEER_PORT}`],
    ['ETCD_INITIAL_CLUSTER', hosts.map((h) => `${h.name}=${s}://${h.address}:${PEER_PORT}`).join(',')],
    ['ETCD_INITIAL_CLUSTER_TOKEN', clusterToken(spec.name)],
    ['ETCD_INITIAL_CLUSTER_STATE', 'new'],
    ['ETCD_LOGGER', 'zap'],
    ['ETCD_LOG_OUTPUTS', spec.init === 'systemd' ? 'stderr' : ETCD_LOG_FILE],
  ];
  if (spec.tls) {
    vars.push(
      ['ETCD_TRUSTED_CA_FILE', HOST_PKI.ca],
      ['ETCD_CERT_FILE', HOST_PKI.serverCert],
      ['ETCD_KEY_FILE', HOST_PKI.serverKey],
      ['ETCD_CLIENT_CERT_AUTH', 'true'],
      ['ETCD_PEER_TRUSTED_CA_FILE', HOST_PKI.ca],
      ['ETCD_PEER_CERT_FILE', HOST_PKI.peerCert],
      ['ETCD_PEER_KEY_FILE', HOST_PKI.peerKey],
      ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    );
  }
  return [
    `# Written by etcdplay lab '${spec.name}' for ${host.name}. ${spec.init === 'systemd' ? 'EnvironmentFile of etcd.service.' : 'Sourced by /etc/init.d/etcd (set -a).'}`,
    ...vars.map(([k, v]) => `${k}=${q(v)}`),
    '',
  ].join('\n');
}

/** sshd drop-in: listen only on the host's own loopback address, keys only. */
export function renderSshdConfig(host: LabHost): string {
  return [
    `# etcdplay lab host ${host.name}`,
    `ListenAddress ${host.address}:${SSH_PORT}`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UseDNS no',
    'PidFile none',
    '',
  ].join('\n');
}

/** /etc/hosts of every lab host: all members resolve by name. */
export function renderEtcHosts(hosts: LabHost[]): string {
  return ['127.0.0.1\tlocalhost', ...hosts.map((h) => `${h.address}\t${h.name}`), ''].join('\n');
}

export interface LabFiles { keyPath: string; knownHostsPath: string; sshConfigPath: string }

/** The Ansible YAML inventory of the lab (see docs/contracts.md, "The lab inventory"). */
export function renderInventory(spec: LabSpec, files: LabFiles): string {
  const hostsObj: Record<string, Record<string, string>> = {};
  for (const h of labHosts(spec.nodes, spec.net)) hostsObj[h.name] = { ansible_host: h.address, etcd_name: h.name, etcd_address: h.address };
  const vars: Record<string, unknown> = {
    ansible_user: 'root',
    ansible_ssh_private_key_file: files.keyPath,
    etcdplay_known_hosts_file: files.knownHostsPath,
    ansible_ssh_common_args: `-o UserKnownHostsFile=${files.knownHostsPath} -o StrictHostKeyChecking=yes`,
    etcd_scheme: scheme(spec.tls),
    etcd_client_port: CLIENT_PORT,
    etcd_peer_port: PEER_PORT,
    etcd_data_dir: DATA_DIR,
    etcd_config_file: CONFIG_FILE,
    etcd_service: 'etcd',
    etcd_user: 'etcd',
    etcd_initial_cluster_token: clusterToken(spec.name),
    etcd_package_manager: 'apt',
    etcd_packages: ['etcd-server', 'etcd-client'],
    etcd_version: spec.etcdVersion,
    etcd_package_version: spec.debVersion,
    etcdplay_lab: spec.name,
  };
  if (spec.tls) {
    Object.assign(vars, {
      etcd_ca_file: HOST_PKI.ca,
      etcd_cert_file: HOST_PKI.serverCert,
      etcd_key_file: HOST_PKI.serverKey,
      etcd_peer_ca_file: HOST_PKI.ca,
      etcd_peer_cert_file: HOST_PKI.peerCert,
      etcd_peer_key_file: HOST_PKI.peerKey,
      etcd_client_cert_file: HOST_PKI.clientCert,
      etcd_client_key_file: HOST_PKI.clientKey,
    });
  }
  const children: Record<string, unknown> = { etcd: { hosts: hostsObj } };
  const cps = controlPlaneHosts(spec.controlPlane ?? 0, spec.net);
  if (cps.length) {
    children.kube_control_plane = {
      hosts: Object.fromEntries(cps.map((h) => [h.name, { ansible_host: h.address }])),
      vars: CONTROL_PLANE_VARS,
    };
  }
  const doc = { all: { vars, children } };
  const cpNote = cps.length ? `, ${cps.length} control plane host(s)` : '';
  return `# etcdplay lab '${spec.name}': ${spec.nodes} x etcd ${spec.etcdVersion}${spec.tls ? ' (TLS)' : ''}${cpNote}\n` + stringify(doc);
}

/** OpenSSH client config: `ssh -F <labdir>/ssh_config etcd1`. */
export function renderSshConfig(spec: LabSpec, files: LabFiles): string {
  const out = [`# etcdplay lab '${spec.name}': ssh -F <this file> etcd1`];
  for (const h of allLabHosts(spec)) {
    out.push(
      '',
      `Host ${h.name}`,
      `  HostName ${h.address}`,
      `  Port ${SSH_PORT}`,
      '  User root',
      `  IdentityFile ${files.keyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${files.knownHostsPath}`,
      '  StrictHostKeyChecking yes',
      '  GlobalKnownHostsFile /dev/null',
      '  LogLevel ERROR',
    );
  }
  return out.join('\n') + '\n';
}

/** known_hosts: each host's key under its address and its name. */
export function renderKnownHosts(entries: { host: LabHost; publicKey: string }[]): string {
  return entries.map(({ host, publicKey }) => {
    const [type, key] = publicKey.trim().split(/\s+/);
    return `${host.address},${host.name} ${type} ${key}`;
  }).join('\n') + '\n';
}

/**
 * Listeners (from `ss -ltnH`) that would keep a host from binding its ports: the wildcard
 * addresses or the host's own address, on the ssh/client/peer ports.
 */
export function portConflicts(ssOutput: string, hosts: LabHost[]): string[] {
  const ports = new Set([SSH_PORT, CLIENT_PORT, PEER_PORT]);
  const ours = new Set(hosts.map((h) => h.address));
  const found: string[] = [];
  for (const line of ssOutput.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (!local) continue;
    const m = /^(.*):(\d+)$/.exec(local);
    if (!m) continue;
    const addr = m[1]!.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const port = Number(m[2]);
    if (!ports.has(port)) continue;
    if (addr === '0.0.0.0' || addr === '*' || addr === '::' || ours.has(addr)) found.push(`${addr.includes(':') ? `[${addr}]` : addr}:${port}`);
  }
  return [...new Set(found)];
}

/**
 * The lab's own /etc/init.d/etcd, installed only when the etcd-server package has none (sid's
 * 3.5.30 ships only a systemd unit). Same contract as the Debian script: reads /etc/default/etcd
 * with `set -a`, runs etcd as user etcd with pidfile /run/etcd.pid, LSB status codes. Stop and
 * status match the process by name, so they still work after the binary was replaced by apt.
 */
export function renderInitScript(): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          etcd
# Required-Start:    $remote_fs $network
# Required-Stop:     $remote_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: etcd key-value store
# Description:       Written by etcdplay lab: this etcd-server package ships only a systemd unit.
### END INIT INFO
DAEMON=/usr/bin/etcd
PIDFILE=/run/etcd.pid
set -a
ETCD_NAME="$(hostname)"
ETCD_DATA_DIR=/var/lib/etcd/default
DAEMON_ARGS=
[ -r /etc/default/etcd ] && . /etc/default/etcd
set +a
case "$1" in
  start)
    echo "Starting etcd"
    start-stop-daemon --start --quiet --oknodo --pidfile "$PIDFILE" --make-pidfile --background \\
      --chuid etcd --exec "$DAEMON" -- $DAEMON_ARGS
    ;;
  stop)
    echo "Stopping etcd"
    start-stop-daemon --stop --quiet --oknodo --retry TERM/30/KILL/5 --pidfile "$PIDFILE" --name etcd
    rc=$?
    rm -f "$PIDFILE"
    exit $rc
    ;;
  restart|force-reload)
    "$0" stop && "$0" start
    ;;
  status)
    start-stop-daemon --status --pidfile "$PIDFILE" --name etcd
    rc=$?
    if [ $rc -eq 0 ]; then echo "etcd is running"; else echo "etcd is not running"; fi
    exit $rc
    ;;
  *)
    echo "Usage: $0 {start|stop|restart|force-reload|status}" >&2
    exit 3
    ;;
esac
`;
}

const WILDCARD = /^(0\.0\.0\.0|\*|\[::\]):\d+$/;

/**
 * The third octet for lab `name`: `wanted` if free (else an error), otherwise DEFAULT_NET if
 * free, otherwise the first free one (with a note saying so). Free = no other lab in `taken`
 * (net -> lab name) and no listener (from `ss -ltnH`) on its ssh/client/peer ports. A listener on
 * all addresses blocks every range: that is an error naming it.
 */
export function pickNet(name: string, ss: string, taken: Map<number, string>, nodes: number, wanted?: number, controlPlane = 0): { net: number; note?: string } {
  const problem = (net: number): string | undefined => {
    const conflicts = portConflicts(ss, allLabHosts({ nodes, net, controlPlane }));
    const wildcard = conflicts.find((c) => WILDCARD.test(c));
    if (wildcard) {
      throw new ValidationError(wildcard.endsWith(':22')
        ? `an sshd listens on all addresses (${wildcard}), which takes 127.0.x.y:22 too: give it specific ListenAddress lines, or stop it`
        : `something listens on all addresses at ${wildcard}, which takes that port on 127.0.x.y too: stop it or bind it to one address`);
    }
    const holder = taken.get(net);
    if (holder) return `lab '${holder}' uses 127.0.${net}.x`;
    if (conflicts.length) return `ports in use: ${conflicts.slice(0, 3).join(', ')}${conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : ''}`;
    return undefined;
  };
  if (wanted !== undefined) {
    const why = problem(wanted);
    if (why) throw new ValidationError(`127.0.${wanted}.x is not free for lab '${name}': ${why}`);
    return { net: wanted };
  }
  const first = problem(DEFAULT_NET);
  if (!first) return { net: DEFAULT_NET };
  for (let net = DEFAULT_NET + 1; net <= 254; net++) {
    if (!problem(net)) return { net, note: `127.0.${DEFAULT_NET}.x is taken (${first}): lab '${name}' uses 127.0.${net}.x` };
  }
  throw new ValidationError(`no free 127.0.N.x address range for lab '${name}' (${first})`);
}
