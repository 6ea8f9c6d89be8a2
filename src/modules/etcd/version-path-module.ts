/**
 * etcd_version_path: ask every member its version (and the package manager what it offers), run
 * the version-path planner, fail with the reason when the path cannot work or is not one this
 * playbook implements. `data` is the path; the step description shows it in `etcdplay plan`
 * when facts are known.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { allEndpoints, connArgsSchema, etcdctlEnv, etcdFacts, flagArg, memberHosts, shScript } from './common.js';
import { lastJsonLine } from './json.js';
import { parseEndpointStatus, parseVersionEndpoint } from './parse.js';
import { planVersionPath, type VersionPathInput } from './version-path.js';
import { toBool } from '../../template/values.js';

const PLAYBOOK_FOR: Record<string, string> = {
  'snapshot-restore': 'etcd-downgrade.yml',
  'patch-rolling': 'etcd-patch-downgrade.yml',
  'rolling-compatible': '(not shipped: restart each member with a 3.4.32+ binary and --next-cluster-version-compatible)',
  'downgrade-api': '(not shipped: etcdctl downgrade validate/enable, then etcd-patch-downgrade.yml-style swaps)',
  'multi-step': 'etcd-downgrade.yml once per step',
};

// $1 endpoints, $2 check available 1/0, $3 package name
const SCRIPT = String.raw`
S=$(ctl --endpoints="$1" --command-timeout=5s endpoint status -w json 2>/dev/null); [ -n "$S" ] || S=null
A=
if [ "$2" = 1 ]; then
  if command -v apt-cache >/dev/null 2>&1; then A=$(apt-cache madison "$3" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); printf "%s\"%s\"", (n++ ? "," : ""), $2 }')
  elif command -v dnf >/dev/null 2>&1; then A=$(dnf list --showduplicates -q etcd 2>/dev/null | awk 'NF >= 2 && $2 ~ /^[0-9]/ { printf "%s\"%s\"", (n++ ? "," : ""), $2 }')
  fi
  A="[$A]"
else A=null; fi
V=null
if command -v curl >/dev/null 2>&1; then
  ep=$(echo "$1" | cut -d, -f1)
  set -- -s -m 5 "$ep/version"
  [ -n "$ETCDCTL_CACERT" ] && set -- --cacert "$ETCDCTL_CACERT" "$@"
  [ -n "$ETCDCTL_CERT" ] && set -- --cert "$ETCDCTL_CERT" --key "$ETCDCTL_KEY" "$@"
  V=$(curl "$@" 2>/dev/null | grep '^{' ) || V=null; [ -n "$V" ] || V=null
fi
printf '{"status":%s,"available":%s,"version":%s}\n' "$S" "$A" "$V"
`;

function firstPackage(v: unknown): string {
  const first = Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v.split(/[\s,]+/)[0] ?? '' : '';
  return /^[a-z0-9][a-z0-9.+-]*$/.test(first) ? first : 'etcd-server';
}

export function decidePath(args: EtcdVersionPathArgs, out: Record<string, any>, endpoints: string[]) {
  const status = Array.isArray(out.status) ? parseEndpointStatus(JSON.stringify(out.status)) : [];
  const missing = endpoints.filter((e) => !status.some((s) => s.endpoint === e));
  const http = out.version && typeof out.version === 'object' ? parseVersionEndpoint(JSON.stringify(out.version)) : {};
  const input: VersionPathInput = {
    current: status.map((s) => s.version),
    target: args.target,
    ...(http.cluster ? { clusterVersion: http.cluster } : {}),
    ...(Array.isArray(out.available) ? { available: out.available as string[] } : {}),
    ...(args.prefer ? { prefer: args.prefer } : {}),
    ...(args.method ? { method: args.method } : {}),
    ...(args.auth_enabled !== undefined ? { authEnabled: args.auth_enabled } : {}),
    ...(args.allow_multi_step !== undefined ? { allowMultiStep: args.allow_multi_step } : {}),
    ...(args.allow_unproven_restore !== undefined ? { allowUnprovenRestore: toBool(args.allow_unproven_restore) } : {}),
  };
  const path = planVersionPath(input);
  let reason = path.reason;
  let ok = path.ok;
  if (missing.length) {
    ok = false;
    reason = `members not answering: ${missing.join(', ')}; every member must be up to plan a path`;
  } else if (ok && args.allowed_methods && path.method && !args.allowed_methods.includes(path.method)) {
    ok = false;
    reason = `${path.summary}; this playbook implements ${args.allowed_methods.join(', ')}: use ${PLAYBOOK_FOR[path.method] ?? 'another playbook'}`;
  }
  return { ok, reason, path, members: status.map((s) => ({ endpoint: s.endpoint, version: s.version })) };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['target'],
  properties: {
    ...connArgsSchema,
    target: { type: 'string', minLength: 1 },
    prefer: { enum: ['offline', 'online'] },
    method: { enum: ['patch-rolling', 'snapshot-restore', 'rolling-compatible', 'downgrade-api'] },
    allow_multi_step: { type: 'boolean' },
    allow_unproven_restore: flagArg('plan a snapshot restore across minors that is not proven (3.6 -> 3.5, 3.3 -> 3.2, ...); playbook variable etcd_allow_unproven_restore'),
    allowed_methods: { type: 'array', items: { enum: ['none', 'patch-rolling', 'snapshot-restore', 'rolling-compatible', 'downgrade-api', 'multi-step'] }, description: 'Methods the calling playbook implements; anything else fails with the reason.' },
    check_available: { type: 'boolean', description: 'Ask the package manager which versions exist (default true).' },
    auth_enabled: { type: 'boolean' },
    package: { type: 'string', pattern: '^[a-z0-9][a-z0-9.+-]*$' },
  },
} as const;
export type EtcdVersionPathArgs = ArgsOf<typeof argsSchema>;

export const etcdVersionPathModule: Module<EtcdVersionPathArgs> = {
  name: 'etcd_version_path',
  summary: 'choose how to get every member from its version to the target (patch swap, snapshot restore, ...) or refuse with the reason',
  docs: `Reads every member's server version (\`endpoint status\`), the cluster version (\`/version\`,
when curl exists) and the versions the package manager offers, then runs the planner:
same minor -> patch-rolling; one minor down -> snapshot-restore (offline; \`prefer: online\` picks
rolling-compatible for 3.5 -> 3.4.32+ without auth); 3.6+ -> downgrade-api; a snapshot restore
across minors other than 3.5 -> 3.4 and 3.4 -> 3.3 (e.g. 3.6 -> 3.5 offline) is refused as not
proven unless \`allow_unproven_restore\`; several minors ->
refused (one minor at a time) unless \`allow_multi_step\`; upgrades, mixed minors, unavailable
targets and forced in-place swaps across minors are refused with the reason (for the last, the
exact etcd error: "cluster cannot be downgraded (current version: X is lower than determined
cluster version: Y)"). \`allowed_methods\` lists what the calling playbook implements. \`data\`:
{ok, reason, path: {method, steps, next, summary, notes}, members}; also set as the fact
\`etcd_version_path\`. Read-only.`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const eps = allEndpoints(args, ctx);
    const f = etcdFacts(ctx);
    let preview = `decide the version path to ${args.target} from the members' versions`;
    const opts = { ...(args.prefer ? { prefer: args.prefer } : {}), ...(args.method ? { method: args.method } : {}), ...(args.allow_multi_step !== undefined ? { allowMultiStep: args.allow_multi_step } : {}), ...(args.allow_unproven_restore !== undefined ? { allowUnprovenRestore: toBool(args.allow_unproven_restore) } : {}) };
    const hv = ctx.hostvars ?? (ctx.vars.hostvars as Record<string, Record<string, unknown>> | undefined);
    const invVersions = memberHosts(ctx, args.group ?? 'etcd').map((h) => (h === ctx.host ? ctx.vars : hv?.[h])?.etcd_version).filter((v): v is string => typeof v === 'string' && v !== '');
    if (typeof f?.version === 'string') {
      const p = planVersionPath({ current: [f.version], target: args.target, ...opts });
      preview = `version path (from this member's facts): ${p.summary}`;
    } else if (invVersions.length) {
      const p = planVersionPath({ current: invVersions, target: args.target, ...opts });
      preview = `version path (from the inventory's etcd_version, checked against the members at run time): ${p.summary}`;
    }
    return [{ kind: 'command', description: preview, mutates: false, changed: 'never', command: shScript(SCRIPT, [eps.join(','), args.check_available === false ? '0' : '1', args.package ?? firstPackage(ctx.vars.etcd_packages)], etcdctlEnv(args, ctx)), timeoutMs: 120_000 }];
  },
  interpret(args, results: StepOutcome[], ctx): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'not run' };
    const out = lastJsonLine(r.stdout);
    if (r.rc !== 0 || !out) return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg: 'could not read member versions' };
    const d = decidePath(args, out, allEndpoints(args, ctx));
    const data = { ok: d.ok, reason: d.reason, method: d.path.method, next: d.path.next, steps: d.path.steps, summary: d.path.summary, notes: d.path.notes, from: d.path.from, clusterVersion: d.path.clusterVersion, members: d.members };
    return { changed: false, failed: !d.ok, rc: 0, data, facts: { etcd_version_path: data }, msg: d.ok ? d.path.summary + (d.path.notes.length ? ` (${d.path.notes.join('; ')})` : '') : (d.reason ?? 'refused') };
  },
  examples: `- etcd_version_path:
    target: "{{ etcd_target_version }}"
    allowed_methods: [snapshot-restore]
  run_once: true
  register: path`,
};
