/**
 * SshConnection: one ssh2 connection per host (through a ProxyJump chain when configured), opened
 * once and reused by every task; keepalive; host keys checked on every hop (hop.ts, hostkey.ts).
 * A command channel is an ssh2 exec channel, at most `maxChannels` at a time (OpenSSH
 * MaxSessions); exec, put, get and become are ChannelConnection's, shared with the local one.
 */
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { UnreachableError } from '../errors.js';
import { ChannelConnection } from './base.js';
import type { ExitStatus, RawChannel } from './channel.js';
import { forward, openHop, type Hop } from './hop.js';
import { Limiter } from './limiter.js';
import type { SshTarget } from './settings.js';

export { PREFERRED_CIPHERS } from './hop.js';

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

type EarlyExit = { earlyExit?: [number | null, string | undefined] };

export class SshConnection extends ChannelConnection {
  private hops: Hop[] = [];
  private connecting: Promise<void> | undefined;
  private alive = false;
  private closing = false;
  private readonly limiter: Limiter;
  private readonly controlLimiter = new Limiter(1);
  private openChannels = 0;

  constructor(host: string, readonly target: SshTarget, private readonly opts: SshConnectionOptions = {}) {
    super(host, opts);
    this.limiter = new Limiter(opts.maxChannels ?? 10);
  }

  get loginUser(): string {
    return this.target.user;
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
    const hopOpts = {
      ...(this.opts.promptPassphrase ? { promptPassphrase: this.opts.promptPassphrase } : {}),
      ...(this.opts.agentSocket ? { agentSocket: this.opts.agentSocket } : {}),
      ...(this.opts.ciphers ? { ciphers: this.opts.ciphers } : {}),
      warn: (m: string) => this.warn(m),
    };
    try {
      for (let i = 0; i < chain.length; i++) {
        const settings = chain[i]!;
        const isJump = i < chain.length - 1;
        let sock: Duplex | undefined;
        if (i > 0) sock = await forward(this.host, hops[i - 1]!, settings, isJump);
        const client = await openHop(this.host, settings, sock, isJump, hopOpts);
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
      if (!this.closing) this.warn(`${this.host}: connection error: ${err.message}`);
    });
  }

  private get client(): Client {
    const h = this.hops[this.hops.length - 1];
    if (!h || !this.alive) throw new UnreachableError(this.host, `connection to ${this.describe()} is closed`);
    return h.client;
  }

  /**
   * An exec channel running `text`, holding a limiter slot until it closes (control: the one
   * reserved slot for kills). A server refusing a session is retried with backoff; after repeated
   * refusals the limit drops to the number of channels open.
   */
  async openChannel(text: string, o: { signal?: AbortSignal; control?: boolean } = {}): Promise<RawChannel> {
    await this.connect();
    const limiter = o.control ? this.controlLimiter : this.limiter;
    let release = await limiter.acquire(o.signal);
    for (let attempt = 0; ; attempt++) {
      try {
        const channel = await this.execChannel(text);
        this.openChannels++;
        const slot = release;
        return this.raw(channel, () => { this.openChannels--; slot(); });
      } catch (err) {
        release();
        if (err instanceof UnreachableError) throw err;
        // The server refused a session: sessions we just closed may not be freed on its side yet,
        // or it allows fewer than we thought (MaxSessions). Back off and retry; after repeated
        // refusals, limit ourselves to what is open now.
        const open = this.openChannels;
        if (!o.control && /open failed|administratively prohibited/i.test((err as Error).message) && attempt < 60) {
          if (attempt >= 2 && open > 0 && open < this.limiter.max) {
            this.warn(`${this.host}: server refused a session with ${open} open; limiting to ${open}`);
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
  }

  private execChannel(text: string): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      this.client.exec(text, (err, ch) => {
        if (err) return reject(err);
        // ssh2 may parse exit-status in the same chunk as the exec reply, before the code after
        // this callback runs: record it now or it is lost (seen as "closed without an exit
        // status" on a busy event loop).
        ch.once('exit', (code: number | null, signal?: string) => { (ch as unknown as EarlyExit).earlyExit = [code, signal]; });
        resolve(ch);
      });
    });
  }

  /** The channel as a RawChannel; `release` frees its limiter slot when it closes. */
  private raw(channel: ClientChannel, release: () => void): RawChannel {
    let exitCode: number | null | undefined;
    let exitSignal: string | undefined;
    const onExit = (code: number | null, signal?: string) => {
      exitCode = code;
      if (signal) exitSignal = signal.replace(/^SIG/, '');
    };
    const early = (channel as unknown as EarlyExit).earlyExit;
    if (early) onExit(early[0], early[1]);
    channel.on('exit', onExit);
    const exited = new Promise<ExitStatus>((resolve, reject) => {
      channel.on('close', () => {
        release();
        if (exitCode !== undefined || exitSignal) return resolve({ code: exitCode, ...(exitSignal ? { signal: exitSignal } : {}) });
        // No exit status: the connection went away (its 'close' may come a moment after the
        // channel's), or the server closed the channel without saying why.
        reject(this.lost()
          ? new UnreachableError(this.host, `connection to ${this.describe()} lost while a command was running`)
          : new UnreachableError(this.host, `the server closed the channel without an exit status`));
      });
    });
    exited.catch(() => undefined);
    return {
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      exited,
      close: () => {
        try { channel.end(); } catch { /* closed */ }
        channel.close();
      },
    };
  }

  private lost(): boolean {
    const client = this.hops[this.hops.length - 1]?.client;
    const sock = (client as unknown as { _sock?: { destroyed?: boolean; writable?: boolean } } | undefined)?._sock;
    return !this.alive || !sock || sock.destroyed === true || sock.writable === false;
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
