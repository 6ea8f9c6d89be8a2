/**
 * `etcdplay lab`: up, down, exec, status, load. See docs/lab.md.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { shQuote } from '../shell/quote.js';
import {
  CLIENT_PORT, DEFAULT_NET, ETCD_LOG_FILE, HOST_PKI, HOST_PKI_DIR, MAX_CONTROL_PLANE, controlPlaneHosts, labHosts, pickNet, renderEtcdDefaults,
  renderEtcHosts, renderInitScript, renderInventory, renderKnownHosts, renderSshConfig, renderSshdConfig, scheme, type LabHost, type LabSpec,
} from './config.js';
import { randomBytes } from 'node:crypto';
import { READY_FILE, WRITER_PATH, WRITER_SERVICE, IDLE_SERVICES, controlPlaneInstallScript, controlPlaneServices, controlPlaneUnits, renderWriter } from './controlplane.js';
import { removeTree } from './fsutil.js';
import { hostExec, hostPaths, isHostAlive, processesUnder, sleep, startHost } from './host.js';
import { DEFAULT_INIT, type LabInit } from './init.js';
import { inHostCgroup, killCgroup, labCgroup, removeCgroup, startSystemdHost, stopSystemdHosts, systemdLeftovers } from './nspawn.js';
import { ensureEtcdPackages } from './packages.js';
import { checkLabName, labDir } from './paths.js';
import { makePki } from './pki.js';
import { checkPreconditions } from './preconditions.js';
import { run, type RunResult } from './proc.js';
import { ensureRootfs } from './rootfs.js';
import { allHostStates, labFiles, listLabNames, readState, writeState, type LabHostState, type LabState } from './state.js';

export interface LabUpOptions {
  name: string;
  nodes?: number;
  /** Upstream version (3.5.16) or Debian version (3.5.16-4); default 3.5.16. */
  etcd?: string;
  tls?: boolean;
  /**
   * Third octet of the hosts' addresses (127.0.NET.<10+i>). Default: 1, or, when another lab or
   * listener holds those addresses, the first free one from 2 up.
   */
  net?: number;
  /** Control plane hosts cp1..cpN (0..5, default 0): etcd writers in group kube_control_plane. */
  controlPlane?: number;
  /** sysv (sshd as PID 1, init scripts) or systemd (each host boots systemd); default DEFAULT_INIT. */
  init?: LabInit;
  log?: (line: string) => void;
}

export interface Lab {
  name: string;
  dir: string;
  inventoryPath: string;
  sshConfigPath: string;
  knownHostsPath: string;
  keyPath: string;
  etcdVersion: string;
  debVersion: string;
  tls: boolean;
  /** Third octet of the hosts' addresses (127.0.NET.<10+i>). */
  net: number;
  hosts: { name: string; address: string; pid: number }[];
  /** Control plane hosts (cp1..), not etcd members; empty unless `controlPlane` was asked for. */
  controlPlane: { name: string; address: string; pid: number }[];
  init: LabInit;
}

export const DEFAULT_ETCD = '3.5.16';

function toLab(dir: string, st: LabState): Lab {
  const f = labFiles(dir);
  return {
    name: st.name, dir, inventoryPath: f.inventory, sshConfigPath: f.sshConfig, knownHostsPath: f.knownHosts, keyPath: f.key,
    etcdVersion: st.etcdVersion, debVersion: st.debVersion, tls: st.tls, net: st.net ?? DEFAULT_NET,
    hosts: st.hosts.map((h) => ({ name: h.name, address: h.address, pid: h.pid })),
    controlPlane: (st.cpHosts ?? []).map((h) => ({ name: h.name, address: h.address, pid: h.pid })),
    init: st.init ?? 'sysv',
  };
}

/** The host's PID 1 still runs (sysv: rooted in its overlay; systemd: in its cgroup). */
function hostRunning(st: LabState, h: LabHostState): boolean {
  return st.init === 'systemd' ? inHostCgroup(h.pid, st.name, h.name) : isHostAlive(h.pid, hostPaths(labDir(st.name), h.name).root);
}

