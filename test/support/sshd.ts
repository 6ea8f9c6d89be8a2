/**
 * A real OpenSSH sshd for integration tests, on a loopback address and a free port.
 *
 *   const sshd = await startSshd({ address: '127.0.0.5' });
 *   try {
 *     // connect as root with sshd.clientKeyPath; trust sshd.knownHostsLine
 *   } finally {
 *     await sshd.stop();
 *   }
 *
 * Each instance has its own temp dir (host key, client key, authorized_keys per user, pid file,
 * config), runs `/usr/sbin/sshd -D -e -f <dir>/sshd_config` as a child of the test process and is
 * killed by stop(), or at the latest when the test process exits. Needs root (sshd privilege
 * separation, logging in as other users); `/run/sshd` is created when missing.
 * See docs/connection.md for details.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface SshdUser {
  name: string;
  /** Extra authorized public keys (OpenSSH one-line format); the harness's client key is always added. */
  publicKeys?: string[];
}

export interface SshdOptions {
  /** Loopback address to listen on (127.0.0.0/8 only); default 127.0.0.1. */
  address?: string;
  /** Port; default a free one. */
  port?: number;
  /** Users who may log in with the client key; default root and the current user. */
  users?: (string | SshdUser)[];
  /** PasswordAuthentication yes (users need a password set, e.g. with chpasswd). Default false. */
  passwordAuth?: boolean;
  /** UsePAM yes + KbdInteractiveAuthentication yes (keyboard-interactive answered by PAM). Default false. */
  usePam?: boolean;
  /** sshd LogLevel; default VERBOSE. DEBUG1 logs direct-tcpip (jump) requests. */
  logLevel?: 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /** Extra lines appended to sshd_config (e.g. 'AllowTcpForwarding no', 'MaxSessions 5'). */
  extraConfig?: string[];
  /** Host key type; default ed25519. */
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
}

export interface Sshd {
  address: string;
  port: number;
  /** The host's public key, `ssh-ed25519 AAAA...` (no comment). */
  hostKeyPublic: string;
  /** A known_hosts line for this server: `[address]:port ssh-ed25519 AAAA...` (or `address ...` on port 22). */
  knownHostsLine: string;
  /** Private key (unencrypted, 0600) accepted for every configured user. */
  clientKeyPath: string;
  clientPublicKey: string;
  /** The instance's temp dir; removed by stop(). */
  dir: string;
  /** sshd's log so far (stderr of `sshd -e`). */
  log(): string;
  /** Wait until the log matches `re` (or throw after timeoutMs). */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const live = new Set<{ child: ChildProcess; dir: string }>();
let hooked = false;

function cleanupLive(): void {
  for (const it of live) {
    killTree(it.child, 'SIGKILL');
    try { rmSync(it.dir, { recursive: true, force: true }); } catch { /* ignore */ }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanupLive);
  // A test killed by SIGTERM/SIGINT/SIGHUP never reaches 'exit': clean up, then die of the same
  // signal (unless the process has its own handler, which then decides).
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanupLive();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

function assertLoopback(address: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) {
    throw new Error(`startSshd: ${address} is not a 127.0.0.0/8 address`);
  }
}

/** A TCP port free on `address` right now. */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolve once something on address:port answers with an SSH banner. */
function waitForBanner(address: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`sshd exited (${child.exitCode ?? child.signalCode}) before accepting connections`));
        return;
      }
      const sock = netConnect({ host: address, port });
      let buf = '';
      const retry = () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on ${address}:${port} did not answer within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      };
      sock.setTimeout(2000, retry);
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.startsWith('SSH-')) {
          sock.destroy();
          resolve();
        }
      });
      sock.on('error', retry);
      sock.on('close', () => { if (!buf.startsWith('SSH-')) retry(); });
    };
    attempt();
  });
}

/** Pids of the direct children of `pid` (sshd forks one per connection; they call setsid). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  for (const pid of childrenOf(child.pid)) try { process.kill(pid, signal); } catch { /* gone */ }
  try { child.kill(signal); } catch { /* gone */ }
}

