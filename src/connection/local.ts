import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Become, Command } from '../model/command.js';
import type { ExecResult } from '../model/result.js';
import { renderCommand } from '../shell/quote.js';
import { CommandFailedError, UnreachableError } from '../errors.js';
import type { Connection, ExecOptions, TransferOptions, TransferOutcome } from './connection.js';
import { isFileSource, type FileSource } from './fileread.js';

/** sudo prints this as its password prompt (-p), so we know when to feed the password. */
const PROMPT = '__ETCDPLAY_SUDO_PROMPT__';
/** Printed on stderr by the wrapper once sudo has let us in; stripped from the output. */
const READY = '__ETCDPLAY_SUDO_READY__';

const PUT_SCRIPT = 'umask 077; cat > "$1" && sha256sum < "$1"';
const FINISH_SCRIPT =
  'set -e; if [ -n "$3" ]; then chmod "$3" "$1"; fi; ' +
  'if [ -n "$4" ]; then chown "$4" "$1"; fi; if [ -n "$5" ]; then chgrp "$5" "$1"; fi; mv -f "$1" "$2"';

/**
 * The workstation itself as a host (`ansible_connection: local`). Every command is rendered by
 * renderCommand and run with `sh -c`; with become (and when not already the wanted user) through
 * `sudo -S`, the password fed on stdin only after sudo asks for it.
 */
