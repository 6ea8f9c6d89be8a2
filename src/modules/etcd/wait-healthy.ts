/**
 * etcd_wait_healthy: retry until every member is healthy, runs the target version and reports the
 * same revision; then compare the user key count (and revision floor) with the snapshot manifest.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import type { CommandStep } from '../../model/step.js';
import { lastValue } from '../steps.js';
import { allEndpoints, checkPath, connArgsSchema, etcdctlEnv, failedStep, scriptReason, shScript } from './common.js';
import { firstWord, parseEndpointHealth, parseEndpointStatus, parseRangeCount, sectionMap } from './parse.js';
import { parseVersion, compareVersions } from './version.js';

// One probe: $1 endpoints, $2 seconds to sleep first. Each answer in its own section, parsed in TypeScript.
const PROBE = String.raw`
EPS=$1
[ "$2" = 0 ] || sleep "$2"
echo "#etcdplay now 0"; date +%s
H=$(ctl --endpoints="$EPS" --command-timeout=3s endpoint health -w json 2>/dev/null); echo "#etcdplay health $?"; printf '%s\n' "$H"
S=$(ctl --endpoints="$EPS" --command-timeout=3s endpoint status -w json 2>/dev/null); echo "#etcdplay status $?"; printf '%s\n' "$S"
`;

// Once healthy (or out of time): $1 endpoints, $2 manifest or ''. The user key count and the manifest.
const FINAL = String.raw`
C=$(ctl --endpoints="$1" --command-timeout=10s get "" --prefix --keys-only --limit 1 -w json 2>/dev/null); echo "#etcdplay count $?"; printf '%s\n' "$C"
if [ -n "$2" ] && [ -f "$2" ]; then echo "#etcdplay manifest 0"; cat "$2"; fi
`;

/** What the probes saw, as judgeHealth reads it. */
interface Observed { ok: boolean; attempts: number; keyCount: number; health: unknown[]; status: unknown[]; manifest: unknown }

const jsonOr = (text: string | undefined, fallback: unknown): unknown => {
  const t = (text ?? '').split('\n').filter((l) => l.trim() && !l.startsWith('{"level"')).join('\n').trim();
  if (!t) return fallback;
  try { return JSON.parse(t); } catch { return fallback; }
};

/** One probe's answers: health (on 3.3 `-w json` is not JSON: then the exit code says all healthy or not), status, the host's clock. */
export function readProbe(stdout: string | undefined, endpoints: string[]): { now: number; health: unknown[]; status: unknown[] } {
  const sec = sectionMap(stdout);
  const hr = sec['health']?.rc ?? 1;
  let health = jsonOr(sec['health']?.text, undefined);
  if (!Array.isArray(health)) health = hr === 0 ? endpoints.map((endpoint) => ({ endpoint, health: true })) : [];
  const status = jsonOr(sec['status']?.text, []);
  return { now: Number(firstWord(sec['now'])) || 0, health: health as unknown[], status: Array.isArray(status) ? status : [] };
}

/** Every member healthy, every one in the status answer, one revision, the version wanted: no more waiting. */
function settled(args: EtcdWaitHealthyArgs, p: { health: unknown[]; status: unknown[] }, endpoints: string[]): boolean {
  const j = judgeHealth({ ...(args.version ? { version: args.version } : {}) }, { health: p.health, status: p.status }, endpoints);
  const status = parseEndpointStatus(JSON.stringify(p.status));
  return j.ok && status.length === endpoints.length;
}

function probeStep(args: EtcdWaitHealthyArgs, eps: string[], env: Record<string, string>, man: string, description: string, attempt: number, first: number): CommandStep {
  const timeout = Number(args.timeout ?? 120);
  const interval = args.interval ?? 2;
  return {
    kind: 'command',
    description: attempt === 1 ? description : `${description} (attempt ${attempt})`,
    mutates: false,
    changed: 'never',
    command: shScript(PROBE, [eps.join(','), attempt === 1 ? 0 : interval], env),
    timeoutMs: (interval + 30) * 1000,
    then: {
      later: `probe again every ${interval} s for up to ${timeout} s, then count the keys${man ? ` and compare with ${man}` : ''}`,
      next: (out) => {
        const p = readProbe(out.stdout, eps);
        const start = attempt === 1 ? p.now : first;
        const done = settled(args, p, eps);
        // The host's clock bounds the wait; the attempt count too, should that clock not answer.
        if (!done && p.now - start < timeout && attempt <= timeout / interval) return { steps: [probeStep(args, eps, env, man, description, attempt + 1, start)] };
        return { steps: [{
          kind: 'command', description: 'count the keys' + (man ? ` and read ${man}` : ''), mutates: false, changed: 'never',
          command: shScript(FINAL, [eps.join(','), man], env), timeoutMs: 60_000,
          then: {
            later: 'the judgement',
            next: (fin) => {
              const sec = sectionMap(fin.stdout);
              let keyCount = 0;
              try { keyCount = sec['count']?.rc === 0 ? parseRangeCount(sec['count'].text) : 0; } catch { keyCount = 0; }
              return { value: { ok: done, attempts: attempt, keyCount, health: p.health, status: p.status, manifest: jsonOr(sec['manifest']?.text, null) } satisfies Observed };
            },
          },
        }] };
      },
    },
  };
}

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
    const description = `wait until ${eps.length} member(s) are healthy${ver ? ` on ${ver}` : ''} with one revision${man ? `, keys as in ${man}` : ''}`;
    return [probeStep({ ...args, ...(ver ? { version: ver } : {}) }, eps, etcdctlEnv(args, ctx), man, description, 1, 0)];
  },
  interpret(args, results: StepOutcome[], ctx): TaskResult {
    const bad = failedStep(results);
    if (bad) return { changed: false, failed: true, rc: bad.rc, stdout: bad.stdout ?? '', stderr: bad.stderr ?? '', msg: scriptReason(bad.stderr) ?? 'health check failed to run' };
    const out = lastValue(results) as Observed | undefined;
    if (!out) return { changed: false, failed: false, msg: 'not run' };
    const j = judgeHealth(args, out as unknown as Record<string, any>, allEndpoints(args, ctx));
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