function keygen(type: string, file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
}

function stripComment(pub: string): string {
  return pub.trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const address = opts.address ?? '127.0.0.1';
  assertLoopback(address);
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: apt-get install openssh-server`);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  hookExit();

  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-sshd-'));
  chmodSync(dir, 0o755);
  let child: ChildProcess | undefined;
  let entry: { child: ChildProcess; dir: string } | undefined;
  try {
    const hostKeyType = opts.hostKeyType ?? 'ed25519';
    const hostKey = join(dir, `ssh_host_${hostKeyType}_key`);
    keygen(hostKeyType, hostKey, 'etcdplay-test-host');
    const clientKeyPath = join(dir, 'client_key');
    keygen('ed25519', clientKeyPath, 'etcdplay-test-client');
    const clientPublicKey = readFileSync(`${clientKeyPath}.pub`, 'utf8').trim();
    const hostKeyPublic = stripComment(readFileSync(`${hostKey}.pub`, 'utf8'));

    const keysDir = join(dir, 'authorized_keys');
    mkdirSync(keysDir, { mode: 0o755 });
    const users: SshdUser[] = (opts.users ?? ['root', userInfo().username]).map((u) => (typeof u === 'string' ? { name: u } : u));
    for (const u of users) {
      const file = join(keysDir, u.name);
      writeFileSync(file, [clientPublicKey, ...(u.publicKeys ?? [])].join('\n') + '\n', { mode: 0o644 });
    }

    const port = opts.port ?? (await freePort(address));
    const config = [
      `ListenAddress ${address}:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keysDir}/%u`,
      'StrictModes no',
      `UsePAM ${opts.usePam ? 'yes' : 'no'}`,
      `KbdInteractiveAuthentication ${opts.usePam ? 'yes' : 'no'}`,
      `PasswordAuthentication ${opts.passwordAuth ? 'yes' : 'no'}`,
      `PermitRootLogin ${opts.passwordAuth ? 'yes' : 'prohibit-password'}`,
      'PubkeyAuthentication yes',
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      'PrintMotd no',
      'PrintLastLog no',
      'UseDNS no',
      'Subsystem sftp internal-sftp',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n');
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, config, { mode: 0o644 });
    // Validate first: a config error is reported clearly instead of as a start timeout.
    try {
      execFileSync(SSHD, ['-t', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      throw new Error(`sshd config rejected: ${stderr.trim()}`);
    }

    let logText = '';
    child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    entry = { child, dir };
    live.add(entry);
    child.stderr!.on('data', (b: Buffer) => { logText += b.toString(); });
    await waitForBanner(address, port, child, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logText}`);
    });

    const knownHostsLine = `${port === 22 ? address : `[${address}]:${port}`} ${hostKeyPublic}`;
    const proc = child;
    const ent = entry;
    let stopped = false;
    return {
      address,
      port,
      hostKeyPublic,
      knownHostsLine,
      clientKeyPath,
      clientPublicKey,
      dir,
      log: () => logText,
      waitForLog: (re, timeoutMs = 5000) => new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          const m = re.exec(logText);
          if (m) resolve(m[0]);
          else if (Date.now() > deadline) reject(new Error(`sshd log never matched ${re}:\n${logText}`));
          else setTimeout(check, 25);
        };
        check();
      }),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        if (proc.exitCode === null && proc.signalCode === null) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => killTree(proc, 'SIGKILL'), 3000);
            proc.once('exit', () => { clearTimeout(t); resolve(); });
            killTree(proc, 'SIGTERM');
          });
        }
        live.delete(ent);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child && child.exitCode === null) killTree(child, 'SIGKILL');
    if (entry) live.delete(entry);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A known_hosts file in `dir` holding `lines`; returns its path. */
export function writeKnownHosts(dir: string, lines: string[], name = 'known_hosts'): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}
