/**
 * ChannelConnection: exec, put and get written once over the command channel (channel.ts). The ssh
 * connection (ssh2 exec channels) and the local one (child processes) only say how a channel is
 * opened, how they connect and close; everything a command goes through (become, stdin, output,
 * timeout, abort, transfers) is the same code for both.
 */
import type { Readable, Writable } from 'node:stream';
import type { Command } from '../model/command.js';
import type { ExecResult } from '../model/result.js';
import { renderCommand } from '../shell/quote.js';
import type { BecomeSpec } from './become.js';
import { startCommand, type ChannelTransport, type RawChannel } from './channel.js';
import type { Connection, ExecOptions, TransferOptions, TransferOutcome } from './connection.js';
import type { FileSource } from './fileread.js';
import { getFile, putFile } from './transfer.js';

export interface ChannelConnectionOptions {
  /** Default timeout of an exec that gives none. */
  commandTimeoutMs?: number;
  /** Used for become when an exec/transfer gives none (ansible_become_password, -K). */
  becomePassword?: string;
  onWarning?(message: string): void;
}

export abstract class ChannelConnection implements Connection, ChannelTransport {
  abstract readonly loginUser: string | undefined;

  constructor(readonly host: string, private readonly base: ChannelConnectionOptions = {}) {}

  abstract connect(): Promise<void>;
  abstract close(): Promise<void>;
  abstract openChannel(text: string, o: { signal?: AbortSignal; control?: boolean }): Promise<RawChannel>;

  warn(message: string): void {
    this.base.onWarning?.(message);
  }

  async exec(command: Command, o: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const become = this.becomeSpec(o);
    const timeoutMs = o.timeoutMs ?? this.base.commandTimeoutMs;
    const cmd = await startCommand(this, renderCommand(command), {
      ...(become ? { become } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(o.onStdout ? { onStdout: o.onStdout } : {}),
      ...(o.onStderr ? { onStderr: o.onStderr } : {}),
    });
    cmd.ready.then(() => {
      if (command.stdin !== undefined) cmd.stdin.write(command.stdin);
      cmd.stdin.end();
    }, () => undefined);
    const r = await cmd.done;
    return { rc: r.rc, stdout: r.stdout, stderr: r.stderr, ...(r.signal ? { signal: r.signal } : {}), durationMs: Date.now() - started };
  }

  put(source: Readable | FileSource, size: number, remotePath: string, opts: TransferOptions = {}): Promise<TransferOutcome> {
    return putFile(this, source, size, remotePath, opts, this.becomeSpec(opts));
  }

  get(remotePath: string, sink: Writable, opts: TransferOptions = {}): Promise<TransferOutcome> {
    return getFile(this, remotePath, sink, opts, this.becomeSpec(opts));
  }

  /** The become of an exec/transfer with its password: the call's, else the connection's. */
  private becomeSpec(o: { become?: { user: string }; becomePassword?: string }): BecomeSpec | undefined {
    if (!o.become) return undefined;
    const password = o.becomePassword ?? this.base.becomePassword;
    return { user: o.become.user, ...(password !== undefined ? { password } : {}) };
  }
}
