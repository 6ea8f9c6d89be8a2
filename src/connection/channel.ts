/**
 * The command channel: the one primitive every exec, put and get of every connection goes
 * through. A transport (ssh: an ssh2 exec channel; local: a child process) only starts shell text
 * and hands back its raw pipes (`RawChannel`); `startCommand` adds the rest once for both: become
 * (sudo with the password on stdin only after sudo's prompt), the remote shell's pid (its process
 * group, how a timeout or abort kills it), stdout/stderr decoding and streaming, the command's
 * stdin held back until sudo let us in, timeout (rc 124) and abort (AbortError).
 */
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CommandFailedError } from '../errors.js';
import { BecomeGate, becomeNeeded, wrapBecome, type BecomeSpec } from './become.js';
import { abortError } from './limiter.js';

/** How a process ended: its exit code, or the signal (name without SIG) that killed it. */
export interface ExitStatus {
  code: number | null | undefined;
  signal?: string;
}

/** A started shell command as a transport gives it: raw pipes, nothing interpreted. */
export interface RawChannel {
  /** The command's stdin (for ssh the channel itself); write callbacks fire once a chunk was taken. */
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once the channel closed and its output was delivered; rejects if the transport lost it. */
  readonly exited: Promise<ExitStatus>;
  /** Stop: send EOF and close our end now (the process itself is killed by pid, see killGroup). */
  close(): void;
}

/** What a connection implements: start shell text on its host. */
export interface ChannelTransport {
  readonly host: string;
  /** The user commands run as without become: becoming this user needs no sudo. */
  readonly loginUser: string | undefined;
  /** Start `text` with the host's shell. `control`: the kill of another command (outside limits). */
  openChannel(text: string, o: { signal?: AbortSignal; control?: boolean }): Promise<RawChannel>;
  warn(message: string): void;
}

export interface StartOptions {
  become?: BecomeSpec;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The caller reads `stdout` itself (a get); else it is decoded and collected. */
  streamStdout?: boolean;
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
  control?: boolean;
}

export interface CommandOutcome {
  rc: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface CommandChannel {
  /** The command's stdin: write only after `ready`, then end it. */
  readonly stdin: Writable;
  /** Raw stdout, for `streamStdout`. */
  readonly stdout: Readable;
  /** Resolves when the command (past sudo) owns stdin; rejects if sudo refused. */
  readonly ready: Promise<void>;
  /** Exit status and collected output; rejects on timeout (rc 124), abort, sudo refusal, lost transport. */
  readonly done: Promise<CommandOutcome>;
  close(): void;
}

/** Start `text` on the transport's host, wrapped in sudo when `become` needs it. */
export async function startCommand(t: ChannelTransport, text: string, o: StartOptions = {}): Promise<CommandChannel> {
  if (o.signal?.aborted) throw abortError(o.signal);
  const become = o.become && becomeNeeded(t.loginUser, o.become.user) ? o.become : undefined;
  const inner = become ? wrapBecome(text, become) : { text, marker: undefined };
  const raw = await t.openChannel(`printf 'etcdplay-pid %s\\n' "$$" >&2; ${inner.text}`, {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.control ? { control: true } : {}),
  });

  const gate = inner.marker ? new BecomeGate(inner.marker, become!.password) : undefined;
  let stdout = '';
  let stderr = '';
  const outDec = new StringDecoder('utf8');
  const errDec = new StringDecoder('utf8');
  if (!o.streamStdout) {
    raw.stdout.on('data', (b: Buffer) => {
      const s = outDec.write(b);
      if (s) { stdout += s; o.onStdout?.(s); }
    });
  }

