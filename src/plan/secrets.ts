/**
 * The secrets a plan can show, found the way the run finds them (src/template/secret.ts): each
 * host's variables in each play (inventory, play vars, vars_files, -e) through `secretsInVars`,
 * extra vars with secret-like names, and the workstation's AWS_* credentials. `etcdplay plan` prints them as `<secret:NAME>`.
 */
import type { Inventory } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { isSecretName, Redactor, secretsInEnv, secretsInVars } from '../template/secret.js';
import { varsFor } from './vars.js';

export const secretLabel = (name: string | undefined): string => `<secret:${name ?? 'value'}>`;

export function planRedactor(playbook: Playbook, inv: Inventory, extraVars: Vars): Redactor {
  const r = new Redactor(secretLabel);
  for (const [k, v] of Object.entries(extraVars)) if (isSecretName(k)) r.add(v, k);
  for (const [k, v] of secretsInEnv(process.env)) r.add(v, k);
  for (const play of playbook.plays) {
    for (const host of inv.hosts.keys()) {
      let vars: Vars;
      try {
        vars = varsFor({ inv, host, play, extraVars });
      } catch {
        continue; // the planner reports it
      }
      for (const [name, v] of secretsInVars(vars)) r.add(v, name);
    }
  }
  return r;
}
