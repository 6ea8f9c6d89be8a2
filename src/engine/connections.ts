import type { Connection } from '../connection/connection.js';
import { ConnectionPool, poolKey, type ConnectOptions } from '../connection/factory.js';
import { UnreachableError } from '../errors.js';
import type { Vars } from '../model/vars.js';

/**
 * One connection per host and login user for the whole run (the ConnectionPool: SSH, or LocalConnection for
 * `ansible_connection: local` / an implicit localhost). A host that could not be reached stays
 * unreachable for the rest of the run: it is not retried by later tasks.
 */
export class Connections {
  private readonly pool: ConnectionPool;
  private readonly failures = new Map<string, UnreachableError>();

  constructor(connect: ConnectOptions) {
    this.pool = new ConnectionPool(connect);
  }

  async get(host: string, vars: Vars): Promise<Connection> {
    let key = host;
    try {
      key = poolKey(host, vars);
    } catch { /* the pool reports it */ }
    const known = this.failures.get(key);
    if (known) throw known;
    try {
      return await this.pool.get(host, vars);
    } catch (err) {
      const e = err instanceof UnreachableError ? err : new UnreachableError(host, (err as Error).message ?? String(err));
      this.failures.set(key, e);
      throw e;
    }
  }

  /** Forget that a host was unreachable: its next task tries to connect again (rescue). */
  forget(host: string): void {
    for (const k of [...this.failures.keys()]) if (k === host || k.startsWith(`${host}\0`)) this.failures.delete(k);
  }

  async closeAll(): Promise<void> {
    await this.pool.closeAll().catch(() => undefined);
  }
}
