/**
 * etcd_wait_healthy: retry until every member is healthy, runs the target version and reports the
 * same revision; then compare the user key count (and revision floor) with the snapshot manifest.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { allEndpoints, checkPath, connArgsSchema, etcdctlEnv, shScript } from './common.js';
import { lastJsonLine } from './json.js';
import { parseEndpointHealth, parseEndpointStatus } from './parse.js';
import { parseVersion, compareVersions } from './version.js';

// $1 endpoints $2 version or '' $3 manifest or '' $4 timeout s $5 interval s $6 number of endpoints
const SCRIPT = String.raw`
EPS=$1; VER=$2; MAN=$3; TMO=$4; IV=$5; N=$6
deadline=$(( $(date +%s) + TMO )); n=0
while :; do
  n=$((n + 1))
  H=$(ctl --endpoints="$EPS" --command-timeout=3s endpoint health -w json 2>/dev/null); HR=$?
  S=$(ctl --endpoints="$EPS" --command-timeout=3s endpoint status -w json 2>/dev/null)
  ok=1
  [ $HR = 0 ] || ok=0
  [ "$(printf '%s' "$H" | grep -o '"health":true' | wc -l)" -eq "$N" ] || ok=0
  [ "$(printf '%s' "$S" | grep -o '"Endpoint"' | wc -l)" -eq "$N" ] || ok=0
  [ "$(printf '%s' "$S" | grep -o '"revision":[0-9]*' | sort -u | wc -l)" -eq 1 ] || ok=0
  if [ -n "$VER" ]; then [ "$(printf '%s' "$S" | grep -o '"version":"[^"]*"' | sort -u)" = "\"version\":\"$VER\"" ] || ok=0; fi
  [ $ok = 1 ] && break
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep "$IV"
done
C=$(ctl --endpoints="$EPS" --command-timeout=10s get "" --prefix --keys-only --limit 1 -w json 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
[ -n "$C" ] || C=0
M=null; [ -n "$MAN" ] && [ -f "$MAN" ] && M=$(cat "$MAN")
[ -n "$H" ] || H=null; [ -n "$S" ] || S=null
printf '{"ok":%s,"attempts":%d,"keyCount":%s,"health":%s,"status":%s,"manifest":%s}\n' "$( [ $ok = 1 ] && echo true || echo false)" "$n" "$C" "$H" "$S" "$M"
`;

export function judgeHealth(args: EtcdWaitHealthyArgs, out: Record<string, any>, endpoints: string[]): { ok: boolean; problems: string[]; data: Record<string, unknown> } {
  const problems: string[] = [];
  const health = Array.isArray(out.health) ? parseEndpointHealth(JSON.stringify(out.health)) : [];
  const status = Array.isArray(out.status) ? parseEndpointStatus(JSON.stringify(out.status)) : [];
  for (const ep of endpoints) {
    const h = health.find((x) => x.endpoint === ep);
    if (!h || !h.health) problems.push(`${ep} not healthy${h?.error ? `: ${h.error}` : ''}`);
  }
  const versions = [...new Set(status.map((s) => s.version))];
  if (args.version) {
    const want = parseVersion(args.version);
    for (const s of status) {
      const got = parseVersion(s.version);
      if (!want || !got || compareVersions(want, got) !== 0) problems.push(`${s.endpoint} runs ${s.version}, want ${args.version}`);
    }
  }
  const revisions = [...new Set(status.map((s) => s.revision))];
  if (revisions.length > 1) problems.push(`members disagree on the revision: ${revisions.join(', ')}`);
  const manifest = out.manifest && typeof out.manifest === 'object' ? (out.manifest as Record<string, any>) : undefined;
  const wantKeys = args.key_count ?? (typeof manifest?.keyCount === 'number' ? manifest.keyCount : undefined);
  if (wantKeys !== undefined && Number(out.keyCount) !== wantKeys) problems.push(`${out.keyCount} keys, the snapshot had ${wantKeys}`);
  const rev = revisions[0];
  if (manifest?.revision !== undefined && rev !== undefined && rev < Number(manifest.revision)) problems.push(`revision ${rev} is lower than the snapshot's ${manifest.revision}`);
  return {
    ok: problems.length === 0,
    problems,
    data: { versions, revision: rev, keyCount: out.keyCount, snapshotKeyCount: wantKeys, snapshotRevision: manifest?.revision, attempts: out.attempts, health, status, leader: status.find((s) => s.isLeader)?.endpoint },
  };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...connArgsSchema,
    version: { type: 'string', description: 'Every member must run this version (upstream, e.g. 3.4.23).' },
    manifest: { type: 'string', description: 'Snapshot manifest on this host: key count must match, revision must not be lower.' },
    key_count: { type: 'integer', minimum: 0 },
    timeout: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]*$' }], description: 'seconds' },
    interval: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;
export type EtcdWaitHealthyArgs = ArgsOf<typeof argsSchema>;

export const etcdWaitHealthyModule: Module<EtcdWaitHealthyArgs> = {
  name: 'etcd_wait_healthy',
  summary: 'wait until all members are healthy on the target version with one revision; check key count against the snapshot',
  docs: `Polls \`endpoint health\` and \`endpoint status\` of every member (inventory group or
\`endpoints\`) every \`interval\` s (default 2) for up to \`timeout\` s (default 120) until all are
healthy, all run \`version\` (if given) and all report the same revision. Then counts the user keys
(\`get "" --prefix --keys-only --limit 1\`, its count) and compares with \`key_count\` or the
\`manifest\`'s keyCount; the revision must not be lower than the manifest's. Fails with every
problem listed. Read-only; run it once (run_once).`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const eps = allEndpoints(args, ctx);
    const man = args.manifest ? checkPath(args.manifest, 'manifest') : '';
    const ver = args.version ? (parseVersion(args.version) ? `${parseVersion(args.version)!.major}.${parseVersion(args.version)!.minor}.${parseVersion(args.version)!.patch}` : args.version) : '';
    return [{
      kind: 'command',
      description: `wait until ${eps.length} member(s) are healthy${ver ? ` on ${ver}` : ''} with one revision${man ? `, keys as in ${man}` : ''}`,
      mutates: false,
      changed: 'never',
      command: shScript(SCRIPT, [eps.join(','), ver, man, Number(args.timeout ?? 120), args.interval ?? 2, eps.length], etcdctlEnv(args, ctx)),
      timeoutMs: ((Number(args.timeout ?? 120)) + 60) * 1000,
    }];
  },
  interpret(args, results: StepOutcome[], ctx): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'not run' };
    const out = lastJsonLine(r.stdout);
    if (r.rc !== 0 || !out) return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg: 'health check failed to run' };
    const j = judgeHealth(args, out, allEndpoints(args, ctx));
    return {
      changed: false,
      failed: !j.ok,
      rc: 0,
      data: j.data,
      msg: j.ok ? `all ${allEndpoints(args, ctx).length} members healthy on ${(j.data.versions as string[]).join(',')}, revision ${j.data.revision}, ${j.data.keyCount} keys` : j.problems.join('; '),
    };
  },
  examples: `- etcd_wait_healthy:
    version: "{{ etcd_target_version }}"
    manifest: "{{ snap.data.file }}.json"
  run_once: true`,
};
