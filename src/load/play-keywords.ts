/**
 * The connection keywords a play, block or task may set (remote_user, connection, environment)
 * and a task's async/poll, read from the YAML map with their problems reported where they are.
 * How they are inherited (play -> block -> task) is plan/inherit.ts; how they reach a connection
 * is plan/reach.ts.
 */
import type { Entry } from './yamlsrc.js';
import { Loader, TEMPLATE, str } from './playbook-loader.js';

/** The values `connection:` accepts: ssh (and Ansible's names for it) or local. */
export const CONNECTIONS = ['ssh', 'smart', 'paramiko', 'local'];

/** Modules whose one command `async` with `poll: 0` can start as a detached job. */
export const ASYNC_DETACHED_MODULES = ['command', 'shell'];

/** Ansible's default poll interval (seconds). */
export const DEFAULT_POLL = 15;

type Js = (k: string) => unknown;

/** environment: a mapping of names to scalars (values as strings; templates rendered later). */
export function environmentOf(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => ['string', 'number', 'boolean'].includes(typeof x)).map(([k, x]) => [k, String(x)]));
}

/** remote_user, connection and environment of a play, block or task into `into`. */
export function readConnectionKeywords(L: Loader, m: Map<string, Entry>, js: Js, into: { remoteUser?: string; connection?: string; environment?: Record<string, string> }): void {
  const user = str(js('remote_user'));
  if (user !== undefined) {
    if (user.trim() === '') L.err('bad-remote-user', m.get('remote_user')!.value, "'remote_user' is empty", 'give the login user, or remove the keyword (the inventory ansible_user, ~/.ssh/config or your own user is used)');
    else into.remoteUser = user;
  }
  const conn = str(js('connection'));
  if (conn !== undefined) {
    if (!TEMPLATE.test(conn) && !CONNECTIONS.includes(conn)) {
      L.err('unsupported-connection', m.get('connection')!.value, `connection '${conn}' is not supported by etcdplay`, 'use ssh (the default) or local (run on the workstation)');
    } else into.connection = conn;
  }
  const env = environmentOf(js('environment'));
  if (env) into.environment = env;
}

/** async/poll of a task (not of a block: the loader reports those as block keywords). */
export function readAsync(L: Loader, m: Map<string, Entry>, js: Js, module: string | undefined, into: { async?: number; poll?: number }): void {
  const a = js('async');
  const p = js('poll');
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
  if (m.has('async')) {
    const n = int(a);
    if (n === undefined || n < 1) L.err('bad-async', m.get('async')!.value, "'async' must be a whole number of seconds, at least 1", "e.g. 'async: 600' (with 'poll: 10', or 'poll: 0' and 'async_status' to check on it later)");
    else into.async = n;
  }
  if (m.has('poll')) {
    const n = int(p);
    if (n === undefined) L.err('bad-poll', m.get('poll')!.value, "'poll' must be a whole number of seconds (0: start the job and go on)");
    else if (!m.has('async')) L.warn('poll-without-async', m.get('poll')!.keyNode, "'poll' has no effect without 'async'");
    else into.poll = n;
  }
  if (into.async !== undefined && into.poll === 0 && module !== undefined && !ASYNC_DETACHED_MODULES.includes(module)) {
    L.err('unsupported-async', m.get('poll')!.keyNode, `'async' with 'poll: 0' (a background job) is supported for the command and shell modules only, not '${module}'`,
      `give a time limit instead ('poll: 10'), or run the work as a command/shell task`);
  }
}