/** etcdctl argv prefix (as shell text) for talking to `endpoints` from inside a lab host. */
export function etcdctlPrefix(tls: boolean, endpoints: string[], commandTimeout = '5s'): string {
  const parts = ['env', 'ETCDCTL_API=3', 'etcdctl', `--endpoints=${endpoints.join(',')}`, `--command-timeout=${commandTimeout}`];
  if (tls) parts.push(`--cacert=${HOST_PKI.ca}`, `--cert=${HOST_PKI.clientCert}`, `--key=${HOST_PKI.clientKey}`);
  return parts.map(shQuote).join(' ');
}

function endpointOf(tls: boolean, h: { address: string }): string {
  return `${scheme(tls)}://${h.address}:${CLIENT_PORT}`;
}

/** Every member's client endpoint. */
export function labEndpoints(lab: { tls: boolean; hosts: { address: string }[] }): string[] {
  return lab.hosts.map((h) => endpointOf(lab.tls, h));
}

/** The writer's etcdctl: every member, a short timeout (well under the 10 s its stop waits before KILL). */
export const WRITER_COMMAND_TIMEOUT = '3s';

function stateOrThrow(name: string): LabState {
  const st = readState(checkLabName(name));
  if (!st) throw new ValidationError(`no lab named '${name}' (etcdplay lab up --name ${name})`);
  return st;
}

/** Run a shell command inside a lab host (nsenter + its root), without ssh. */
export async function labExec(name: string, node: string, shellCommand: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const st = stateOrThrow(name);
  const all = allHostStates(st);
  const h = all.find((x) => x.name === node || x.address === node);
  if (!h) throw new ValidationError(`lab '${name}' has no host '${node}' (hosts: ${all.map((x) => x.name).join(', ')})`);
  if (!hostRunning(st, h)) throw new ValidationError(`lab '${name}': host ${h.name} is not running (etcdplay lab up --name ${name})`);
  return hostExec(h.pid, shellCommand, opts);
}

async function mustExec(name: string, node: string, cmd: string, what: string, timeoutMs = 300_000): Promise<string> {
  const r = await labExec(name, node, cmd, { timeoutMs });
  if (r.rc !== 0) {
    const last = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' | ');
    throw new ValidationError(`${node}: ${what} failed (rc=${r.rc}): ${last}`, [], `${cmd}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

type HostRole = 'etcd' | 'control-plane';

/**
 * Write one host's own files into its overlay upper dir (before it starts). An etcd member gets
 * /etc/default/etcd and its server/peer certificates; a control plane host the writer, the init
 * scripts of its services and only the client certificate.
 */
async function prepareHost(dir: string, spec: LabSpec, host: LabHost, role: HostRole, all: LabHost[], authorizedKey: string): Promise<string> {
  const p = hostPaths(dir, host.name);
  const up = (rel: string) => join(p.upper, rel.replace(/^\//, ''));
  const write = (path: string, text: string, mode = 0o644) => {
    mkdirSync(up(path.replace(/\/[^/]+$/, '')), { recursive: true });
    writeFileSync(up(path), text, { mode });
  };
  for (const d of ['etc/ssh/sshd_config.d', 'root/.ssh']) mkdirSync(up(d), { recursive: true });
  chmodSync(up('root/.ssh'), 0o700);
  write('/etc/hostname', host.name + '\n');
  write('/etc/hosts', renderEtcHosts(all));
  write('/etc/ssh/sshd_config.d/etcdplay.conf', renderSshdConfig(host));
  write('/root/.ssh/authorized_keys', authorizedKey, 0o600);
  if (spec.init === 'systemd') write('/etc/machine-id', randomBytes(16).toString('hex') + '\n', 0o444);
  if (role === 'etcd') {
    write('/etc/default/etcd', renderEtcdDefaults(spec, host));
  } else {
    write(WRITER_PATH, renderWriter(etcdctlPrefix(spec.tls, labEndpoints({ tls: spec.tls, hosts: labHosts(spec.nodes, spec.net) }), WRITER_COMMAND_TIMEOUT)), 0o755);
    if (spec.init === 'systemd') for (const [unit, text] of Object.entries(controlPlaneUnits())) write(`/etc/systemd/system/${unit}`, text);
    else for (const [service, script] of Object.entries(controlPlaneServices())) write(`/etc/init.d/${service}`, script, 0o755);
  }
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${host.name}`, '-f', up('etc/ssh/ssh_host_ed25519_key')]);
  if (spec.tls) {
    const pki = labFiles(dir).pki;
    mkdirSync(up(HOST_PKI_DIR), { recursive: true });
    const copies: [string, string][] = [['ca.crt', HOST_PKI.ca], ['client.crt', HOST_PKI.clientCert], ['client.key', HOST_PKI.clientKey]];
    if (role === 'etcd') {
      copies.push([`${host.name}-server.crt`, HOST_PKI.serverCert], [`${host.name}-server.key`, HOST_PKI.serverKey],
        [`${host.name}-peer.crt`, HOST_PKI.peerCert], [`${host.name}-peer.key`, HOST_PKI.peerKey]);
    }
    for (const [src, dest] of copies) copyFileSync(join(pki, src), up(dest));
  }
  return readFileSync(up('etc/ssh/ssh_host_ed25519_key.pub'), 'utf8');
}

