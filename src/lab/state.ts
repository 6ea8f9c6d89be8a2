/** The lab's state file, `<labdir>/lab.json`, and the files every lab dir holds. */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabInit } from './init.js';
import { labDir, labsRoot } from './paths.js';

/** pid: the host's PID 1 (sshd, or systemd); unsharePid: the process started for it (unshare, or systemd-nspawn). */
export interface LabHostState { name: string; address: string; pid: number; unsharePid: number }

export interface LabState {
  name: string;
  nodes: number;
  etcdVersion: string;
  debVersion: string;
  tls: boolean;
  /** Third octet of the hosts' addresses. */
  net: number;
  /** 'starting' until the cluster is healthy; a lab left 'starting' is half-started. */
  state: 'starting' | 'up';
  createdAt: string;
  /** The process that brought it up (a test file, or `etcdplay lab up`). */
  createdBy?: { pid: number };
  /** The etcd members. */
  hosts: LabHostState[];
  /** Control plane hosts (cp1..); absent in state files written before they existed. */
  controlPlane?: number;
  cpHosts?: LabHostState[];
  /** The hosts' init; absent in state files written before systemd hosts existed (= sysv). */
  init?: LabInit;
}

/** Every host of the lab: etcd members and control plane hosts. */
export function allHostStates(st: LabState): LabHostState[] {
  return [...st.hosts, ...(st.cpHosts ?? [])];
}

export function labFiles(dir: string) {
  return {
    state: join(dir, 'lab.json'),
    inventory: join(dir, 'inventory.yml'),
    sshConfig: join(dir, 'ssh_config'),
    knownHosts: join(dir, 'known_hosts'),
    key: join(dir, 'id_ed25519'),
    pki: join(dir, 'pki'),
  };
}

export function readState(name: string): LabState | undefined {
  const file = labFiles(labDir(name)).state;
  if (!existsSync(file)) return undefined;
  try { return JSON.parse(readFileSync(file, 'utf8')) as LabState; } catch { return undefined; }
}

export function writeState(dir: string, state: LabState): void {
  const file = labFiles(dir).state;
  writeFileSync(file + '.tmp', JSON.stringify(state, null, 2) + '\n');
  renameSync(file + '.tmp', file);
}

/** Names of the labs that have a directory (running or half-started). */
export function listLabNames(): string[] {
  const root = labsRoot();
  return existsSync(root) ? readdirSync(root).sort() : [];
}
