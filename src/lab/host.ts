/**
 * One lab host: an overlay of the cached rootfs in its own mount, UTS and PID namespaces, with
 * sshd as its PID 1 listening on the host's own loopback address. All mounts are made inside the
 * host's private mount namespace, so they vanish with it; killing PID 1 ends every process of
 * the host (the kernel kills the rest of a PID namespace when its init dies).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import type { LabHost } from './config.js';
import { run, type RunResult } from './proc.js';

export interface HostPaths { dir: string; upper: string; work: string; root: string; log: string }

export function hostPaths(labDir: string, host: string): HostPaths {
  const dir = join(labDir, 'hosts', host);
  return { dir, upper: join(dir, 'upper'), work: join(dir, 'work'), root: join(dir, 'root'), log: join(dir, 'host.log') };
}

/** Runs as the host's first process (inside `unshare`): mounts, then becomes sshd. */
const BOOT = [
  'set -e',
  'root=$1; lower=$2; upper=$3; work=$4; repo=$5; name=$6',
  'hostname "$name"',
  'mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"',
  'mount -t proc proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'mount -t tmpfs -o mode=0755,size=64m tmpfs "$root/run"',
  'mkdir -p "$root/run/sshd" "$root/run/lock"',
  'mount --bind "$repo" "$root/srv/repo"',
  'mount -o remount,bind,ro "$root/srv/repo"',
  'exec chroot "$root" /usr/sbin/sshd -D -e',
].join('\n');

const UNSAFE_OVERLAY_PATH = /[,:\\\s]/;

/** Start the host; resolves with the PID (in this machine's namespace) of its PID 1. */
export async function startHost(p: HostPaths, lower: string, repo: string, host: LabHost): Promise<{ pid: number; unsharePid: number }> {
  for (const path of [...lower.split(':'), p.upper, p.work, p.root]) { // lower: a ':' list (layer.ts)
    if (UNSAFE_OVERLAY_PATH.test(path)) throw new ValidationError(`path not usable in an overlay mount (no ',', ':', spaces): ${path}`);
  }
  return bootHost(p, host, ['unshare', '--mount', '--uts', '--pid', '--fork', '--propagation', 'private',
    'sh', '-c', BOOT, 'boot', p.root, lower, p.upper, p.work, repo, host.name], {
    timeoutMs: 15_000,
    initPid: (launcher) => {
      const pid = childOf(launcher);
      return pid && rootOf(pid) === p.root ? pid : undefined;
    },
    onFail: async (launcher, pid) => {
      const init = pid ?? childOf(launcher); // the child may not have reached its chroot yet
      try { process.kill(launcher, 'SIGKILL'); } catch { /* gone */ }
      if (init) try { process.kill(init, 'SIGKILL'); } catch { /* gone */ }
    },
  });
}

/**
 * Start a host's launcher (unshare or systemd-nspawn) detached, its output in the host's log, and
 * wait until its PID 1 is known and its sshd greets; on failure `onFail` cleans up and the error
 * quotes the log's last lines. Resolves with the PID 1 and the launcher's pid.
 */
export async function bootHost(p: HostPaths, host: LabHost, argv: string[], how: {
  timeoutMs: number;
  initPid: (launcherPid: number) => number | undefined;
  onFail: (launcherPid: number, pid: number | undefined) => Promise<void>;
}): Promise<{ pid: number; unsharePid: number }> {
  for (const d of [p.upper, p.work, p.root]) mkdirSync(d, { recursive: true });
  const log = openSync(p.log, 'a');
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: '/', detached: true, stdio: ['ignore', log, log], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
  });
  closeSync(log);
  child.unref();
  const unsharePid = child.pid!;
  let exited = false;
  child.on('exit', () => { exited = true; });
  const deadline = Date.now() + how.timeoutMs;
  let pid: number | undefined;
  while (Date.now() < deadline && !exited) {
    pid ??= how.initPid(unsharePid);
    if (pid && (await sshBanner(host.address))) return { pid, unsharePid };
    await sleep(100);
  }
  const tail = existsSync(p.log) ? readFileSync(p.log, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
  await how.onFail(unsharePid, pid);
  throw new ValidationError(`${host.name}: ${exited ? `${argv[0]} exited` : `sshd did not come up on ${host.address}:22 within ${how.timeoutMs / 1000} s`}${tail ? `: ${tail}` : ''}`);
}

function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch { return undefined; }
}

/** The root directory of a process as this machine sees it, if readable. */
export function rootOf(pid: number): string | undefined {
  try { return readlinkSync(`/proc/${pid}/root`); } catch { return undefined; }
}

/** Every process whose root or cwd is at or below `dir`. */
export function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    for (const link of ['root', 'cwd']) {
      let target: string;
      try { target = readlinkSync(`/proc/${pid}/${link}`); } catch { continue; }
      if (target === dir || target.startsWith(dir + '/')) { out.push(pid); break; }
    }
  }
  return out;
}

export function isHostAlive(pid: number, root: string): boolean {
  return rootOf(pid) === root;
}

/** Resolves true when something at address:22 greets with an SSH banner. */
export function sshBanner(address: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port: 22 });
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('data', (b) => done(b.toString().startsWith('SSH-')));
    sock.once('error', () => done(false));
  });
}

export const HOST_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8', 'DEBIAN_FRONTEND=noninteractive'];

/** Run a shell command inside the host (its namespaces and root), without ssh. pid: the host's PID 1. */
export function hostExec(pid: number, shellCommand: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(['nsenter', '--target', String(pid), '--mount', '--uts', '--ipc', '--pid', '--root', '--wd',
    '--', '/usr/bin/env', '-i', ...HOST_ENV, '/bin/sh', '-c', shellCommand], { allowFail: true, ...opts });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
