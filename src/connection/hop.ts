/**
 * Opening one hop of an ssh connection (a jump host or the target): the ssh2 client's settings
 * (auth from auth.ts, host key check from hostkey.ts, cipher preference, keepalive), the handshake
 * under the connect timeout, and the handshake's failures as one-line UnreachableErrors. Also the
 * forward through one hop to the next.
 */
import type { Duplex, Readable } from 'node:stream';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { UnreachableError } from '../errors.js';
import { buildAuth, passphrasePromptBusy } from './auth.js';
import { hostKeyAlgorithms, hostKeyVerifier } from './hostkey.js';
import { readKnownHostsFile, type KnownHostEntry } from './knownhosts.js';
import type { HopSettings } from './settings.js';

// ssh2 is CommonJS: its named exports are reached through the default import.
const { Client: SshClient } = ssh2;

/** Fastest first, as measured on loopback (docs/connection.md). */
export const PREFERRED_CIPHERS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
  'chacha20-poly1305@openssh.com',
];

export interface HopOptions {
  promptPassphrase?(keyFile: string): Promise<string>;
  /** Agent socket; default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  ciphers?: string[];
  warn(message: string): void;
}

/** One open hop. */
export interface Hop {
  client: Client;
  settings: HopSettings;
}

/** The prefix of a jump's messages ('' for the target). */
export function hopLabel(s: HopSettings, isJump: boolean): string {
  return isJump ? `jump ${s.user}@${s.hostName}:${s.port}: ` : '';
}

/** A channel through `prev` to the next hop's address. */
export function forward(host: string, prev: Hop, next: HopSettings, nextIsJump: boolean): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    prev.client.forwardOut('127.0.0.1', 0, next.hostName, next.port, (err, stream) => {
      if (err) {
        const msg = `${hopLabel(prev.settings, true)}cannot reach ${nextIsJump ? 'jump ' : ''}${next.hostName}:${next.port}: ${err.message.replace(/^\(SSH\) /, '')}`;
        reject(new UnreachableError(host, msg));
      } else resolve(stream);
    });
  });
}

/** Connect and authenticate one hop (over `sock` when behind a jump); `host` names it in messages. */
export function openHop(host: string, s: HopSettings, sock: Duplex | undefined, isJump: boolean, o: HopOptions): Promise<Client> {
  const prefix = hopLabel(s, isJump);
  const entries: KnownHostEntry[] = [];
  for (const f of s.knownHostsFiles) {
    try { entries.push(...readKnownHostsFile(f)); } catch (err) {
      o.warn(`${host}: cannot read known_hosts ${f}: ${(err as Error).message}`);
    }
  }
  const auth = buildAuth({
    user: s.user,
    identityFiles: s.identityFiles,
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(o.agentSocket ? { agentSocket: o.agentSocket } : {}),
    ...(o.promptPassphrase ? { promptPassphrase: o.promptPassphrase } : {}),
    onWarning: (m) => o.warn(`${host}: ${m}`),
  });
  const hostKey = hostKeyVerifier(host, s, entries, prefix, o.warn);
  const config: ConnectConfig = {
    host: s.hostName,
    port: s.port,
    username: s.user,
    // Our own timer below (ssh2's readyTimeout would also count the time a human takes to type a passphrase).
    readyTimeout: 0,
    keepaliveInterval: s.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: 3,
    authHandler: auth.handler,
    hostVerifier: (key: Buffer) => hostKey.verify(key),
    algorithms: {
      serverHostKey: hostKeyAlgorithms(entries, s) as never,
      cipher: (o.ciphers ?? PREFERRED_CIPHERS) as never,
    },
    ...(sock ? { sock: sock as unknown as Readable } : {}),
    // ETCDPLAY_SSH_DEBUG=1: ssh2's protocol trace on stderr (never includes passwords).
    ...(process.env['ETCDPLAY_SSH_DEBUG'] ? { debug: (m: string) => process.stderr.write(`[ssh2 ${host} ${Date.now() % 100000}] ${m}\n`) } : {}),
  };
  const where = `${s.hostName}:${s.port}`;
  const timeoutMs = s.connectTimeoutMs ?? 10_000;
  const timeoutText = `connect timed out after ${Math.round(timeoutMs / 100) / 10} s (${where})`;

  /** ssh2's error as our one line. */
  const describe = (err: Error & { level?: string; code?: string }): string => {
    if (err.level === 'client-timeout') return timeoutText;
    if (err.level === 'client-authentication') {
      return `authentication failed for ${s.user}@${where} (tried: ${auth.tried.length ? auth.tried.join(', ') : 'no usable method: no agent, key file or password'})`;
    }
    if (err.code && /^[A-Z]+$/.test(err.code) && err.message.includes(err.code)) {
      let msg = err.message.startsWith('connect ') ? err.message : `${err.message} (${where})`;
      if (!msg.includes(where) && !msg.includes(s.hostName)) msg += ` (${where})`;
      return msg;
    }
    return `${err.message} (${where})`;
  };

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
        fail(new UnreachableError(host, `${prefix}${timeoutText}`));
      }, timeoutMs);
    };
    arm();
    client.on('ready', () => {
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostKey.refusal) return fail(hostKey.refusal);
      fail(new UnreachableError(host, `${prefix}${describe(err)}`, err.stack ?? err.message));
    });
    client.on('close', () => {
      if (!settled) fail(hostKey.refusal ?? new UnreachableError(host, `${prefix}connection closed during handshake (${where})`));
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
      fail(new UnreachableError(host, `${prefix}${(err as Error).message}`));
    }
  });
}
