/** `etcdplay lab load`: rehearsal data (keys under /etcdplay/rehearsal/, some on long leases). */
import { ValidationError } from '../errors.js';
import { endpointOf, etcdctlPrefix, labExec, mustExec, parseEtcdJson, stateOrThrow } from './access.js';

export const LOAD_PREFIX = '/etcdplay/rehearsal/';
export const LEASE_TTL = 86400;

/** Shell script writing `keys` keys; every 4th key attached to one of `leases` leases (TTL 1 day). */
export function loadScript(prefix: string, keys: number, leases: number): string {
  return [
    'set -e',
    'leases=""',
    `n=0; while [ "$n" -lt ${leases} ]; do`,
    `  id=$(${prefix} lease grant ${LEASE_TTL} | awk '{print $2}')`,
    '  leases="$leases $id"; n=$((n+1))',
    'done',
    'set -- $leases',
    `i=1; while [ "$i" -le ${keys} ]; do`,
    `  key=$(printf '${LOAD_PREFIX}key-%06d' "$i")`,
    '  if [ $# -gt 0 ] && [ $((i % 4)) -eq 0 ]; then',
    '    k=$(( (i / 4 - 1) % $# + 1 )); eval "lease=\\${$k}"',
    `    ${prefix} put "$key" "value-$i" --lease="$lease" >/dev/null`,
    '  else',
    `    ${prefix} put "$key" "value-$i" >/dev/null`,
    '  fi',
    '  i=$((i+1))',
    'done',
    'echo "leases:$leases"',
  ].join('\n');
}

/** Write rehearsal data: `keys` keys under /etcdplay/rehearsal/, some attached to `leases` long leases. */
export async function labLoad(name: string, opts: { keys?: number; leases?: number } = {}): Promise<{ keys: number; leases: string[]; revision?: number }> {
  const keys = opts.keys ?? 300;
  const leases = opts.leases ?? 1;
  if (!Number.isInteger(keys) || keys < 0 || !Number.isInteger(leases) || leases < 0) throw new ValidationError('--keys and --leases must be whole numbers >= 0');
  const st = stateOrThrow(name);
  const eps = st.hosts.map((h) => endpointOf(st.tls, h));
  const prefix = etcdctlPrefix(st.tls, eps);
  const out = await mustExec(name, st.hosts[0]!.name, loadScript(prefix, keys, leases), 'writing rehearsal data', 600_000);
  const ids = (/leases:(.*)/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const rev = await labExec(name, st.hosts[0]!.name, `${prefix} endpoint status -w json`);
  let revision: number | undefined;
  try { revision = Number((parseEtcdJson(rev.stdout) as { Status: { header: { revision: number } } }[])[0]!.Status.header.revision); } catch { /* leave undefined */ }
  return { keys, leases: ids, ...(revision !== undefined ? { revision } : {}) };
}

