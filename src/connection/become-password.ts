/**
 * The sudo password for a host, in one place (the connection pool, the engine's tasks and its run
 * lock): the host's `ansible_become_password` (or the older `ansible_become_pass`) wins over the
 * run's -K, as in Ansible. A number (`ansible_become_password: 1234` in YAML) is its text; an empty
 * value counts as not set.
 */
import type { Vars } from '../model/vars.js';

export function becomePasswordFor(vars: Vars, fallback?: string): string | undefined {
  for (const name of ['ansible_become_password', 'ansible_become_pass']) {
    const v = vars[name];
    if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  }
  return fallback;
}
