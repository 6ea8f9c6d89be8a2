/**
 * A lab host that boots systemd: `systemd-nspawn --boot` of the host's overlay root, sharing this
 * machine's network namespace (so sshd and etcd listen on the host's own loopback address).
 *
 * Everything the host leaves on this machine is kept in places `down` can find by name:
 * - its cgroup `etcdplay-lab-<lab>/<host>` in every cgroup hierarchy systemd uses (the boot shell
 *   moves itself there before exec'ing nspawn, so the host's systemd gets that subtree and never
 *   shares a cgroup with another host: a `systemctl stop etcd` stops only this host's etcd);
 * - the overlay mount and a private tmpfs on /run/systemd/nspawn (nspawn's locks and propagation
 *   dirs), both in a private mount namespace that vanishes with the last process;
 * - no machine registration (`--register=no --keep-unit`: no machined, no scope unit).
 * So `down` kills the cgroup tree (which holds nspawn, the host's PID 1 and every service),
 * waits for it to be empty and removes the cgroup dirs.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import type { LabHost } from './config.js';
import { bootHost, type HostPaths, sleep } from './host.js';
import { HOST_REPO_DIR } from './rootfs.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';
export const NSPAWN_RUN_DIR = '/run/systemd/nspawn';
export const MACHINES_RUN_DIR = '/run/systemd/machines';
const BOOT_TIMEOUT_MS = 90_000;

/** The cgroup hierarchies systemd uses on this machine: unified only, or name=systemd + unified (hybrid). */
export function cgroupHierarchies(root = CGROUP_ROOT): string[] {
  if (existsSync(join(root, 'cgroup.controllers'))) return [root];
  return ['systemd', 'unified'].map((h) => join(root, h)).filter((d) => existsSync(join(d, 'cgroup.procs')));
}

/** A lab's cgroup, relative to each hierarchy. */
export function labCgroup(lab: string): string {
  return `etcdplay-lab-${lab}`;
}

export function hostCgroup(lab: string, host: string): string {
  return `${labCgroup(lab)}/${host}`;
}

/** nspawn's machine name for a host (used for its propagation dir; never registered). */
export function machineName(lab: string, host: string): string {
  return `etcdplay-${lab}-${host}`;
}

/**
 * Runs as `unshare --mount --propagation private sh -c BOOT boot ROOT LOWER UPPER WORK REPO NAME
 * MACHINE CGROUP_DIR...`: joins the host's cgroups, mounts the overlay and nspawn's private run
 * dir, then becomes systemd-nspawn.
 */
export const NSPAWN_BOOT = [
  'set -e',
  'root=$1; lower=$2; upper=$3; work=$4; repo=$5; name=$6; machine=$7; shift 7',
  'for cg in "$@"; do mkdir -p "$cg"; echo $$ > "$cg/cgroup.procs"; done',
  'mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"',
  `mkdir -p ${NSPAWN_RUN_DIR}`,
  `mount -t tmpfs -o mode=0755,size=4m tmpfs ${NSPAWN_RUN_DIR}`,
  `exec systemd-nspawn --quiet --boot --directory="$root" --machine="$machine" --hostname="$name" --register=no --keep-unit \\`,
  `  --console=read-only --resolv-conf=off --timezone=off --link-journal=no --bind-ro="$repo:${HOST_REPO_DIR}"`,
].join('\n');

/** argv that starts a systemd host (for unit tests and for startSystemdHost). */
export function nspawnArgv(p: HostPaths, lower: string, repo: string, host: LabHost, lab: string, hierarchies = cgroupHierarchies()): string[] {
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', NSPAWN_BOOT, 'boot',
    p.root, lower, p.upper, p.work, repo, host.name, machineName(lab, host.name), ...hierarchies.map((h) => join(h, hostCgroup(lab, host.name)))];
}

/** Every pid in a cgroup and its descendants, in every hierarchy. */
export function cgroupPids(rel: string, hierarchies = cgroupHierarchies()): number[] {
  const out = new Set<number>();
  const walk = (dir: string) => {
    let text = '';
    try { text = readFileSync(join(dir, 'cgroup.procs'), 'utf8'); } catch { /* not a cgroup (or gone) */ }
    for (const l of text.split('\n')) if (l) out.add(Number(l));
    let entries: string[] = [];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) {
      const sub = join(dir, e);
      try { if (statSync(sub).isDirectory()) walk(sub); } catch { /* gone */ }
    }
  };
  for (const h of hierarchies) walk(join(h, rel));
  return [...out];
}

/** The cgroup directories of `rel` (deepest first), in every hierarchy. */
export function cgroupDirs(rel: string, hierarchies = cgroupHierarchies()): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: string[] = [];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) {
      const sub = join(dir, e);
      try { if (statSync(sub).isDirectory()) walk(sub); } catch { /* gone */ }
    }
    out.push(dir);
  };
  for (const h of hierarchies) if (existsSync(join(h, rel))) walk(join(h, rel));
  return out;
}

