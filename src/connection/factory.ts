/**
 * createConnection (one host) and ConnectionPool (one connection per host and login user for a run, opened lazily
 * and concurrently, closed together). `ansible_connection: local`, or a host named localhost /
 * 127.0.0.1 without ansible_host, runs on the workstation; everything else goes over SSH.
 */
import type { Vars } from '../model/vars.js';
import { becomePasswordFor } from './become-password.js';
import type { Connection } from './connection.js';
import { isLocalHost } from '../load/localhost.js';
import { LocalConnection } from './local.js';
import { resolveSshTarget, type HostKeyChecking } from './settings.js';
import { SshConnection } from './ssh.js';

export { isLocalHost };

export interface ConnectOptions {
  hostKeyChecking: HostKeyChecking;
  /** --host-key-checking was given on the command line. */
  hostKeyCheckingExplicit?: boolean;
  /** --ask-pass */
  password?: string;
  /** -K */
  becomePassword?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** default ~/.ssh/config */
  sshConfigFile?: string;
  promptPassphrase?(keyFile: string): Promise<string>;
  onWarning?(message: string): void;
}

/** A connection for `host`, not yet opened (the first exec/put/get connects). */
export function createConnection(host: string, vars: Vars, opts: ConnectOptions): Connection {
  const becomePassword = becomePasswordFor(vars, opts.becomePassword);
  const common = {
    ...(becomePassword !== undefined ? { becomePassword } : {}),
    ...(opts.commandTimeoutMs !== undefined ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  };
  if (isLocalHost(host, vars)) return new LocalConnection(host, common);
  const target = resolveSshTarget(host, vars, {
    hostKeyChecking: opts.hostKeyChecking,
    ...(opts.hostKeyCheckingExplicit ? { hostKeyCheckingExplicit: true } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: opts.keepaliveIntervalMs } : {}),
    ...(opts.sshConfigFile !== undefined ? { sshConfigFile: opts.sshConfigFile } : {}),
  });
  return new SshConnection(host, target, {
    ...common,
    ...(opts.promptPassphrase ? { promptPassphrase: opts.promptPassphrase } : {}),
  });
}

/**
 * Which pooled connection a host's variables select: the host and how it is reached (local, or
 * SSH as a user), so tasks with another remote_user get their own connection to the same host.
 */
export function poolKey(host: string, vars: Vars): string {
  if (isLocalHost(host, vars)) return `${host}\0local`;
  const user = vars['ansible_user'] ?? vars['ansible_ssh_user'];
  return `${host}\0ssh\0${typeof user === 'string' || typeof user === 'number' ? String(user) : ''}`;
}

/** One connection per host and login user for a whole run. */
export class ConnectionPool {
  private readonly conns = new Map<string, Connection>();
  private readonly opening = new Map<string, Promise<Connection>>();

  constructor(private readonly opts: ConnectOptions) {}

  /**
   * The host's connection for these variables (poolKey), connected. Concurrent calls share one
   * attempt; a failed attempt (UnreachableError) is not cached, so a later call tries again.
   */
  get(host: string, vars: Vars): Promise<Connection> {
    let key: string;
    try {
      key = poolKey(host, vars);
    } catch (err) {
      return Promise.reject(err);
    }
    const open = this.opening.get(key);
    if (open) return open;
    let conn = this.conns.get(key);
    if (!conn) {
      conn = createConnection(host, vars, this.opts);
      this.conns.set(key, conn);
    }
    const c = conn;
    const p = c.connect().then(() => c).finally(() => this.opening.delete(key));
    this.opening.set(key, p);
    return p;
  }

  /** The host's first connection if one was created (connected or not). */
  peek(host: string): Connection | undefined {
    for (const [k, c] of this.conns) if (k.slice(0, k.indexOf('\0')) === host) return c;
    return undefined;
  }

  async closeAll(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    this.opening.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