export class LocalConnection implements Connection {
  constructor(readonly host: string) {}

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  async exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const child = this.spawnShell(renderCommand(command), opts.become, opts.becomePassword);
    let stdout = '';
    let stderr = '';
    const ready = this.wireSudo(child, opts.becomePassword, !!opts.become && needsSudo(opts.become), (chunk) => {
      stderr += chunk;
      opts.onStderr?.(chunk);
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      opts.onStdout?.(chunk);
    });
    child.stdin!.on('error', () => { /* the command may exit without reading stdin */ });
    ready.then(() => {
      if (command.stdin !== undefined) child.stdin!.write(command.stdin);
      child.stdin!.end();
    }, () => child.stdin!.end());
    const { code, signal, timedOut, aborted } = await this.wait(child, opts.timeoutMs, opts.signal);
    // Same contract as the ssh connection: a timeout is rc 124, an abort rejects with AbortError.
    if (timedOut) throw new CommandFailedError(this.host, 124, `command timed out after ${opts.timeoutMs! / 1000} s`, stdout, stderr);
    if (aborted) throw abortError(opts.signal!);
    return { rc: code ?? 128 + signalNumber(signal), stdout, stderr, ...(signal ? { signal } : {}), durationMs: Date.now() - started };
  }

  async put(input: Readable | FileSource, size: number, remotePath: string, opts: TransferOptions = {}): Promise<TransferOutcome> {
    if (opts.expectSha256 !== undefined && typeof opts.expectSha256 !== 'string') Promise.resolve(opts.expectSha256).catch(() => undefined);
    const source: Readable = isFileSource(input) ? createReadStream(input.path, { highWaterMark: 1 << 20 }) : input;
    const tmp = join(dirname(remotePath), `.${basename(remotePath)}.etcdplay-${randomBytes(4).toString('hex')}`);
    const child = this.spawnArgv(['sh', '-c', PUT_SCRIPT, 'sh', tmp], opts.become, opts.becomePassword);
    let stdout = '';
    let stderr = '';
    const ready = this.wireSudo(child, opts.becomePassword, !!opts.become && needsSudo(opts.become), (c) => (stderr += c));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => (stdout += c));
    const hash = createHash('sha256');
    let bytes = 0;
    let streamError: Error | undefined;
    child.stdin!.on('error', (e) => (streamError ??= e));
    ready.then(() => {
      source.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        opts.onProgress?.(bytes, size);
        if (!child.stdin!.write(chunk)) {
          source.pause();
          child.stdin!.once('drain', () => source.resume());
        }
      });
      source.on('end', () => child.stdin!.end());
      source.on('error', (e: Error) => {
        streamError ??= e;
        child.stdin!.destroy();
      });
    }, () => child.stdin!.end());
    const { code } = await this.wait(child, undefined, opts.signal);
    const local = hash.digest('hex');
    const remote = stdout.trim().split(/\s+/)[0] ?? '';
    let expected: string | undefined;
    let expectError: Error | undefined;
    if (opts.expectSha256 !== undefined && !streamError && code === 0) {
      try {
        expected = await opts.expectSha256;
      } catch (e) {
        expectError = e as Error;
      }
    }
    if (expectError || (expected !== undefined && expected !== remote)) {
      await this.exec({ kind: 'exec', argv: ['rm', '-f', '--', tmp] }, { become: opts.become, becomePassword: opts.becomePassword }).catch(() => undefined);
      if (expectError) throw expectError;
      throw new CommandFailedError(this.host, 1, `sha256 mismatch writing ${remotePath}: expected ${expected}, wrote ${remote}`);
    }
    if (streamError || code !== 0 || remote !== local) {
      await this.exec({ kind: 'exec', argv: ['rm', '-f', '--', tmp] }, { become: opts.become, becomePassword: opts.becomePassword }).catch(() => undefined);
      if (code !== 0) throw new CommandFailedError(this.host, code ?? -1, `writing ${remotePath} failed: ${lastLine(stderr)}`, stdout, stderr);
      if (streamError) throw streamError;
      throw new CommandFailedError(this.host, 0, `sha256 mismatch writing ${remotePath}: sent ${local}, wrote ${remote}`);
    }
    const fin = await this.exec(
      { kind: 'exec', argv: ['sh', '-c', FINISH_SCRIPT, 'sh', tmp, remotePath, opts.mode ?? '', opts.owner ?? '', opts.group ?? ''] },
      { become: opts.become, becomePassword: opts.becomePassword },
    );
    if (fin.rc !== 0) {
      await this.exec({ kind: 'exec', argv: ['rm', '-f', '--', tmp] }, { become: opts.become, becomePassword: opts.becomePassword }).catch(() => undefined);
      throw new CommandFailedError(this.host, fin.rc, `installing ${remotePath} failed: ${lastLine(fin.stderr)}`, fin.stdout, fin.stderr);
    }
    return { bytes, sha256: remote };
  }

  async get(remotePath: string, sink: Writable, opts: TransferOptions = {}): Promise<TransferOutcome> {
    const sum = await this.exec({ kind: 'exec', argv: ['sha256sum', '--', remotePath] }, { become: opts.become, becomePassword: opts.becomePassword });
    if (sum.rc !== 0) throw new CommandFailedError(this.host, sum.rc, `cannot read ${remotePath}: ${lastLine(sum.stderr)}`, sum.stdout, sum.stderr);
    const remoteSha = sum.stdout.trim().split(/\s+/)[0] ?? '';
    const sizeRes = await this.exec({ kind: 'exec', argv: ['wc', '-c', '--', remotePath] }, { become: opts.become, becomePassword: opts.becomePassword });
    const total = Number(sizeRes.stdout.trim().split(/\s+/)[0] ?? 0) || 0;
    const child = this.spawnArgv(['cat', '--', remotePath], opts.become, opts.becomePassword);
    let stderr = '';
    const ready = this.wireSudo(child, opts.becomePassword, !!opts.become && needsSudo(opts.become), (c) => (stderr += c));
    ready.then(() => child.stdin!.end(), () => child.stdin!.end());
    child.stdin!.on('error', () => undefined);
    const hash = createHash('sha256');
    let bytes = 0;
    let sinkError: Error | undefined;
    sink.on('error', (e) => {
      sinkError ??= e;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      opts.onProgress?.(bytes, total);
      if (!sink.write(chunk)) {
        child.stdout!.pause();
        sink.once('drain', () => child.stdout!.resume());
      }
    });
    const { code } = await this.wait(child, undefined, opts.signal);
    await new Promise<void>((resolve) => sink.end(() => resolve()));
    if (sinkError) throw sinkError;
    if (code !== 0) throw new CommandFailedError(this.host, code ?? -1, `reading ${remotePath} failed: ${lastLine(stderr)}`, '', stderr);
    const local = hash.digest('hex');
    if (local !== remoteSha) throw new CommandFailedError(this.host, 0, `sha256 mismatch reading ${remotePath}: host has ${remoteSha}, received ${local}`);
    return { bytes, sha256: remoteSha };
  }

  private spawnShell(text: string, become: Become | undefined, password: string | undefined): ChildProcess {
    return this.spawnArgv(['sh', '-c', text], become, password);
  }

  private spawnArgv(argv: string[], become: Become | undefined, password: string | undefined): ChildProcess {
    let full = argv;
    if (become && needsSudo(become)) {
      // The wrapper announces on stderr that sudo let us in, then runs the real argv.
      const wrapper = ['sh', '-c', `printf '%s\\n' ${READY} >&2; exec "$@"`, 'sh', ...argv];
      full = ['sudo', password !== undefined ? '-S' : '-n', '-p', PROMPT, '-u', become.user, '--', ...wrapper];
    }
    try {
      return spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      throw new UnreachableError(this.host, `cannot start a local process: ${(err as Error).message}`);
    }
  }

  /**
   * Handle sudo's prompt and ready marker on stderr; everything else goes to onStderr.
   * Resolves once the command itself runs (immediately without sudo).
   */
  private wireSudo(child: ChildProcess, password: string | undefined, sudo: boolean, onStderr: (chunk: string) => void): Promise<void> {
    child.stderr!.setEncoding('utf8');
    if (!sudo) {
      child.stderr!.on('data', (c: string) => onStderr(c));
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let buf = '';
      let done = false;
      let prompted = 0;
      child.stderr!.on('data', (c: string) => {
        if (done) return onStderr(c);
        buf += c;
        if (buf.includes(PROMPT)) {
          buf = buf.split(PROMPT).join('');
          prompted += 1;
          if (prompted > 1 || password === undefined) {
            child.stdin!.end();
          } else child.stdin!.write(password + '\n');
        }
        const i = buf.indexOf(READY + '\n');
        if (i >= 0) {
          done = true;
          const before = buf.slice(0, i);
          const after = buf.slice(i + READY.length + 1);
          buf = '';
          if (after) onStderr(after);
          void before; // sudo's own chatter (lecture) before we got in
          resolve();
        }
      });
      child.on('close', () => {
        if (!done) {
          if (buf) onStderr(buf);
          reject(new Error('sudo failed'));
        }
      });
    });
  }

  private wait(
    child: ChildProcess,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ code: number | null; signal: string | null; timedOut: boolean; aborted: boolean }> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      let aborted = false;
      const kill = () => {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          child.kill('SIGTERM');
        }
      };
      if (timeoutMs) timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
      const onAbort = () => {
        aborted = true;
        kill();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      child.on('error', (err) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(new UnreachableError(this.host, `cannot run a local process: ${err.message}`));
      });
      child.on('close', (code, sig) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ code, signal: sig, timedOut, aborted });
      });
    });
  }
}

/** sudo is needed unless we already are the user asked for. */
function needsSudo(become: Become): boolean {
  const uid = process.getuid?.();
  if (become.user === 'root' || become.user === '0') return uid !== 0;
  try {
    return userInfo().username !== become.user;
  } catch {
    return true;
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error(reason instanceof Error ? reason.message : 'aborted');
  err.name = 'AbortError';
  return err;
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function signalNumber(sig: string | null): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return sig ? (table[sig] ?? 0) : 0;
}
