/**
 * createConnection (one host) and ConnectionPool (one connection per host for a run, opened lazily
 * and concurrently, closed together). `ansible_connection: local`, or a host named localhost /
 * 127.0.0.1 without ansible_host, runs on the workstation; everything else goes over SSH.
 */
import { ValidationError } from '../errors.js';
import type { Vars } from '../model/vars.js';
import { becomePasswordFor } from './become-password.js';
import type { Connection } from './connection.js';
import { LocalConnection } from './local.js';
import { resolveSshTarget, type HostKeyChecking } from './settings.js';
import { SshConnection } from './ssh.js';

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

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Does this host run on the workstation itself? */
export function isLocalHost(host: string, vars: Vars): boolean {
  const kind = str(vars['ansible_connection']);
  if (kind === 'local') return true;
  if (kind && kind !== 'ssh' && kind !== 'smart' && kind !== 'paramiko') {
    throw new ValidationError(`${host}: ansible_connection ${JSON.stringify(kind)} is not supported (use ssh or local)`);
  }
  if (kind) return false;
  const hasAddress = str(vars['ansible_host']) ?? str(vars['ansible_ssh_host']);
  return !hasAddress && (host === 'localhost' || host === '127.0.0.1');
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

/** One connection per host for a whole run. */
export class ConnectionPool {
  private readonly conns = new Map<string, Connection>();
  private readonly opening = new Map<string, Promise<Connection>>();

  constructor(private readonly opts: ConnectOptions) {}

  /**
   * The host's connection, connected. Concurrent calls for one host share one attempt; a failed
   * attempt (UnreachableError) is not cached, so a later call tries again.
   */
  get(host: string, vars: Vars): Promise<Connection> {
    const open = this.opening.get(host);
    if (open) return open;
    let conn = this.conns.get(host);
    if (!conn) {
      conn = createConnection(host, vars, this.opts);
      this.conns.set(host, conn);
    }
    const c = conn;
    const p = c.connect().then(() => c).finally(() => this.opening.delete(host));
    this.opening.set(host, p);
    return p;
  }

  /** The connection if one was created (connected or not). */
  peek(host: string): Connection | undefined {
    return this.conns.get(host);
  }

  async closeAll(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    this.opening.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
