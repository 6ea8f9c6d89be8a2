/**
 * `etcdplay lab up` and `down`: bring a lab's hosts up (files, boot, etcd install, cluster start)
 * and take every trace of them away again. See docs/lab.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { shQuote } from '../shell/quote.js';
import { endpointOf, etcdctlPrefix, hostRunning, labExec, toLab, type Lab } from './access.js';
import { DEFAULT_NET, MAX_CONTROL_PLANE, controlPlaneHosts, labHosts, pickNet, renderInventory, renderKnownHosts, renderSshConfig, type LabHost, type LabSpec } from './config.js';
import { READY_FILE, WRITER_SERVICE, IDLE_SERVICES, controlPlaneInstallScript } from './controlplane.js';
import { removeTree } from './fsutil.js';
import { hostPaths, isHostAlive, processesUnder, sleep, startHost } from './host.js';
import { DEFAULT_INIT, type LabInit } from './init.js';
import { killCgroup, labCgroup, removeCgroup, startSystemdHost, stopSystemdHosts, systemdLeftovers } from './nspawn.js';
import { ensureEtcdPackages } from './packages.js';
import { checkLabName, labDir } from './paths.js';
import { makePki } from './pki.js';
import { checkPreconditions } from './preconditions.js';
import { installScript, prepareHost, sysusersOverrides, type HostRole } from './prepare.js';
import { ensureLayer, stackedLower, userIds } from './layer.js';
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

export const DEFAULT_ETCD = '3.5.16';

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
    // etcd (and etcdctl on control plane hosts) installed once per version into a cached layer
    // (layer.ts); systemd hosts: sysusers.d overrides bookworm's systemd-sysusers needs (prepare.ts)
    const memberFiles = init === 'systemd' ? await sysusersOverrides(v.server) : [];
    const layerFor = (role: HostRole) => ensureLayer(role === 'etcd'
      ? { label: `${init}-etcd-${v.debVersion}`, rootfs: lower, repoDir: pk.repoDir, script: installScript(spec), files: init === 'systemd' ? memberFiles : [] }
      : { label: `${init}-client-${v.debVersion}`, rootfs: lower, repoDir: pk.repoDir, script: controlPlaneInstallScript(v.debVersion) }, log);
    const layers = { etcd: await layerFor('etcd'), 'control-plane': cps.length ? await layerFor('control-plane') : '' };
    const etcdIds = userIds(layers.etcd, 'etcd');
    const hostKeys = await Promise.all(everyHost.map(([h, role]) => prepareHost(dir, spec, h, role, everyHost.map(([x]) => x), pub, etcdIds)));
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
      const boots = await Promise.allSettled(everyHost.map(async ([h, role]) => record(h, role, await startSystemdHost(hostPaths(dir, h.name), stackedLower(layers[role], lower), pk.repoDir, h, name))));
      const failed = boots.find((b): b is PromiseRejectedResult => b.status === 'rejected');
      if (failed) throw failed.reason;
      const order = (a: LabHostState, b: LabHostState) => everyHost.findIndex(([h]) => h.name === a.name) - everyHost.findIndex(([h]) => h.name === b.name);
      st.hosts.sort(order);
      st.cpHosts!.sort(order);
      writeState(dir, st);
    } else {
      for (const [h, role] of everyHost) record(h, role, await startHost(hostPaths(dir, h.name), stackedLower(layers[role], lower), pk.repoDir, h));
    }
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