/** Denies every service start during the lab's own install (deb-systemd-invoke and invoke-rc.d honour it). */
export const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * The shell run inside each host to install etcd from the local repo. On systemd hosts the
 * package's postinst would start etcd at once (and block until it has a quorum): the lab blocks
 * that with a policy-rc.d for its own install only (removed afterwards, so a later apt-get in a
 * playbook behaves like on a real host) and starts every member itself, all at once.
 */
export function installScript(spec: LabSpec): string {
  const pkgs = ['etcd-server', 'etcd-client'].map((p) => shQuote(`${p}=${spec.debVersion}`)).join(' ');
  const systemd = spec.init === 'systemd';
  const lines = [
    'set -e',
    ...(systemd ? [`printf '#!/bin/sh\\nexit 101\\n' > ${POLICY_RC_D}`, `chmod 0755 ${POLICY_RC_D}`, `trap 'rm -f ${POLICY_RC_D}' EXIT`] : []),
    'apt-get update -q >/dev/null',
    `apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold ${pkgs}`,
    `install -d -o etcd -g etcd -m 0750 ${shQuote(ETCD_LOG_FILE.replace(/\/[^/]+$/, ''))}`,
    // sid's package has no init script: install the lab's (see renderInitScript); systemd hosts use the package's unit
    ...(systemd ? [] : [`[ -e /etc/init.d/etcd ] || { cat > /etc/init.d/etcd <<'ETCDPLAY_INIT'\n${renderInitScript()}ETCDPLAY_INIT\nchmod 0755 /etc/init.d/etcd; }`]),
  ];
  if (spec.tls) {
    lines.push(`chown -R etcd:etcd ${shQuote(HOST_PKI_DIR)}`, `chmod 0600 ${HOST_PKI_DIR}/*.key`, `chown root:root ${shQuote(HOST_PKI.clientKey)}`);
  }
  return lines.join('\n');
}

