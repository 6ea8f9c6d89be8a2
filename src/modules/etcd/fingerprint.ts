/**
 * The data fingerprint etcd_snapshot_save records in the manifest and etcd_verify_data compares:
 * user key count, sha256 of `get "" --prefix --hex` (keys and values only: independent of
 * revisions, so it holds across a --bump-revision restore and across 3.4/3.5 etcdctl) and lease
 * ids, all at one revision. The host runs etcdctl and sha256sum (the dump can be large and never
 * leaves the host); the answers are parsed here.
 */
import type { CommandStep, Next, StepOutcome } from '../../model/step.js';
import { shScript } from './common.js';
import { firstWord, parseLeaseIds, parseRangeCount, sectionMap, type Section } from './parse.js';

export interface Fingerprint {
  keyCount: number;
  dumpSha256: string;
  leases: string[];
}

// $1 endpoint, $2 revision. Sections: count (JSON), dump (sha256sum of the hex dump), leases.
const SCRIPT = String.raw`
EP=$1; REV=$2
section count - ctl --endpoints="$EP" get "" --prefix --keys-only --limit 1 --rev "$REV" -w json
echo "#etcdplay dump 0 -"; (ctl --endpoints="$EP" get "" --prefix --hex --rev "$REV" || echo FAILED) | sha256sum
section leases - ctl --endpoints="$EP" lease list
`;

function ok(s: Section | undefined, what: string): Section {
  if (!s) throw new Error(`${what}: no answer`);
  if (s.rc !== 0) throw new Error(`${what} failed: ${s.text.trim().split('\n').pop() ?? `rc=${s.rc}`}`);
  return s;
}

/** Parse the fingerprint step's output. */
export function parseFingerprint(stdout: string | undefined): Fingerprint {
  const sec = sectionMap(stdout);
  const keyCount = parseRangeCount(ok(sec.count, 'key count').text);
  const dumpSha256 = firstWord(sec.dump);
  if (!/^[0-9a-f]{64}$/.test(dumpSha256)) throw new Error(`no sha256 of the data dump: ${JSON.stringify(sec.dump?.text ?? '')}`);
  return { keyCount, dumpSha256, leases: parseLeaseIds(ok(sec.leases, 'lease list').text) };
}

/** A read-only step reading the fingerprint of `endpoint` at `revision`; `then` gets it parsed. */
export function fingerprintStep(endpoint: string, revision: number, env: Record<string, string>, then: (fp: Fingerprint, out: StepOutcome) => Next, later: string): CommandStep {
  return {
    kind: 'command',
    description: `fingerprint of the data on ${endpoint} at revision ${revision} (key count, dump sha256, leases)`,
    mutates: false,
    changed: 'never',
    command: shScript(SCRIPT, [endpoint, revision], env),
    timeoutMs: 30 * 60_000,
    then: { later, next: (out) => then(parseFingerprint(out.stdout), out) },
  };
}
