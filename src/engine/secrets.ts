/**
 * What a run must never show: every secret it knows (the passwords given on the command line,
 * secret-named variables of the inventory and -e, secrets met while running) goes into the run's
 * Redactor, which every event and journal write passes through; no_log results are censored.
 */
import type { TaskResult } from '../model/result.js';
import type { Vars } from '../model/vars.js';
import { inventoryHostVars } from '../load/hostvars.js';
import { isSecretName, secretsInEnv, secretsInVars, type Redactor } from '../template/secret.js';
import type { RunOptions } from './types.js';

export const NO_LOG_MSG = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** Add the secret-named variables of `vars` to the redactor. */
export function collectSecrets(redactor: Redactor, vars: Vars): void {
  for (const [name, v] of secretsInVars(vars)) redactor.add(v, name);
}

/**
 * Teach the redactor the run's secrets before anything runs. Returns the extra vars the journal
 * may keep (secrets left out) and the names of the secret ones (asked again on --resume).
 */
export function seedSecrets(redactor: Redactor, opts: RunOptions): { extraVars: Vars; secretVars: string[] } {
  redactor.add(opts.connect.password);
  redactor.add(opts.connect.becomePassword);
  for (const h of opts.inventory.hosts.keys()) {
    try {
      collectSecrets(redactor, inventoryHostVars(opts.inventory, h));
    } catch {
      /* the loader reported it already */
    }
  }
  collectSecrets(redactor, opts.extraVars);
  // credentials in the workstation's environment (AWS_SECRET_ACCESS_KEY, ...): backups use them
  for (const [name, v] of secretsInEnv(process.env)) redactor.add(v, name);
  for (const n of opts.journal?.secretVars ?? []) redactor.add(opts.extraVars[n], n);
  const extraVars: Vars = {};
  const secretNames = new Set([...(opts.journal?.secretVars ?? [])]);
  for (const [k, v] of Object.entries(opts.extraVars)) {
    if (secretNames.has(k) || isSecretName(k)) {
      secretNames.add(k);
      redactor.add(v, k);
    } else extraVars[k] = redactor.value(v);
  }
  return { extraVars, secretVars: [...secretNames] };
}

/** What a no_log task shows of its result: the outcome, not the data. */
export function censor(r: TaskResult): TaskResult {
  return {
    changed: r.changed,
    failed: r.failed,
    ...(r.skipped ? { skipped: true } : {}),
    ...(r.unreachable ? { unreachable: true } : {}),
    ...(r.wouldChange ? { wouldChange: true } : {}),
    msg: NO_LOG_MSG,
    censored: NO_LOG_MSG,
  };
}