  // The first stderr line is the remote shell's pid (its process group): how we kill it.
  let pid: number | undefined;
  let pidSeen = false;
  let pidBuf = '';
  const afterPid = (s: string): string => {
    if (pidSeen) return s;
    pidBuf += s;
    const nl = pidBuf.indexOf('\n');
    if (nl < 0) return '';
    pidSeen = true;
    const line = pidBuf.slice(0, nl);
    const rest = pidBuf.slice(nl + 1);
    pidBuf = '';
    const m = /^etcdplay-pid (\d+)$/.exec(line);
    if (!m) return `${line}\n${rest}`;
    pid = Number(m[1]);
    return rest;
  };
  const route = (s: string) => {
    const mine = afterPid(s);
    if (!mine) return;
    const out = gate ? gate.feed(mine, (line) => raw.stdin.write(line)) : mine;
    if (out) { stderr += out; o.onStderr?.(out); }
  };
  raw.stderr.on('data', (b: Buffer) => {
    const s = errDec.write(b);
    if (s) route(s);
  });

  let settled = false;
  let resolveDone!: (v: CommandOutcome) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<CommandOutcome>((res, rej) => { resolveDone = res; rejectDone = rej; });
  // Let done's rejection be handled by whoever awaits it; never an unhandled rejection here.
  done.catch(() => undefined);

  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => interrupt(abortError(o.signal!));
  const stopWaiting = () => {
    settled = true;
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  };
  /** Stop waiting now; kill the process group (best effort) and close the channel. */
  const interrupt = (err: Error) => {
    if (settled) return;
    stopWaiting();
    rejectDone(err);
    if (pid !== undefined) void killGroup(t, pid, become);
    raw.close();
  };
  const timeoutMs = o.timeoutMs;
  if (timeoutMs) {
    timer = setTimeout(() => interrupt(new CommandFailedError(t.host, 124, `command timed out after ${timeoutMs / 1000} s`, stdout, stderr)), timeoutMs);
  }
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const ready = gate ? gate.ready : Promise.resolve();
  ready.catch((err: Error) => interrupt(new CommandFailedError(t.host, 1, err.message, stdout, stderr)));

  raw.exited.then((exit) => {
    if (settled) return;
    stopWaiting();
    stdout += outDec.end();
    const tail = errDec.end();
    if (tail) route(tail);
    if (!pidSeen && pidBuf) { stderr += pidBuf; pidBuf = ''; }
    if (gate) stderr += gate.flush();
    const rc = exit.code ?? 128 + signalNumber(exit.signal);
    resolveDone({ rc, ...(exit.signal ? { signal: exit.signal } : {}), stdout, stderr });
  }, (err: Error) => {
    if (settled) return;
    stopWaiting();
    rejectDone(err);
  });
  return { stdin: raw.stdin, stdout: raw.stdout, ready, done, close: () => raw.close() };
}

/** Run `text` with nothing on stdin; the outcome whatever its rc. */
export async function runCommand(t: ChannelTransport, text: string, o: StartOptions = {}): Promise<CommandOutcome> {
  const cmd = await startCommand(t, text, o);
  cmd.ready.then(() => cmd.stdin.end(), () => undefined);
  return cmd.done;
}

/**
 * Kill a process group: TERM, then KILL two seconds later if it is still there. OpenSSH refuses
 * ssh "signal" requests for root sessions, so this is `kill` in a command of its own (a control
 * channel: outside the channel limit; through sudo when the command used become).
 */
async function killGroup(t: ChannelTransport, pid: number, become: BecomeSpec | undefined): Promise<void> {
  const g = `-${pid}`;
  // No `--`: dash's kill (sh on Debian, and a login shell /bin/sh) refuses it; `-PID` after the
  // signal is a process group in every POSIX shell.
  const script = `kill -TERM ${g} 2>/dev/null || exit 0; i=0; while [ $i -lt 20 ] && kill -0 ${g} 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL ${g} 2>/dev/null; exit 0`;
  try {
    await runCommand(t, script, { ...(become ? { become } : {}), control: true });
  } catch (err) {
    t.warn(`${t.host}: could not kill remote process group ${pid}: ${(err as Error).message}`);
  }
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };
function signalNumber(sig: string | undefined): number {
  return sig ? (SIGNALS[sig] ?? 0) : 0;
}
