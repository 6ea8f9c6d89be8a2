/**
 * become for a task (or the run lock) on a host: whether, as whom, and with which password.
 * The task's own keyword (or its block's) wins over the play's, the host's ansible_become*
 * variables, and -b; the password comes from becomePasswordFor (the host's, else -K).
 */
import { becomePasswordFor } from '../connection/become-password.js';
import type { Become } from '../model/command.js';
import type { Play } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import type { Inherited } from '../plan/inherit.js';
import type { RunOptions } from './types.js';

export interface BecomeSettings {
  become?: Become;
  becomePassword?: string;
}

/** `vars` are the variables of the host the commands run on (the delegate's, under delegate_to). */
export function becomeFor(opts: RunOptions, play: Play, eff: Inherited, vars: Vars): BecomeSettings {
  const becomePassword = becomePasswordFor(vars, opts.connect.becomePassword);
  const on = eff.become ?? play.become ?? truthy(vars.ansible_become) ?? opts.become ?? false;
  if (!on) return { becomePassword };
  const user = eff.becomeUser ?? play.becomeUser ?? (typeof vars.ansible_become_user === 'string' ? vars.ansible_become_user : undefined) ?? 'root';
  return { become: { user, method: 'sudo' }, becomePassword };
}

function truthy(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['yes', 'true', '1', 'on'].includes(v.toLowerCase());
  return Boolean(v);
}
