/**
 * etcd_verify_data: compare the cluster's data with the snapshot manifest: user key count, sha256
 * of `etcdctl get "" --prefix --hex` (keys and values only: independent of revisions, so it holds
 * across a --bump-revision restore and across 3.4/3.5 etcdctl), lease ids, revision floor.
 */
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { checkPath, connArgsSchema, etcdctlEnv, localEndpoints, scriptReason, shScript, type EtcdConnArgs } from './common.js';
import { lastJsonLine } from './json.js';

export interface EtcdVerifyDataArgs extends EtcdConnArgs {
  manifest: string;
  /** Check lease ids too (default true). */
  leases?: boolean;
}

// $1 endpoint $2 manifest
const SCRIPT = String.raw`
EP=$1; MAN=$2
[ -f "$MAN" ] || die "manifest $MAN not found"
ST=$(ctl --endpoints="$EP" endpoint status -w json) || die "endpoint status failed"
REV=$(echo "$ST" | sed -n 's/.*"revision":\([0-9]*\).*/\1/p' | head -n1)
C=$(ctl --endpoints="$EP" get "" --prefix --keys-only --limit 1 --rev "$REV" -w json | sed -n 's/.*"count":\([0-9]*\).*/\1/p'); [ -n "$C" ] || C=0
D=$( (ctl --endpoints="$EP" get "" --prefix --hex --rev "$REV" || echo FAILED) | sha256sum | cut -d' ' -f1)
L=$(ctl --endpoints="$EP" lease list 2>/dev/null | sed 1d | sort | awk 'NF { printf "%s\"%s\"", (n++ ? "," : ""), $1 }')
printf '{"endpoint":"%s","revision":%s,"keyCount":%s,"dumpSha256":"%s","leases":[%s],"manifest":%s}\n' "$EP" "$REV" "$C" "$D" "$L" "$(cat "$MAN")"
`;

export function compareWithManifest(out: Record<string, any>, checkLeases: boolean): string[] {
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

export const etcdVerifyDataModule: Module<EtcdVerifyDataArgs> = {
  name: 'etcd_verify_data',
  summary: 'compare keys, values, leases and revision of the cluster with a snapshot manifest',
  docs: `Reads the manifest written by etcd_snapshot_save (on this host) and compares the member's
current data with it: user key count, sha256 of \`get "" --prefix --hex\` (key/value pairs only, so
it is comparable across a revision bump and across etcdctl 3.4/3.5: verified), lease ids (unless
\`leases: false\`), and the revision must not be lower. Writes made since the snapshot show up as
differences: verify before clients reconnect. Read-only.`,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['manifest'],
    properties: { ...connArgsSchema, manifest: { type: 'string', minLength: 1 }, leases: { type: 'boolean' } },
  },
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const ep = localEndpoints(args, ctx)[0]!;
    const man = checkPath(args.manifest, 'manifest');
    return [{ kind: 'command', description: `compare data on ${ep} with ${man}`, mutates: false, changed: 'never', command: shScript(SCRIPT, [ep, man], etcdctlEnv(args, ctx)), timeoutMs: 30 * 60_000 }];
  },
  interpret(args, results: StepOutcome[]): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'not run' };
    const out = lastJsonLine(r.stdout);
    if (r.rc !== 0 || !out) {
      return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg: scriptReason(r.stderr) ?? 'verify failed to run' };
    }
    const problems = compareWithManifest(out, args.leases !== false);
    const { manifest: _m, ...data } = out;
    return {
      changed: false,
      failed: problems.length > 0,
      rc: 0,
      data: { ...data, problems },
      msg: problems.length ? problems.join('; ') : `data identical to the snapshot: ${out.keyCount} keys, ${(out.leases as unknown[]).length} lease(s), revision ${out.revision}`,
    };
  },
  examples: `- etcd_verify_data:
    manifest: "{{ snap.data.file }}.json"
  run_once: true`,
};
