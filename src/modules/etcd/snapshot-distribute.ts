/**
 * etcd_snapshot_distribute: one snapshot (and its manifest) to every member: streamed from the
 * source host through the workstation (relay) or put from the workstation, then the sha256 is
 * verified on each member against the manifest (or the `sha256` arg).
 */
import type { ArgsOf } from '../args.js';
import { posix } from 'node:path';
import { ValidationError } from '../../errors.js';
import type { Step } from '../../model/step.js';
import type { Module, PlanContext } from '../module.js';
import { checkPath, memberHosts, scriptResult, shScript } from './common.js';

// $1 dest, $2 expected sha256
const VERIFY = String.raw`
D=$1; WANT=$2
[ -f "$D" ] || die "$D is missing"
chmod 600 "$D" "$D.json" 2>/dev/null
GOT=$(sha256sum "$D" | cut -d' ' -f1)
[ "$GOT" = "$WANT" ] || die "sha256 mismatch on $D: got $GOT, want $WANT"
printf '{"path":"%s","sha256":"%s","verified":true}\n' "$D" "$GOT"
`;

// $1 dest: its manifest, read here and parsed in TypeScript
const READ_MANIFEST = String.raw`
[ -f "$1.json" ] || die "no sha256 given and no manifest $1.json"
cat "$1.json"
`;

/** The sha256 a manifest (snapshot-save's `<snapshot>.json`) records. */
export function manifestSha256(text: string | undefined, path: string): string {
  let sha: unknown;
  try { sha = (JSON.parse(text ?? '') as { sha256?: unknown }).sha256; } catch { throw new Error(`${path}.json is not a snapshot manifest (not JSON)`); }
  if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha)) throw new Error(`${path}.json records no sha256`);
  return sha;
}

/** Verify dest's sha256 on this host: against `sha256`, or against what its manifest records. */
function verifySteps(dest: string, sha256: string | undefined): Step[] {
  const verify = (want: string): Step => ({ kind: 'command', description: `verify sha256 of ${dest}`, mutates: false, changed: 'never', command: shScript(VERIFY, [dest, want]) });
  if (sha256) return [verify(sha256)];
  return [{
    kind: 'command', description: `read the manifest ${dest}.json`, mutates: false, changed: 'never', command: shScript(READ_MANIFEST, [dest]),
    then: { later: `verify sha256 of ${dest} against the manifest`, next: (out) => ({ steps: [verify(manifestSha256(out.stdout, dest))] }) },
  }];
}

/** The destination's directory must exist before a transfer (0700, like the backup dir). */
function mkdirStep(dest: string): Step {
  const dir = posix.dirname(dest);
  return { kind: 'command', description: `create ${dir} (0700) if missing`, mutates: true, changed: 'never', onlyIf: { kind: 'exec', argv: ['sh', '-c', '! test -d "$1"', 'sh', dir] }, command: { kind: 'exec', argv: ['mkdir', '-p', '-m', '700', dir] } };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    src: { type: 'string', minLength: 1, description: 'Path of the snapshot on `from_host` (its manifest is `<src>.json`).' },
    from_host: { type: 'string', minLength: 1, description: 'Inventory host holding the snapshot (default: the first host of the group).' },
    from_workstation: { type: 'string', minLength: 1, description: 'A snapshot file on the workstation instead (its manifest `<path>.json` is sent too when present).' },
    dest: { type: 'string', minLength: 1, description: 'Destination on each member (default: same path as src).' },
    sha256: { type: 'string', pattern: '^([0-9a-f]{64})?$', description: 'Expected sha256 (default: the manifest\'s).' },
    group: { type: 'string' },
  },
} as const;
export type EtcdSnapshotDistributeArgs = ArgsOf<typeof argsSchema>;

export const etcdSnapshotDistributeModule: Module<EtcdSnapshotDistributeArgs> = {
  name: 'etcd_snapshot_distribute',
  summary: 'copy one snapshot (+ manifest) to every member and verify its sha256 there',
  docs: `Streams \`src\` from \`from_host\` to this host (a relay through the workstation, never stored
there in full), or puts \`from_workstation\` from the workstation, writing 0600 files to \`dest\`
(default: the same path) and \`<dest>.json\` (the manifest). Then verifies sha256 on the member
against \`sha256\` or the manifest; fails on any mismatch. On the source host itself (same path)
only the verification runs.`,
  argsSchema,
  checkMode: false,
  plan(args, ctx: PlanContext) {
    const steps: Step[] = [];
    if (args.from_workstation) {
      const dest = checkPath(args.dest ?? args.src ?? '', 'dest');
      steps.push(mkdirStep(dest));
      steps.push({ kind: 'put', description: `send ${args.from_workstation} to ${dest}`, mutates: true, src: { path: args.from_workstation }, dest, mode: '0600', skipIfSame: true, ...(args.sha256 ? { sha256: args.sha256 } : {}) });
      steps.push({ kind: 'put', description: `send ${args.from_workstation}.json to ${dest}.json`, mutates: true, src: { path: `${args.from_workstation}.json` }, dest: `${dest}.json`, mode: '0600', skipIfSame: true });
      steps.push(...verifySteps(dest, args.sha256));
      return steps;
    }
    if (!args.src) throw new ValidationError('etcd_snapshot_distribute needs src (with from_host) or from_workstation');
    const src = checkPath(args.src, 'src');
    const dest = checkPath(args.dest ?? src, 'dest');
    const from = args.from_host ?? memberHosts(ctx, args.group ?? 'etcd')[0]!;
    if (!(from === ctx.host && dest === src)) {
      steps.push(mkdirStep(dest));
      steps.push({ kind: 'relay', description: `relay ${from}:${src} to ${dest}`, mutates: true, fromHost: from, src, dest, mode: '0600', ...(args.sha256 ? { sha256: args.sha256 } : {}) });
      steps.push({ kind: 'relay', description: `relay ${from}:${src}.json to ${dest}.json`, mutates: true, fromHost: from, src: `${src}.json`, dest: `${dest}.json`, mode: '0600' });
    }
    steps.push(...verifySteps(dest, args.sha256));
    return steps;
  },
  interpret(_args, results) {
    const r = scriptResult(results, (d) => `${d.path} sha256 ${String(d.sha256 ?? '').slice(0, 12)} verified`, 'distribute');
    return r;
  },
  examples: `- name: snapshot to every member
  etcd_snapshot_distribute:
    src: "{{ snap.data.file }}"
    from_host: "{{ groups['etcd'][0] }}"`,
};
