/**
 * `etcdplay lab writes`: the acknowledged writes of the control plane hosts that the cluster no
 * longer has. The logs are read first, the cluster afterwards: a write acknowledged in between is
 * simply not counted, and every counted one was acknowledged before the cluster was read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { shQuote } from '../shell/quote.js';
import { ACKED_LOG, WRITES_PREFIX, missingWrites } from './controlplane.js';
import { hostPaths } from './host.js';
import { etcdctlPrefix, getLab, labEndpoints, labExec } from './access.js';

export interface LabWrites {
  /** Acknowledged writes in every control plane host's log. */
  acked: number;
  /** How many of them the cluster does not have. */
  missing: number;
  /** Control plane hosts whose log was read. */
  writers: string[];
  /** The first 20 missing keys. */
  missingKeys: string[];
}

/** A control plane host's acknowledged-writes log, read from its overlay upper dir (works with the host down too). */
function ackedLog(labDir: string, host: string): string {
  const file = join(hostPaths(labDir, host).upper, ACKED_LOG);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

export async function labWrites(name: string): Promise<LabWrites> {
  const lab = getLab(name);
  if (!lab.controlPlane.length) throw new ValidationError(`lab '${name}' has no control plane hosts, so no writers (etcdplay lab up --control-plane N)`);
  const logs = lab.controlPlane.map((h) => ackedLog(lab.dir, h.name));
  const cmd = `${etcdctlPrefix(lab.tls, labEndpoints(lab), '60s')} get ${shQuote(WRITES_PREFIX)} --prefix --keys-only`;
  const errors: string[] = [];
  for (const member of lab.hosts) {
    let r;
    try {
      r = await labExec(name, member.name, cmd, { timeoutMs: 120_000 });
    } catch (err) {
      errors.push(`${member.name}: ${(err as Error).message}`);
      continue;
    }
    if (r.rc !== 0) { errors.push(`${member.name}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop()}`); continue; }
    const { acked, missing } = missingWrites(logs, r.stdout);
    return { acked, missing: missing.length, writers: lab.controlPlane.map((h) => h.name), missingKeys: missing.slice(0, 20) };
  }
  throw new ValidationError(`lab '${name}': could not read ${WRITES_PREFIX} from the cluster: ${errors.join('; ')}`);
}
