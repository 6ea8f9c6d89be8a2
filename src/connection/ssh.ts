/**
 * SshConnection: one ssh2 connection per host (through a ProxyJump chain when configured), opened
 * once and reused by every task; at most `maxChannels` channels at a time (OpenSSH MaxSessions);
 * keepalive; host keys checked against known_hosts on every hop; sudo with the password on stdin.
 */
import { randomBytes } from 'node:crypto';
import type { Readable, Writable, Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { CommandFailedError, UnreachableError } from '../errors.js';
import type { Command } from '../model/command.js';
import type { ExecResult } from '../model/result.js';
import { renderCommand } from '../shell/quote.js';
import { buildAuth, passphrasePromptBusy } from './auth.js';
import type { Connection, ExecOptions, TransferOptions, TransferOutcome } from './connection.js';
import { appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownHostName, knownKeyTypes, readKnownHostsFile, type KnownHostEntry } from './knownhosts.js';
import { abortError, Limiter } from './limiter.js';
import type { HopSettings, SshTarget } from './settings.js';
import { wrapBecome, BecomeGate, type BecomeSpec } from './become.js';
import { getViaExec, putViaExec } from './transfer.js';
import type { FileSource } from './fileread.js';

// ssh2 is CommonJS: its named exports are reached through the default import.
const { Client: SshClient } = ssh2;

export interface SshConnectionOptions {
  commandTimeoutMs?: number;
  /** Channels open at once on this connection; default 10 (OpenSSH MaxSessions). */
  maxChannels?: number;
  promptPassphrase?(keyFile: string): Promise<string>;
  onWarning?(message: string): void;
  /** Agent socket; default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** Used for become when an exec/transfer gives none (ansible_become_password, -K). */
  becomePassword?: string;
  /** Cipher preference (ssh2 names); default fastest measured first. */
  ciphers?: string[];
}

/** Fastest first, as measured on loopback (docs/connection.md). */
export const PREFERRED_CIPHERS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
  'chacha20-poly1305@openssh.com',
];

const DEFAULT_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algosForKeyType(t: string): string[] {
  return t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
}

/** Ask first for the key types known_hosts already has, so a known host shows a key we can check. */
function hostKeyAlgorithms(known: string[]): string[] {
  const first = known.flatMap(algosForKeyType).filter((a) => DEFAULT_HOST_KEY_ALGOS.includes(a));
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGOS])];
}

const KEY_LABEL: Record<string, string> = {
  'ssh-ed25519': 'ED25519',
  'ssh-rsa': 'RSA',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
};

/** One open hop. */
interface Hop {
  client: Client;
  settings: HopSettings;
}

export interface OpenedCommand {
  channel: ClientChannel;
  /** Resolves when the command (past sudo) owns stdin; rejects if sudo refused. */
  ready: Promise<void>;
  /** Resolves when the channel closed: exit status, signal, collected stderr (and stdout unless streamed). */
  done: Promise<{ rc: number; signal?: string; stdout: string; stderr: string }>;
}

export class SshConnection implements Connection {
  private hops: Hop[] = [];
  private connecting: Promise<void> | undefined;
  private alive = false;
  private closing = false;
  private readonly limiter: Limiter;
  private readonly controlLimiter = new Limiter(1);
  private openChannels = 0;

  constructor(readonly host: string, readonly target: SshTarget, private readonly opts: SshConnectionOptions = {}) {
    this.limiter = new Limiter(opts.maxChannels ?? 10);
  }