async function sshRun(sshConfig: string, host: string, remote: string): Promise<RunResult> {
  return run(['ssh', '-F', sshConfig, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', host, remote], { allowFail: true, timeoutMs: 60_000 });
}

/** Poll until every member answers `endpoint health`. */
async function waitHealthy(name: string, st: LabState, timeoutMs: number): Promise<void> {
  const eps = st.hosts.map((h) => endpointOf(st.tls, h));
  const cmd = `${etcdctlPrefix(st.tls, eps)} endpoint health`;
  const deadline = Date.now() + timeoutMs;
  let last: RunResult | undefined;
  while (Date.now() < deadline) {
    last = await labExec(name, st.hosts[0]!.name, cmd, { timeoutMs: 20_000 });
    if (last.rc === 0) return;
    await sleep(500);
  }
  const msg = (last?.stderr.trim() || last?.stdout.trim() || '').split('\n').slice(-2).join(' | ');
  throw new ValidationError(`lab '${name}': cluster not healthy after ${timeoutMs / 1000}s: ${msg}`);
}

/** The address range for a new lab (see pickNet): other labs' ranges and this machine's listeners. */
async function chooseNet(name: string, nodes: number, controlPlane: number, wanted: number | undefined, log: (s: string) => void): Promise<number> {
  const ss = (await run(['ss', '-ltnH'], { allowFail: true })).stdout;
  const taken = new Map<number, string>();
  for (const other of listLabNames().filter((n) => n !== name)) taken.set(readState(other)?.net ?? DEFAULT_NET, other);
  const { net, note } = pickNet(name, ss, taken, nodes, wanted, controlPlane);
  if (note) log(note);
  return net;
}

/** Bring a lab up (building the cache on first use). A half-started lab of that name is torn down first. */
export async function labUp(opts: LabUpOptions): Promise<Lab> {
  const log = opts.log ?? (() => {});
  const name = checkLabName(opts.name);
  const nodes = opts.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new ValidationError(`--nodes must be 1..9, got ${opts.nodes}`);
  const controlPlane = opts.controlPlane ?? 0;
  if (!Number.isInteger(controlPlane) || controlPlane < 0 || controlPlane > MAX_CONTROL_PLANE) {
    throw new ValidationError(`--control-plane must be 0..${MAX_CONTROL_PLANE}, got ${opts.controlPlane}`);
  }
  const init = opts.init ?? DEFAULT_INIT;
  await checkPreconditions(log, { systemd: init === 'systemd' });
  const dir = labDir(name);
  const existing = readState(name);
  if (existing?.state === 'up' && allHostStates(existing).every((h) => hostRunning(existing, h))) {
    throw new ValidationError(`lab '${name}' is already up (etcdplay lab down --name ${name} first)`);
  }
  if (existsSync(dir)) {
    log(`lab '${name}': tearing down what a previous 'up' left behind`);
    await labDown(name);
  }
  const [pk, lower] = await Promise.all([ensureEtcdPackages({ log }), ensureRootfs({ log, init })]);
  const v = pk.versions.find((x) => x.version === (opts.etcd ?? DEFAULT_ETCD) || x.debVersion === opts.etcd);
  if (!v) throw new ValidationError(`etcd ${opts.etcd} is not available; choose one of: ${pk.versions.map((x) => x.version).join(', ')}`);
  const net = await chooseNet(name, nodes, controlPlane, opts.net, log);
  const spec: LabSpec = { name, nodes, etcdVersion: v.version, debVersion: v.debVersion, tls: !!opts.tls, net, controlPlane, init };
  const hosts = labHosts(nodes, net);
  const cps = controlPlaneHosts(controlPlane, net);
  const everyHost: [LabHost, HostRole][] = [...hosts.map((h): [LabHost, HostRole] => [h, 'etcd']), ...cps.map((h): [LabHost, HostRole] => [h, 'control-plane'])];

  const f = labFiles(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st: LabState = {
    name, nodes, controlPlane, etcdVersion: v.version, debVersion: v.debVersion, tls: spec.tls, net, state: 'starting',
    createdAt: new Date().toISOString(), createdBy: { pid: process.pid }, hosts: [], cpHosts: [], init,
  };
  writeState(dir, st);
  try {
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `etcdplay-lab-${name}`, '-f', f.key]);
    if (spec.tls) { log('making TLS certificates'); await makePki(f.pki, name, hosts); }
    const pub = readFileSync(f.key + '.pub', 'utf8');
    const hostKeys = await Promise.all(everyHost.map(([h, role]) => prepareHost(dir, spec, h, role, everyHost.map(([x]) => x), pub)));
    writeFileSync(f.knownHosts, renderKnownHosts(everyHost.map(([host], i) => ({ host, publicKey: hostKeys[i]! }))));
    const files = { keyPath: f.key, knownHostsPath: f.knownHosts, sshConfigPath: f.sshConfig };
    writeFileSync(f.sshConfig, renderSshConfig(spec, files));
    writeFileSync(f.inventory, renderInventory(spec, files));

    log(`starting ${nodes} hosts${cps.length ? ` and ${cps.length} control plane host(s)` : ''}${init === 'systemd' ? ' (booting systemd, all at once)' : ''}`);
    const record = (h: LabHost, role: HostRole, started: { pid: number; unsharePid: number }) => {
      (role === 'etcd' ? st.hosts : st.cpHosts!).push({ name: h.name, address: h.address, ...started });
      writeState(dir, st);
    };
    if (init === 'systemd') {
      const boots = await Promise.allSettled(everyHost.map(async ([h, role]) => record(h, role, await startSystemdHost(hostPaths(dir, h.name), lower, pk.repoDir, h, name))));
      const failed = boots.find((b): b is PromiseRejectedResult => b.status === 'rejected');
      if (failed) throw failed.reason;
      const order = (a: LabHostState, b: LabHostState) => everyHost.findIndex(([h]) => h.name === a.name) - everyHost.findIndex(([h]) => h.name === b.name);
      st.hosts.sort(order);
      st.cpHosts!.sort(order);
      writeState(dir, st);
    } else {
      for (const [h, role] of everyHost) record(h, role, await startHost(hostPaths(dir, h.name), lower, pk.repoDir, h));
    }
    log(`installing etcd ${v.debVersion} with apt-get from the local repository${cps.length ? ' (etcd-client only on the control plane hosts)' : ''}`);
    await Promise.all([
      ...hosts.map((h) => mustExec(name, h.name, installScript(spec), `installing etcd ${v.debVersion}`)),
      ...cps.map((h) => mustExec(name, h.name, controlPlaneInstallScript(v.debVersion), `installing etcd-client ${v.debVersion}`)),
    ]);
    log('starting etcd on every host (service etcd start, over ssh)');
    const starts = await Promise.all(hosts.map((h) => sshRun(f.sshConfig, h.name, 'service etcd start')));
    starts.forEach((r, i) => {
      if (r.rc !== 0) throw new ValidationError(`${hosts[i]!.name}: service etcd start failed over ssh (rc=${r.rc}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop()}`);
    });
    log('waiting for the cluster to be healthy');
    await waitHealthy(name, st, 60_000);
    if (cps.length) {
      log(`starting the control plane services (${[WRITER_SERVICE, ...IDLE_SERVICES].join(', ')}), over ssh`);
      await Promise.all(cps.map((h) => startControlPlane(name, f.sshConfig, h.name)));
    }
    st.state = 'up';
    writeState(dir, st);
  } catch (err) {
    if (process.env.ETCDPLAY_LAB_KEEP_FAILED) log(`lab '${name}' left as it is for inspection (ETCDPLAY_LAB_KEEP_FAILED)`);
    else await labDown(name).catch(() => undefined);
    throw err;
  }
  return toLab(dir, st);
}

/** Start the services of a control plane host and wait until the writer has an acknowledged write. */
async function startControlPlane(name: string, sshConfig: string, host: string): Promise<void> {
  const cmd = [WRITER_SERVICE, ...IDLE_SERVICES].map((s) => `service ${s} start`).join(' && ');
  const r = await sshRun(sshConfig, host, cmd);
  if (r.rc !== 0) throw new ValidationError(`${host}: starting the control plane services failed over ssh (rc=${r.rc}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop()}`);
  const deadline = Date.now() + 30_000;
  while ((await labExec(name, host, `test -e ${shQuote(READY_FILE)}`)).rc !== 0) {
    if (Date.now() > deadline) throw new ValidationError(`${host}: ${WRITER_SERVICE} has no acknowledged write after 30 s (see /var/log/${WRITER_SERVICE}.log in the host)`);
    await sleep(200);
  }
}

/** A lab that is up, as labUp returned it. */
export function getLab(name: string): Lab {
  return toLab(labDir(name), stateOrThrow(name));
}

/**
 * Stop every process of the lab (each host's PID 1, which takes its PID namespace with it, and
 * anything else rooted in the lab dir), unmount whatever is left, remove the lab dir. The cache stays.
 */
export async function labDown(name: string): Promise<boolean> {
  const dir = labDir(name);
  if (!existsSync(dir)) return false;
  const st = readState(name);
  const hosts = st ? allHostStates(st) : [];
  for (const h of hosts) {
    if (isHostAlive(h.pid, hostPaths(dir, h.name).root)) try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  // systemd hosts (or a half-started lab whose state lost them): the whole cgroup tree of the lab
  if (st?.init === 'systemd') await stopSystemdHosts(name, hosts);
  await killCgroup(labCgroup(name));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const left = processesUnder(dir);
    if (!left.length) break;
    if (Date.now() > deadline) throw new ValidationError(`lab '${name}': processes still running after kill: ${left.join(' ')}`);
    for (const pid of left) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    await sleep(100);
  }
  for (const h of st?.init === 'systemd' ? [] : hosts) {
    // the unshare parent exits once its child (the host's PID 1) is gone (systemd hosts: nspawn
    // left the cgroup, so it is gone; a zombie of it waiting for its parent would only stall here)
    for (let i = 0; i < 50 && alive(h.unsharePid); i++) await sleep(100);
  }
  await removeCgroup(labCgroup(name));
  await removeTree(dir);
  const left = systemdLeftovers(name, hosts.map((h) => h.name));
  if (left.length) throw new ValidationError(`lab '${name}': left behind after down: ${left.join(', ')}`);
  return true;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export interface MemberStatus {
  name: string;
  address: string;
  pid: number;
  running: boolean;
  /** Debian version of etcd-server installed in the host. */
  package?: string;
  healthy: boolean;
  version?: string;
  isLeader?: boolean;
  memberId?: string;
  revision?: number;
  raftTerm?: number;
  dbSize?: number;
  error?: string;
}

export interface ControlPlaneStatus {
  name: string;
  address: string;
  pid: number;
  running: boolean;
  /** `service kube-apiserver status` says it runs. */
  apiserver: boolean;
  /** The writer's readiness file exists (it had an acknowledged write since it started). */
  ready: boolean;
}

export interface LabStatus {
  name: string;
  dir: string;
  state: LabState['state'];
  tls: boolean;
  requestedVersion: string;
  inventoryPath: string;
  members: MemberStatus[];
  /** Control plane hosts (empty when the lab has none). */
  controlPlane: ControlPlaneStatus[];
  leader?: string;
  healthy: boolean;
}

/** Big integers (member ids) as strings, so JSON.parse keeps them exact. */
function parseEtcdJson(text: string): unknown {
  return JSON.parse(text.replace(/([:\[,]\s*)(\d{16,})/g, '$1"$2"'));
}

export async function labStatus(name: string): Promise<LabStatus> {
  const st = stateOrThrow(name);
  const dir = labDir(name);
  const members = await Promise.all(st.hosts.map(async (h): Promise<MemberStatus> => {
    const m: MemberStatus = { name: h.name, address: h.address, pid: h.pid, running: hostRunning(st, h), healthy: false };
    if (!m.running) return { ...m, error: 'host not running' };
    const pkg = await hostExec(h.pid, "dpkg-query -W -f '${Version}' etcd-server 2>/dev/null");
    if (pkg.rc === 0 && pkg.stdout) m.package = pkg.stdout.trim();
    const r = await hostExec(h.pid, `${etcdctlPrefix(st.tls, [endpointOf(st.tls, h)])} endpoint status -w json`, { timeoutMs: 15_000 });
    if (r.rc !== 0) return { ...m, error: (r.stderr.trim() || r.stdout.trim()).split('\n').pop() || `rc=${r.rc}` };
    try {
      const s = (parseEtcdJson(r.stdout) as { Status: { header: { member_id: string | number; revision: number; raft_term: number }; version: string; leader: string | number; dbSize: number } }[])[0]!.Status;
      Object.assign(m, {
        healthy: true, version: s.version, memberId: String(s.header.member_id), isLeader: String(s.header.member_id) === String(s.leader),
        revision: Number(s.header.revision), raftTerm: Number(s.header.raft_term), dbSize: s.dbSize,
      });
    } catch (e) {
      m.error = `unreadable endpoint status: ${(e as Error).message}`;
    }
    return m;
  }));
  const controlPlane = await Promise.all((st.cpHosts ?? []).map(async (h): Promise<ControlPlaneStatus> => {
    const c = { name: h.name, address: h.address, pid: h.pid, running: hostRunning(st, h), apiserver: false, ready: false };
    if (!c.running) return c;
    const r = await hostExec(h.pid, `service ${WRITER_SERVICE} status >/dev/null; echo "$?"; test -e ${shQuote(READY_FILE)}; echo "$?"`);
    const [svc, ready] = r.stdout.trim().split('\n');
    return { ...c, apiserver: svc === '0', ready: ready === '0' };
  }));
  const leader = members.find((m) => m.isLeader)?.name;
  return {
    name, dir, state: st.state, tls: st.tls, requestedVersion: st.debVersion, inventoryPath: labFiles(dir).inventory,
    members, controlPlane, ...(leader ? { leader } : {}), healthy: members.every((m) => m.healthy) && !!leader,
  };
}

export const LOAD_PREFIX = '/etcdplay/rehearsal/';
export const LEASE_TTL = 86400;

/** Shell script writing `keys` keys; every 4th key attached to one of `leases` leases (TTL 1 day). */
export function loadScript(prefix: string, keys: number, leases: number): string {
  return [
    'set -e',
    'leases=""',
    `n=0; while [ "$n" -lt ${leases} ]; do`,
    `  id=$(${prefix} lease grant ${LEASE_TTL} | awk '{print $2}')`,
    '  leases="$leases $id"; n=$((n+1))',
    'done',
    'set -- $leases',
    `i=1; while [ "$i" -le ${keys} ]; do`,
    `  key=$(printf '${LOAD_PREFIX}key-%06d' "$i")`,
    '  if [ $# -gt 0 ] && [ $((i % 4)) -eq 0 ]; then',
    '    k=$(( (i / 4 - 1) % $# + 1 )); eval "lease=\\${$k}"',
    `    ${prefix} put "$key" "value-$i" --lease="$lease" >/dev/null`,
    '  else',
    `    ${prefix} put "$key" "value-$i" >/dev/null`,
    '  fi',
    '  i=$((i+1))',
    'done',
    'echo "leases:$leases"',
  ].join('\n');
}

/** Write rehearsal data: `keys` keys under /etcdplay/rehearsal/, some attached to `leases` long leases. */
export async function labLoad(name: string, opts: { keys?: number; leases?: number } = {}): Promise<{ keys: number; leases: string[]; revision?: number }> {
  const keys = opts.keys ?? 300;
  const leases = opts.leases ?? 1;
  if (!Number.isInteger(keys) || keys < 0 || !Number.isInteger(leases) || leases < 0) throw new ValidationError('--keys and --leases must be whole numbers >= 0');
  const st = stateOrThrow(name);
  const eps = st.hosts.map((h) => endpointOf(st.tls, h));
  const prefix = etcdctlPrefix(st.tls, eps);
  const out = await mustExec(name, st.hosts[0]!.name, loadScript(prefix, keys, leases), 'writing rehearsal data', 600_000);
  const ids = (/leases:(.*)/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const rev = await labExec(name, st.hosts[0]!.name, `${prefix} endpoint status -w json`);
  let revision: number | undefined;
  try { revision = Number((parseEtcdJson(rev.stdout) as { Status: { header: { revision: number } } }[])[0]!.Status.header.revision); } catch { /* leave undefined */ }
  return { keys, leases: ids, ...(revision !== undefined ? { revision } : {}) };
}

