/**
 * How a host is reached for one task: the remote_user and connection keywords (play -> block ->
 * task, plan/inherit.ts) become the connection variables ansible_user and ansible_connection,
 * unless a variable already sets them: as in Ansible, an inventory `ansible_user` (or any
 * variable) wins over the `remote_user` keyword, and `ansible_connection` over `connection`.
 * The engine connects with these variables; the plan shows the result ("ssh as deploy", "local").
 */
import { isLocalHost } from '../load/localhost.js';
import type { Vars } from '../model/vars.js';
import { renderString } from '../template/render.js';
import type { Inherited } from './inherit.js';
import { withVars } from './vars.js';

type Keywords = Pick<Inherited, 'remoteUser' | 'connection'>;

function unset(vars: Vars, ...names: string[]): boolean {
  return names.every((n) => vars[n] === undefined || vars[n] === null || vars[n] === '');
}

/** `vars` with the keywords' connection variables added where no variable sets them. */
export function reachVars(vars: Vars, eff: Keywords): Vars {
  const extra: Vars = {};
  if (eff.connection !== undefined && unset(vars, 'ansible_connection')) extra.ansible_connection = renderString(eff.connection, vars);
  if (eff.remoteUser !== undefined && unset(vars, 'ansible_user', 'ansible_ssh_user')) extra.ansible_user = renderString(eff.remoteUser, vars);
  return Object.keys(extra).length ? withVars(vars, extra) : vars;
}

/**
 * "local", "ssh as USER" (the user when known before connecting: a variable or the keyword), or
 * "ssh"; shown in the plan when a keyword decides it or the host is local.
 */
export function describeReach(host: string, vars: Vars): string {
  if (isLocalHost(host, vars)) return 'local';
  const user = vars.ansible_user ?? vars.ansible_ssh_user;
  return typeof user === 'string' && user !== '' ? `ssh as ${user}` : 'ssh';
}

/**
 * How the plan shows a host is reached: when a remote_user/connection keyword applies or the host
 * runs on the workstation; undefined otherwise (or when it cannot be told before the run).
 */
export function reachOf(host: string, vars: Vars, eff: Inherited): string | undefined {
  try {
    const r = describeReach(host, reachVars(vars, eff));
    return eff.remoteUser !== undefined || eff.connection !== undefined || r === 'local' ? r : undefined;
  } catch {
    return undefined; // a keyword that renders only at run time, or a bad ansible_connection (the run reports it)
  }
}
