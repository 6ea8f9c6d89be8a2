/**
 * etcd_verify_data: compare the cluster's data with the snapshot manifest: user key count, sha256
 * of `etcdctl get "" --prefix --hex` (keys and values only: independent of revisions, so it holds
 * across a --bump-revision restore and across 3.4/3.5 etcdctl), lease ids, revision floor.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { CommandStep } from '../../model/step.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { checkPath, connArgsSchema, etcdctlEnv, localEndpoints, scriptReason, shScript } from './common.js';
import { lastValue } from '../steps.js';
import { fingerprintStep } from './fingerprint.js';
import { parseEndpointStatus, sectionMap } from './parse.js';

// $1 endpoint $2 manifest: the manifest and the member's status, one section each; the
// fingerprint at the member's revision follows (fingerprint.ts), compared here in TypeScript.
const SCRIPT = String.raw`
EP=$1; MAN=$2
[ -f "$MAN" ] || die "manifest $MAN not found"
section manifest - cat "$MAN"
section status - ctl --endpoints="$EP" endpoint status -w json
`;

/** What the member holds now, next to the manifest it is compared with. */
export interface Observed {
  endpoint: string;
  revision: number;
  keyCount: number;
  dumpSha256: string;
  leases: string[];
  manifest: Record<string, unknown>;
}

/** The manifest and the member's revision from the first step's output. Pure; throws with the reason. */
export function manifestAndRevision(stdout: string | undefined, endpoint: string): { manifest: Record<string, unknown>; revision: number } {
  const sec = sectionMap(stdout);
  if (!sec.manifest || sec.manifest.rc !== 0) throw new Error(`cannot read the manifest: ${sec.manifest?.text.trim() ?? 'no answer'}`);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(sec.manifest.text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`the manifest is not JSON (${(e as Error).message})`);
  }
  if (!sec.status || sec.status.rc !== 0) throw new Error(`endpoint status of ${endpoint} failed: ${sec.status?.text.trim().split('\n').pop() ?? 'no answer'}`);
  const row = parseEndpointStatus(sec.status.text)[0];
  if (!row) throw new Error(`no endpoint status from ${endpoint}`);
  return { manifest, revision: row.revision };
}

export function compareWithManifest(out: Omit<Observed, 'endpoint' | 'manifest'> & { manifest?: Record<string, any> }, checkLeases: boolean): string[] {
  const m = (out.manifest ?? {}) as Record<string, any>;
  const problems: string[] = [];
  if (typeof m.keyCount === 'number' && m.keyCount !== out.keyCount) problems.push(`key count ${out.keyCount}, snapshot ${m.keyCount}`);
  if (typeof m.dumpSha256 === 'string' && m.dumpSha256 !== out.dumpSha256) problems.push(`keys/values differ from the snapshot (dump sha256 ${String(out.dumpSha256).slice(0, 12)} vs ${m.dumpSha256.slice(0, 12)})`);
  if (typeof m.revision === 'number' && Number(out.revision) < m.revision) problems.push(`revision ${out.revision} is lower than the snapshot's ${m.revision}`);
  if (checkLeases && Array.isArray(m.leases)) {
    const have = new Set((out.leases ?? []) as string[]);
    const missing = (m.leases as string[]).filter((l) => !have.has(l));
    if (missing.length) problems.push(`${missing.length} lease(s) missing: ${missing.slice(0, 5).join(', ')}`);
  }
  if (m.dumpSha256 === undefined && m.keyCount === undefined) problems.push('the manifest has no fingerprint (snapshot saved with fingerprint: false)');
  return problems;
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['manifest'],
  properties: { ...connArgsSchema, manifest: { type: 'string', minLength: 1 }, leases: { type: 'boolean' } },
} as const;
export type EtcdVerifyDataArgs = ArgsOf<typeof argsSchema>;

export const etcdVerifyDataModule: Module<EtcdVerifyDataArgs> = {
  name: 'etcd_verify_data',
  summary: 'compare keys, values, leases and revision of the cluster with a snapshot manifest',
  docs: `Reads the manifest written by etcd_snapshot_save (on this host) and compares the member's
current data with it: user key count, sha256 of \`get "" --prefix --hex\` (key/value pairs only, so
it is comparable across a revision bump and across etcdctl 3.4/3.5: verified), lease ids (unless
\`leases: false\`), and the revision must not be lower. Writes made since the snapshot show up as
differences: verify before clients reconnect. Read-only.`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const ep = localEndpoints(args, ctx)[0]!;
    const man = checkPath(args.manifest, 'manifest');
    const env = etcdctlEnv(args, ctx);
    const first: CommandStep = {
      kind: 'command',
      description: `compare data on ${ep} with ${man}`,
      mutates: false,
      changed: 'never',
      command: shScript(SCRIPT, [ep, man], env),
      timeoutMs: 60_000,
      then: {
        later: `the fingerprint of ${ep} at its current revision, compared with the manifest`,
        next: (out) => {
          const { manifest, revision } = manifestAndRevision(out.stdout, ep);
          return { steps: [fingerprintStep(ep, revision, env, (fp) => ({ value: { endpoint: ep, revision, ...fp, manifest } satisfies Observed }), 'the comparison')] };
        },
      },
    };
    return [first];
  },
  interpret(args, results: StepOutcome[]): TaskResult {
    const bad = results.find((r) => r.status === 'ran' && r.rc !== 0);
    if (bad) return { changed: false, failed: true, rc: bad.rc, stdout: bad.stdout ?? '', stderr: bad.stderr ?? '', msg: scriptReason(bad.stderr) ?? 'verify failed to run' };
    const out = lastValue(results) as Observed | undefined;
    if (!out) return { changed: false, failed: false, msg: 'not run' };
    const problems = compareWithManifest(out, args.leases !== false);
    const { manifest: _m, ...data } = out;
    return {
      changed: false,
      failed: problems.length > 0,
      rc: 0,
      data: { ...data, problems },
      msg: problems.length ? problems.join('; ') : `data identical to the snapshot: ${out.keyCount} keys, ${out.leases.length} lease(s), revision ${out.revision}`,
    };
  },
  examples: `- etcd_verify_data:
    manifest: "{{ snap.data.file }}.json"
  run_once: true`,
};
