/**
 * A lab as its users reach it: the Lab record read from lab.json, a shell inside a host (nsenter,
 * no ssh) and the etcdctl command line that talks to its members.
 */
import { ValidationError } from '../errors.js';
import { shQuote } from '../shell/quote.js';
import { CLIENT_PORT, DEFAULT_NET, HOST_PKI, scheme } from './config.js';
import { hostExec, hostPaths, isHostAlive } from './host.js';
import type { LabInit } from './init.js';
import { inHostCgroup } from './nspawn.js';
import { checkLabName, labDir } from './paths.js';
import type { RunResult } from './proc.js';
import { allHostStates, labFiles, readState, type LabHostState, type LabState } from './state.js';

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


export function toLab(dir: string, st: LabState): Lab {
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
export function hostRunning(st: LabState, h: LabHostState): boolean {
  return st.init === 'systemd' ? inHostCgroup(h.pid, st.name, h.name) : isHostAlive(h.pid, hostPaths(labDir(st.name), h.name).root);
}

/** etcdctl argv prefix (as shell text) for talking to `endpoints` from inside a lab host. */
export function etcdctlPrefix(tls: boolean, endpoints: string[], commandTimeout = '5s'): string {
  const parts = ['env', 'ETCDCTL_API=3', 'etcdctl', `--endpoints=${endpoints.join(',')}`, `--command-timeout=${commandTimeout}`];
  if (tls) parts.push(`--cacert=${HOST_PKI.ca}`, `--cert=${HOST_PKI.clientCert}`, `--key=${HOST_PKI.clientKey}`);
  return parts.map(shQuote).join(' ');
}

export function endpointOf(tls: boolean, h: { address: string }): string {
  return `${scheme(tls)}://${h.address}:${CLIENT_PORT}`;
}

/** Every member's client endpoint. */
export function labEndpoints(lab: { tls: boolean; hosts: { address: string }[] }): string[] {
  return lab.hosts.map((h) => endpointOf(lab.tls, h));
}

/** The writer's etcdctl: every member, a short timeout (well under the 10 s its stop waits before KILL). */
export const WRITER_COMMAND_TIMEOUT = '3s';

export function stateOrThrow(name: string): LabState {
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

export async function mustExec(name: string, node: string, cmd: string, what: string, timeoutMs = 300_000): Promise<string> {
  const r = await labExec(name, node, cmd, { timeoutMs });
  if (r.rc !== 0) {
    const last = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' | ');
    throw new ValidationError(`${node}: ${what} failed (rc=${r.rc}): ${last}`, [], `${cmd}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** A lab that is up, as labUp returned it. */
export function getLab(name: string): Lab {
  return toLab(labDir(name), stateOrThrow(name));
}

/** Big integers (member ids) as strings, so JSON.parse keeps them exact. */
export function parseEtcdJson(text: string): unknown {
  return JSON.parse(text.replace(/([:\[,]\s*)(\d{16,})/g, '$1"$2"'));
}
