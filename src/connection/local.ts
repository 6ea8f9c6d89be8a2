/**
 * The workstation itself as a host (`ansible_connection: local`). A command channel is a child
 * process (the user's shell `-c`, like sshd; its own process group); exec, put, get and become are ChannelConnection's,
 * the same code the ssh connection runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { UnreachableError } from '../errors.js';
import { ChannelConnection, type ChannelConnectionOptions } from './base.js';
import type { ExitStatus, RawChannel } from './channel.js';

export type LocalConnectionOptions = ChannelConnectionOptions;

export class LocalConnection extends ChannelConnection {
  readonly loginUser: string | undefined = currentUser();
  /** What sshd would run a command with: the user's shell (when a POSIX one), else /bin/sh. */
  readonly shell: string = loginShell();

  constructor(host: string, opts: LocalConnectionOptions = {}) {
    super(host, opts);
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  async openChannel(text: string): Promise<RawChannel> {
    let child;
    try {
      // detached: its own process group, which the pid line names (see channel.ts).
      // argv[0] the shell's base name, as sshd sets it (it shows in the shell's error messages).
      child = spawn(this.shell, ['-c', text], { argv0: basename(this.shell), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      throw new UnreachableError(this.host, `cannot start a local process: ${(err as Error).message}`);
    }
    const { stdin, stdout, stderr } = child;
    // A command may exit without reading its stdin (EPIPE): writers see the stream close instead.
    stdin.on('error', () => undefined);
    const exited = new Promise<ExitStatus>((resolve, reject) => {
      child.once('error', (err) => reject(new UnreachableError(this.host, `cannot run a local process: ${err.message}`)));
      child.once('close', (code, signal) => resolve({ code, ...(signal ? { signal: signal.replace(/^SIG/, '') } : {}) }));
    });
    exited.catch(() => undefined);
    return {
      stdin,
      stdout,
      stderr,
      exited,
      close: () => {
        stdin.destroy();
        stdout.destroy();
        stderr.destroy();
      },
    };
  }
}

const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'ksh', 'mksh', 'zsh', 'ash']);

/**
 * The user's shell from the passwd database, as sshd uses it for an exec: the same command gives
 * the same result over ssh and locally (bash, for example, execs the last command of `-c` where
 * dash forks it, which shows in how a signal is reported, and words its errors differently).
 */
function loginShell(): string {
  try {
    const shell = userInfo().shell;
    if (shell && POSIX_SHELLS.has(shell.slice(shell.lastIndexOf('/') + 1)) && existsSync(shell)) return shell;
  } catch { /* no passwd entry */ }
  return '/bin/sh';
}

/** The user this process runs as (root for uid 0). */
function currentUser(): string | undefined {
  if (process.getuid?.() === 0) return 'root';
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