  /** `user@host:port`, through the jumps: for messages. */
  describe(): string {
    const t = this.target;
    const via = t.jumps.length ? ` via ${t.jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`).join(',')}` : '';
    return `${t.user}@${t.hostName}:${t.port}${via}`;
  }

  connect(): Promise<void> {
    if (this.alive) return Promise.resolve();
    if (!this.connecting) {
      this.closing = false;
      this.connecting = this.open().finally(() => { this.connecting = undefined; });
    }
    return this.connecting;
  }

  private async open(): Promise<void> {
    const chain = [...this.target.jumps, this.target];
    const hops: Hop[] = [];
    try {
      for (let i = 0; i < chain.length; i++) {
        const settings = chain[i]!;
        const isJump = i < chain.length - 1;
        let sock: Duplex | undefined;
        if (i > 0) sock = await this.forward(hops[i - 1]!, settings, isJump);
        const client = await this.openHop(settings, sock, isJump);
        hops.push({ client, settings });
      }
    } catch (err) {
      for (const h of hops.reverse()) h.client.end();
      throw err;
    }
    this.hops = hops;
    this.alive = true;
    const target = hops[hops.length - 1]!.client;
    const onGone = () => {
      if (this.hops !== hops) return;
      this.alive = false;
      for (const h of [...hops].reverse()) h.client.end();
    };
    for (const h of hops) h.client.on('close', onGone);
    target.on('error', (err: Error) => {
      if (!this.closing) this.opts.onWarning?.(`${this.host}: connection error: ${err.message}`);
    });
  }

  private label(s: HopSettings, isJump: boolean): string {
    return isJump ? `jump ${s.user}@${s.hostName}:${s.port}: ` : '';
  }

  private forward(prev: Hop, next: HopSettings, nextIsJump: boolean): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      prev.client.forwardOut('127.0.0.1', 0, next.hostName, next.port, (err, stream) => {
        if (err) {
          const msg = `${this.label(prev.settings, true)}cannot reach ${nextIsJump ? 'jump ' : ''}${next.hostName}:${next.port}: ${err.message.replace(/^\(SSH\) /, '')}`;
          reject(new UnreachableError(this.host, msg));
        } else resolve(stream);
      });
    });
  }

  private openHop(s: HopSettings, sock: Duplex | undefined, isJump: boolean): Promise<Client> {
    const prefix = this.label(s, isJump);
    const entries: KnownHostEntry[] = [];
    for (const f of s.knownHostsFiles) {
      try { entries.push(...readKnownHostsFile(f)); } catch (err) {
        this.opts.onWarning?.(`${this.host}: cannot read known_hosts ${f}: ${(err as Error).message}`);
      }
    }
    const auth = buildAuth({
      user: s.user,
      identityFiles: s.identityFiles,
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(this.opts.agentSocket ? { agentSocket: this.opts.agentSocket } : {}),
      ...(this.opts.promptPassphrase ? { promptPassphrase: this.opts.promptPassphrase } : {}),
      onWarning: (m) => this.opts.onWarning?.(`${this.host}: ${m}`),
    });
    let hostKeyError: UnreachableError | undefined;
    const verify = (key: Buffer): boolean => {
      const verdict = checkHostKey(entries, s.hostName, s.port, key);
      const name = knownHostName(s.hostName, s.port);
      const fp = `${KEY_LABEL[keyTypeOf(key)] ?? keyTypeOf(key)} ${fingerprint(key)}`;
      switch (verdict.status) {
        case 'match':
          return true;
        case 'revoked':
          hostKeyError = new UnreachableError(this.host,
            `${prefix}host key ${fp} of ${name} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`,
            undefined, 'the server must be given a new host key');
          return false;
        case 'mismatch': {
          const e = verdict.entry;
          const fix = `ssh-keygen -R '${name}' -f ${e.file}`;
          const msg = `${prefix}host key for ${name} does not match ${e.file}:${e.line} (server sent ${fp}); if the host was legitimately re-keyed, remove the old entry with: ${fix}`;
          if (s.hostKeyChecking === 'off') {
            this.opts.onWarning?.(`${this.host}: ${msg} (accepted: host key checking is off)`);
            return true;
          }
          hostKeyError = new UnreachableError(this.host, msg, undefined, fix);
          return false;
        }
        case 'unknown': {
          if (s.hostKeyChecking === 'accept-new') {
            try {
              appendKnownHost(s.knownHostsWriteFile, s.hostName, s.port, key);
              this.opts.onWarning?.(`${this.host}: added ${fp} for ${name} to ${s.knownHostsWriteFile}`);
            } catch (err) {
              hostKeyError = new UnreachableError(this.host, `${prefix}cannot record the host key of ${name} in ${s.knownHostsWriteFile}: ${(err as Error).message}`);
              return false;
            }
            return true;
          }
          if (s.hostKeyChecking === 'off') {
            this.opts.onWarning?.(`${this.host}: ${prefix}unknown host key ${fp} for ${name} accepted without checking (host key checking is off)`);
            return true;
          }
          const files = s.knownHostsFiles.join(', ');
          hostKeyError = new UnreachableError(this.host,
            `${prefix}host key for ${name} is not known (server sent ${fp}; looked in ${files}); verify it, then add it to ${s.knownHostsWriteFile} or run with --host-key-checking accept-new`,
            undefined, `ssh-keyscan -p ${s.port} ${s.hostName} >> ${s.knownHostsWriteFile}`);
          return false;
        }
      }
    };

    const config: ConnectConfig = {
      host: s.hostName,
      port: s.port,
      username: s.user,
      // Our own timer below (ssh2's readyTimeout would also count the time a human takes to type a passphrase).
      readyTimeout: 0,
      keepaliveInterval: s.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      authHandler: auth.handler,
      hostVerifier: (key: Buffer) => verify(key),
      algorithms: {
        serverHostKey: hostKeyAlgorithms(knownKeyTypes(entries, s.hostName, s.port)) as never,
        cipher: (this.opts.ciphers ?? PREFERRED_CIPHERS) as never,
      },
      ...(sock ? { sock: sock as unknown as Readable } : {}),
      // ETCDPLAY_SSH_DEBUG=1: ssh2's protocol trace on stderr (never includes passwords).
      ...(process.env['ETCDPLAY_SSH_DEBUG'] ? { debug: (m: string) => process.stderr.write(`[ssh2 ${this.host} ${Date.now() % 100000}] ${m}\n`) } : {}),
    };

    const timeoutMs = s.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const client = new SshClient();
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: UnreachableError) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        client.end();
        // ssh2's destroy() skips a socket that end() already made unwritable: destroy it ourselves,
        // or a silent server keeps the socket (and the process) alive.
        (client as unknown as { _sock?: { destroy?: () => void } })._sock?.destroy?.();
        reject(err);
      };
      // The whole handshake (TCP, key exchange, authentication) must finish in time, except while a
      // passphrase prompt waits for the user.
      const arm = () => {
        timer = setTimeout(() => {
          if (passphrasePromptBusy(timeoutMs)) return arm();
          fail(new UnreachableError(this.host, `${prefix}connect timed out after ${Math.round(timeoutMs / 100) / 10} s (${s.hostName}:${s.port})`));
        }, timeoutMs);
      };
      arm();
      client.on('ready', () => {
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (hostKeyError) return fail(hostKeyError);
        const where = `${s.hostName}:${s.port}`;
        let msg: string;
        if (err.level === 'client-timeout') {
          msg = `connect timed out after ${Math.round((s.connectTimeoutMs ?? 10_000) / 100) / 10} s (${where})`;
        } else if (err.level === 'client-authentication') {
          msg = `authentication failed for ${s.user}@${where} (tried: ${auth.tried.length ? auth.tried.join(', ') : 'no usable method: no agent, key file or password'})`;
        } else if (err.code && /^[A-Z]+$/.test(err.code) && err.message.includes(err.code)) {
          msg = err.message.startsWith('connect ') ? err.message : `${err.message} (${where})`;
          if (!msg.includes(where) && !msg.includes(s.hostName)) msg += ` (${where})`;
        } else {
          msg = `${err.message} (${where})`;
        }
        fail(new UnreachableError(this.host, `${prefix}${msg}`, err.stack ?? err.message));
      });
      client.on('close', () => {
        if (!settled) fail(hostKeyError ?? new UnreachableError(this.host, `${prefix}connection closed during handshake (${s.hostName}:${s.port})`));
      });
      try {
        client.connect(config);
        // TCP_NODELAY: OpenSSH's sshd sets it only for sessions with a tty, so without it on our
        // side every small request (channel open, exec, EOF) can wait for the peer's delayed ACK:
        // 40 ms per command on Linux (measured: 44 ms -> 2.5 ms per exec round trip on loopback).
        // The socket is ssh2's own TCP socket (node applies the option once it connects) or, behind
        // a jump host, a forwarded channel without the method.
        client.setNoDelay(true);
      } catch (err) {
        fail(new UnreachableError(this.host, `${prefix}${(err as Error).message}`));
      }
    });
  }

  private get client(): Client {
    const h = this.hops[this.hops.length - 1];
    if (!h || !this.alive) throw new UnreachableError(this.host, `connection to ${this.describe()} is closed`);
    return h.client;
  }

  /**
   * Open a channel running `text` (wrapped in sudo when `become`), holding a limiter slot until it
   * closes. Stdout is collected unless `streamStdout`; stderr always (sudo's chatter removed).
   */
  async openCommand(text: string, o: {
    become?: BecomeSpec;
    signal?: AbortSignal;
    timeoutMs?: number;
    streamStdout?: boolean;
    onStdout?(chunk: string): void;
    onStderr?(chunk: string): void;
    /** Internal (kill): use the one reserved control slot instead of the channel limit. */
    control?: boolean;
  } = {}): Promise<OpenedCommand> {
    await this.connect();
    const limiter = o.control ? this.controlLimiter : this.limiter;
    let release = await limiter.acquire(o.signal);
    // Becoming the user we logged in as needs no sudo (and works on hosts without sudo).
    const login = this.target.user;
    const sameUser = o.become !== undefined && (o.become.user === login || (login === 'root' && o.become.user === '0'));
    const become = o.become && !sameUser ? o.become : undefined;
    const inner = become ? wrapBecome(text, become) : { text, marker: undefined };
    const wrapped = { text: `printf 'etcdplay-pid %s\\n' "$$" >&2; ${inner.text}`, marker: inner.marker };
    let channel: ClientChannel;
    for (let attempt = 0; ; attempt++) {
      try {
        channel = await new Promise<ClientChannel>((resolve, reject) => {
          this.client.exec(wrapped.text, (err, ch) => {
            if (err) return reject(err);
            // ssh2 may parse exit-status in the same chunk as the exec reply, before the code
            // after this await runs: record it now or it is lost (seen as "closed without an
            // exit status" on a busy event loop).
            ch.once('exit', (code: number | null, signal?: string) => { (ch as unknown as { earlyExit?: [number | null, string | undefined] }).earlyExit = [code, signal]; });
            resolve(ch);
          });
        });
        this.openChannels++;
        const slot = release;
        release = () => { this.openChannels--; slot(); };
        break;
      } catch (err) {
        release();
        if (err instanceof UnreachableError) throw err;
        // The server refused a session: sessions we just closed may not be freed on its side yet,
        // or it allows fewer than we thought (MaxSessions). Back off and retry; after repeated
        // refusals, limit ourselves to what is open now.
        const open = this.openChannels;
        if (!o.control && /open failed|administratively prohibited/i.test((err as Error).message) && attempt < 60) {
          if (attempt >= 2 && open > 0 && open < this.limiter.max) {
            this.opts.onWarning?.(`${this.host}: server refused a session with ${open} open; limiting to ${open}`);
            this.limiter.setLimit(open);
          }
          await new Promise((r) => setTimeout(r, Math.min(25 * (attempt + 1), 500)));
          release = await this.limiter.acquire(o.signal);
          continue;
        }
        if (!this.alive) throw new UnreachableError(this.host, `connection to ${this.describe()} lost`);
        throw new UnreachableError(this.host, `cannot open a channel: ${(err as Error).message}`);
      }
    }

    const gate = wrapped.marker ? new BecomeGate(wrapped.marker, become!.password) : undefined;
    let stdout = '';
    let stderr = '';
    const outDec = new StringDecoder('utf8');
    const errDec = new StringDecoder('utf8');
    if (!o.streamStdout) {
      channel.on('data', (b: Buffer) => {
        const s = outDec.write(b);
        if (s) { stdout += s; o.onStdout?.(s); }
      });
    }

    // The first stderr line is the remote shell's pid (its process group): how we kill it on timeout/abort.
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
      const out = gate ? gate.feed(mine, (line) => channel.write(line)) : mine;
      if (out) { stderr += out; o.onStderr?.(out); }
    };
    channel.stderr.on('data', (b: Buffer) => {
      const s = errDec.write(b);
      if (s) route(s);
    });

    let exitCode: number | null | undefined;
    let exitSignal: string | undefined;
    const early = (channel as unknown as { earlyExit?: [number | null, string | undefined] }).earlyExit;
    if (early) {
      exitCode = early[0];
      if (early[1]) exitSignal = early[1].replace(/^SIG/, '');
    }
    channel.on('exit', (code: number | null, signal?: string) => {
      exitCode = code;
      if (signal) exitSignal = signal.replace(/^SIG/, '');
    });

    type Outcome = { rc: number; signal?: string; stdout: string; stderr: string };
    let settled = false;
    let resolveDone!: (v: Outcome) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<Outcome>((res, rej) => { resolveDone = res; rejectDone = rej; });
    // Let done's rejection be handled by whoever awaits it; never an unhandled rejection here.
    done.catch(() => undefined);

    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => interrupt(abortError(o.signal!));
    /** Stop waiting now; kill the remote process group (best effort) and close the channel. */
    const interrupt = (err: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      rejectDone(err);
      if (pid !== undefined) void this.killRemote(pid, become);
      try { channel.end(); } catch { /* closed */ }
      channel.close();
    };
    const timeoutMs = o.timeoutMs;
    if (timeoutMs) {
      timer = setTimeout(() => interrupt(new CommandFailedError(this.host, 124, `command timed out after ${timeoutMs / 1000} s`, stdout, stderr)), timeoutMs);
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const ready = gate ? gate.ready : Promise.resolve();
    ready.catch((err: Error) => interrupt(new CommandFailedError(this.host, 1, err.message, stdout, stderr)));

    channel.on('close', () => {
      release();
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      stdout += outDec.end();
      const tail = errDec.end();
      if (tail) route(tail);
      if (!pidSeen && pidBuf) { stderr += pidBuf; pidBuf = ''; }
      if (gate) stderr += gate.flush();
      if (exitCode === undefined && !exitSignal) {
        // No exit status: the connection went away (its 'close' may come a moment after the
        // channel's), or the server closed the channel without saying why.
        const client = this.hops[this.hops.length - 1]?.client;
        const sock = (client as unknown as { _sock?: { destroyed?: boolean; writable?: boolean } } | undefined)?._sock;
        const lost = !this.alive || !sock || sock.destroyed === true || sock.writable === false;
        if (lost) return rejectDone(new UnreachableError(this.host, `connection to ${this.describe()} lost while a command was running`));
        return rejectDone(new UnreachableError(this.host, `the server closed the channel without an exit status`));
      }
      const rc = exitCode ?? 128 + signalNumber(exitSignal);
      resolveDone({ rc, ...(exitSignal ? { signal: exitSignal } : {}), stdout, stderr });
    });
    return { channel, ready, done };
  }

  /**
   * Kill a remote process group: TERM, then KILL two seconds later if it is still there. OpenSSH
   * refuses ssh "signal" requests for root sessions, so this runs `kill` in a channel of its own
   * (outside the channel limit, one at a time; through sudo when the command used become).
   */
  private async killRemote(pid: number, become: BecomeSpec | undefined): Promise<void> {
    const g = `-${pid}`;
    const script = `kill -TERM -- ${g} 2>/dev/null || exit 0; i=0; while [ $i -lt 20 ] && kill -0 -- ${g} 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL -- ${g} 2>/dev/null; exit 0`;
    try {
      const k = await this.openCommand(script, { ...(become ? { become } : {}), control: true });
      k.ready.then(() => k.channel.end(), () => undefined);
      await k.done;
    } catch (err) {
      this.opts.onWarning?.(`${this.host}: could not kill remote process group ${pid}: ${(err as Error).message}`);
    }
  }

  async exec(command: Command, o: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const text = renderCommand(command);
    const password = o.becomePassword ?? this.opts.becomePassword;
    const become = o.become ? { user: o.become.user, ...(password !== undefined ? { password } : {}) } : undefined;
    const timeoutMs = o.timeoutMs ?? this.opts.commandTimeoutMs;
    const cmd = await this.openCommand(text, {
      ...(become ? { become } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(o.onStdout ? { onStdout: o.onStdout } : {}),
      ...(o.onStderr ? { onStderr: o.onStderr } : {}),
    });
    cmd.ready.then(() => {
      if (command.stdin !== undefined) cmd.channel.write(command.stdin);
      cmd.channel.end();
    }, () => undefined);
    const r = await cmd.done;
    return { rc: r.rc, stdout: r.stdout, stderr: r.stderr, ...(r.signal ? { signal: r.signal } : {}), durationMs: Date.now() - started };
  }

  put(source: Readable | FileSource, size: number, remotePath: string, opts: TransferOptions = {}): Promise<TransferOutcome> {
    return putViaExec(this, source, size, remotePath, this.withBecomePassword(opts));
  }

  get(remotePath: string, sink: Writable, opts: TransferOptions = {}): Promise<TransferOutcome> {
    return getViaExec(this, remotePath, sink, this.withBecomePassword(opts));
  }

  private withBecomePassword(opts: TransferOptions): TransferOptions {
    if (!opts.become || opts.becomePassword !== undefined || this.opts.becomePassword === undefined) return opts;
    return { ...opts, becomePassword: this.opts.becomePassword };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.connecting) await this.connecting.catch(() => undefined);
    const hops = this.hops;
    this.hops = [];
    this.alive = false;
    await Promise.all([...hops].reverse().map((h) => new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      h.client.once('close', () => { clearTimeout(t); resolve(); });
      h.client.end();
    })));
  }
}

/**
 * Send a signal request to the remote process. ssh2's Channel.signal() refuses once our side sent
 * EOF (we always close stdin early), so go to the protocol layer; OpenSSH >= 7.9 delivers it.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const ch = channel as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, sig: string): void } } };
  try {
    if (ch.outgoing && (ch.outgoing.state === 'open' || ch.outgoing.state === 'eof')) ch._client?._protocol?.signal(ch.outgoing.id, name);
  } catch { /* the channel is already going away */ }
}

export function randomToken(): string {
  return randomBytes(8).toString('hex');
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };
function signalNumber(sig: string | undefined): number {
  return sig ? (SIGNALS[sig] ?? 0) : 0;
}