/** The host's PID 1 (systemd) as this machine sees it: the process of its cgroup whose innermost pid is 1. */
export function hostInitPid(lab: string, host: string): number | undefined {
  for (const pid of cgroupPids(hostCgroup(lab, host))) {
    try {
      const ns = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim().split(/\s+/);
      if (ns && ns.length > 1 && ns[ns.length - 1] === '1') return pid;
    } catch { /* gone */ }
  }
  return undefined;
}

/** `pid` runs and belongs to the host's cgroup (a reused pid elsewhere does not count). */
export function inHostCgroup(pid: number, lab: string, host: string): boolean {
  try {
    const rel = '/' + hostCgroup(lab, host);
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').some((l) => {
      const path = l.split(':').slice(2).join(':');
      return path === rel || path.startsWith(rel + '/');
    });
  } catch { return false; }
}

/** Boot the host; resolves once its sshd answers, with its PID 1 and nspawn's pid. */
export async function startSystemdHost(p: HostPaths, lower: string, repo: string, host: LabHost, lab: string): Promise<{ pid: number; unsharePid: number }> {
  const hierarchies = cgroupHierarchies();
  if (!hierarchies.length) throw new ValidationError(`no cgroup hierarchy for systemd under ${CGROUP_ROOT} (need cgroup2, or name=systemd + unified)`);
  return bootHost(p, host, nspawnArgv(p, lower, repo, host, lab, hierarchies), {
    timeoutMs: BOOT_TIMEOUT_MS,
    initPid: () => hostInitPid(lab, host.name),
    onFail: () => killCgroup(hostCgroup(lab, host.name)),
  });
}

/**
 * Kill every process of a cgroup tree (cgroup.kill where the kernel has it, else SIGKILL to each
 * listed pid, repeated: a fork in flight shows up in the next round), until it is empty.
 */
export async function killCgroup(rel: string, timeoutMs = 15_000): Promise<void> {
  const hierarchies = cgroupHierarchies();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = cgroupPids(rel, hierarchies);
    if (!pids.length) return;
    if (Date.now() > deadline) throw new ValidationError(`cgroup ${rel}: processes still running after kill: ${pids.join(' ')}`);
    for (const h of hierarchies) {
      const kill = join(h, rel, 'cgroup.kill');
      if (existsSync(kill)) try { writeFileSync(kill, '1'); } catch { /* not supported */ }
    }
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    await sleep(50);
  }
}

/** Remove a cgroup tree whose processes are gone (rmdir, deepest first; a busy dir is retried). */
export async function removeCgroup(rel: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const dirs = cgroupDirs(rel);
    if (!dirs.length) return;
    for (const d of dirs) try { rmdirSync(d); } catch { /* busy a moment longer, or gone */ }
    await sleep(100);
  }
  const left = cgroupDirs(rel);
  if (left.length) throw new ValidationError(`cgroup dirs could not be removed: ${left.join(' ')}`);
}

/**
 * What a lab's systemd hosts could leave on this machine, for `down` and the leftover checks:
 * its cgroup dirs, nspawn run entries and machine registrations named after its machines.
 */
export function systemdLeftovers(lab: string, hosts: string[]): string[] {
  const found = cgroupDirs(labCgroup(lab)).map((d) => `cgroup ${d}`);
  const machines = new Set(hosts.map((h) => machineName(lab, h)));
  const scan = (dir: string, depth: number) => {
    let entries: string[] = [];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) {
      if (machines.has(e)) found.push(`${dir}/${e}`);
      else if (depth > 0) { try { if (statSync(join(dir, e)).isDirectory()) scan(join(dir, e), depth - 1); } catch { /* gone */ } }
    }
  };
  scan(NSPAWN_RUN_DIR, 2);
  scan(MACHINES_RUN_DIR, 0);
  return found;
}

function isNamespaceInit(pid: number): boolean {
  try {
    const ns = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim().split(/\s+/);
    return !!ns && ns.length > 1 && ns[ns.length - 1] === '1';
  } catch { return false; }
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Stop a lab's systemd hosts: SIGKILL each host's PID 1 first, so that its nspawn (its parent)
 * reaps it and exits (killed together, the PID 1 would be reparented to this machine's init and
 * linger as a zombie holding its namespaces until that one reaps it); then everything left in
 * the lab's cgroup tree; then wait until each PID 1 is reaped.
 */
export async function stopSystemdHosts(lab: string, hosts: { name: string; pid: number; unsharePid: number }[]): Promise<void> {
  const inits = hosts.filter((h) => inHostCgroup(h.pid, lab, h.name));
  for (const h of inits) try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ }
  await waitUntil(() => inits.every((h) => !inHostCgroup(h.unsharePid, lab, h.name)), 3000);
  await killCgroup(labCgroup(lab));
  await waitUntil(() => inits.every((h) => !isNamespaceInit(h.pid)), 10_000);
}
