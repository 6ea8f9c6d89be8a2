/**
 * The workstation itself as a host (`ansible_connection: local`). A command channel is a child
 * process (`sh -c`, its own process group); exec, put, get and become are ChannelConnection's,
 * the same code the ssh connection runs.
 */
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { UnreachableError } from '../errors.js';
import { ChannelConnection, type ChannelConnectionOptions } from './base.js';
import type { ExitStatus, RawChannel } from './channel.js';

export type LocalConnectionOptions = ChannelConnectionOptions;

export class LocalConnection extends ChannelConnection {
  readonly loginUser: string | undefined = currentUser();

  constructor(host: string, opts: LocalConnectionOptions = {}) {
    super(host, opts);
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  async openChannel(text: string): Promise<RawChannel> {
    let child;
    try {
      // detached: its own process group, which the pid line names (see channel.ts).
      child = spawn('sh', ['-c', text], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
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

/** The user this process runs as (root for uid 0). */
function currentUser(): string | undefined {
  if (process.getuid?.() === 0) return 'root';
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
