/**
 * etcd_snapshot_restore: restore a snapshot into this member's (absent or empty) data dir with the
 * tool of the installed (target) version: etcdutl on 3.5+, `ETCDCTL_API=3 etcdctl` on 3.4.
 * `--bump-revision N --mark-compacted` when that binary supports them (read from its --help;
 * 3.4.23's etcdctl does not). Restored into `<dir>.etcdplay-restoring` and renamed into place,
 * then chown -R to the etcd user and restorecon when SELinux is enabled.
 */
import type { ArgsOf } from '../args.js';
import { ValidationError } from '../../errors.js';
import type { Module, PlanContext } from '../module.js';
import { checkPath, clusterMembers, dataDirOf, etcdFacts, instanceEnv, MARK, scriptResult, shScript, type MemberSpec } from './common.js';

// $1 snapshot $2 data dir $3 wal dir $4 name $5 initial cluster $6 token $7 peer urls $8 bump $9 owner; then group tool skip marker
const SCRIPT = String.raw`
SNAP=$1; DD=$2; WAL=$3; NAME=$4; IC=$5; TOK=$6; PU=$7; BUMP=$8; OWN=$9; shift 9
GRP=$1; TOOL=$2; SKIP=$3; MARK=$4
TS=$(date -u +%Y%m%dT%H%M%SZ)
[ -f "$SNAP" ] || die "snapshot $SNAP not found"
etcd_running && die "etcd is running: stop it before restoring"
[ -d "$DD/member" ] && die "refusing to restore: $DD/member exists (move the data dir aside first)"
if [ -d "$DD" ] && [ -n "$(ls -A "$DD")" ]; then die "refusing to restore: $DD is not empty"; fi
if [ -n "$WAL" ] && [ -d "$WAL" ] && [ -n "$(ls -A "$WAL")" ]; then die "refusing to restore: wal dir $WAL is not empty"; fi
[ -e "$DD" ] && { rmdir "$DD" || die "cannot remove empty $DD"; }
mkdir -p "$(dirname "$DD")" || die "cannot create the parent of $DD"
if [ "$TOOL" = auto ]; then
  if command -v etcdutl >/dev/null 2>&1; then TOOL=etcdutl; else TOOL=etcdctl; fi
fi
command -v "$TOOL" >/dev/null 2>&1 || die "$TOOL is not installed"
TV=$("$TOOL" version 2>/dev/null | sed -n 's/^[a-z]* version: //p' | head -n1)
HELP=$(ETCDCTL_API=3 "$TOOL" snapshot restore --help 2>&1)
CANBUMP=false; echo "$HELP" | grep -q -- '--bump-revision' && echo "$HELP" | grep -q -- '--mark-compacted' && CANBUMP=true
TMP=$DD.etcdplay-restoring
[ -e "$TMP" ] && { mv "$TMP" "$TMP-$TS" || die "cannot move the leftover $TMP aside"; }
set -- snapshot restore "$SNAP" --name "$NAME" --initial-cluster "$IC" --initial-cluster-token "$TOK" --initial-advertise-peer-urls "$PU" --data-dir "$TMP"
[ -n "$WAL" ] && set -- "$@" --wal-dir "$WAL"
BUMPED=0
if [ "$BUMP" -gt 0 ] && [ $CANBUMP = true ]; then set -- "$@" --bump-revision "$BUMP" --mark-compacted; BUMPED=$BUMP; fi
[ "$SKIP" = 1 ] && set -- "$@" --skip-hash-check
ETCDCTL_API=3 "$TOOL" "$@" >&2 || die "$TOOL snapshot restore failed"
[ -d "$TMP/member" ] || die "$TOOL wrote no member dir"
mv "$TMP" "$DD" || die "cannot move $TMP to $DD"
chmod 700 "$DD"
OWNED=false
if id -u "$OWN" >/dev/null 2>&1; then
  chown -R "$OWN:$GRP" "$DD" || die "chown $OWN:$GRP $DD failed"
  [ -n "$WAL" ] && chown -R "$OWN:$GRP" "$WAL"
  OWNED=true
else
  echo "etcdplay: user $OWN does not exist; ownership left as is" >&2
fi
SEL=disabled
if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then
  restorecon -R "$DD" >&2 || die "restorecon $DD failed"; [ -n "$WAL" ] && restorecon -R "$WAL" >&2
  SEL=relabelled
fi
echo "$MARK"
printf '{"dataDir":"%s","tool":"%s","toolVersion":"%s","bumpSupported":%s,"bumpedBy":%s,"owner":"%s","owned":%s,"selinux":"%s","name":"%s"}\n' "$DD" "$TOOL" "$TV" "$CANBUMP" "$BUMPED" "$OWN" "$OWNED" "$SEL" "$NAME"
`;

const NAME_RE = /^[A-Za-z0-9._:@-]+$/;

/** Shown where the run id is not known yet (the offline plan). */
export const RUN_ID_PLACEHOLDER = '<run id>';

/**
 * The cluster token a restore uses. A restored cluster is a new logical cluster: by default the
 * old token plus the run id (the same on every member and across --resume), so member IDs change
 * and a member still holding the old data cannot rejoin it. `initial_cluster_token` is used as
 * given; `keep_cluster_token: true` keeps the old one.
 */
export function restoreToken(args: EtcdSnapshotRestoreArgs, ctx: PlanContext): string {
  if (args.initial_cluster_token) return args.initial_cluster_token;
  const f = etcdFacts(ctx);
  const base = (ctx.vars.etcd_initial_cluster_token as string | undefined) ?? (f?.initialClusterToken as string | undefined) ?? 'etcd-cluster';
  if (args.keep_cluster_token) return String(base);
  const suffix = `-etcdplay-${ctx.runId ?? RUN_ID_PLACEHOLDER}`;
  // a token restored by an earlier run keeps its base: old-etcdplay-RUN1 -> old-etcdplay-RUN2
  return String(base).replace(/-etcdplay-(\d{8}T\d{6}Z-[0-9a-f]+|<run id>)$/, '') + suffix;
}

/** Members as the cluster knew them (facts), else as the inventory describes them. */
export function restoreMembers(args: EtcdSnapshotRestoreArgs, ctx: PlanContext): { me: MemberSpec | { name: string; peerUrl: string }; initialCluster: string } {
  const inv = clusterMembers(ctx, args.members_group ?? 'etcd');
  const f = etcdFacts(ctx);
  const invHasVars = ctx.vars.etcd_address !== undefined || ctx.vars.etcd_name !== undefined || ctx.vars.etcd_peer_url !== undefined;
  let list: { name: string; peerUrl: string; host?: string }[] = inv;
  if (!invHasVars && Array.isArray(f?.members) && f!.members.length) {
    list = (f!.members as { name: string; peerURLs: string[] }[]).map((m) => ({ name: m.name, peerUrl: m.peerURLs[0] ?? '' }));
  }
  const name = args.name ?? (invHasVars ? inv.find((m) => m.host === ctx.host)?.name : undefined) ?? (f?.name as string | undefined) ?? inv.find((m) => m.host === ctx.host)?.name ?? ctx.host;
  const initialCluster = args.initial_cluster ?? list.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  let peer = args.initial_advertise_peer_urls;
  if (!peer) {
    const mine = initialCluster.split(',').filter((kv) => kv.slice(0, kv.indexOf('=')) === name).map((kv) => kv.slice(kv.indexOf('=') + 1));
    if (!mine.length) throw new ValidationError(`member ${JSON.stringify(name)} is not in the initial cluster ${initialCluster}; set etcd_name or name`);
    peer = mine.join(',');
  }
  return { me: { name, peerUrl: peer }, initialCluster };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['snapshot'],
  properties: {
    snapshot: { type: 'string', minLength: 1 },
    data_dir: { type: 'string' },
    wal_dir: { type: 'string' },
    name: { type: 'string' },
    initial_cluster: { type: 'string' },
    initial_cluster_token: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._:@<> -]+$', description: 'Used as given; default: the cluster\'s token plus the run id (a new cluster identity).' },
    keep_cluster_token: { type: 'boolean', description: "keep the cluster's token (same member IDs as before); default: old token + '-etcdplay-' + run id" },
    initial_advertise_peer_urls: { type: 'string' },
    bump_revision: { type: 'integer', minimum: 0, description: 'Revisions to add (default 1000000000; 0 = no bump). Only used when the tool supports it.' },
    owner: { type: 'string', pattern: '^[a-z_][a-z0-9_-]*$' },
    group: { type: 'string', pattern: '^[a-z_][a-z0-9_-]*$' },
    tool: { enum: ['auto', 'etcdutl', 'etcdctl'] },
    skip_hash_check: { type: 'boolean' },
    members_group: { type: 'string', description: 'Inventory group of the members (default \'etcd\').' },
  },
} as const;
export type EtcdSnapshotRestoreArgs = ArgsOf<typeof argsSchema>;

export const etcdSnapshotRestoreModule: Module<EtcdSnapshotRestoreArgs> = {
  name: 'etcd_snapshot_restore',
  summary: "restore a snapshot into this member's data dir with the target version's tool (+ revision bump, ownership, SELinux labels)",
  docs: `Refuses when etcd runs, when \`<data_dir>/member\` exists, or when the data dir is not empty
(move it aside first: etcd_data_move_aside). Tool: etcdutl when installed (3.5+), else
\`ETCDCTL_API=3 etcdctl\` (3.4); \`tool\` forces one. The member's name, --initial-cluster and
--initial-advertise-peer-urls come from the args, else from the inventory (hostvars of the
\`members_group\`: etcd_name, etcd_address / ansible_host, etcd_peer_port, etcd_peer_scheme), else
from the member list gathered by etcd_facts. A restored cluster is a new logical cluster: the
token is the cluster's (etcd_initial_cluster_token or facts) plus \`-etcdplay-<run id>\` (the same
on every member and across --resume), so member IDs change and a member still holding the old
data cannot join it; \`initial_cluster_token\` is used as given, \`keep_cluster_token: true\` keeps
the old token. The token is in data.clusterToken and the message. \`--bump-revision N --mark-compacted\` (N = bump_revision,
default 1000000000, 0 disables) are added only when the tool's --help lists them: etcdutl 3.5 does,
3.4.23's etcdctl does not (then data.bumpSupported is false and the revision stays the snapshot's).
Restores into \`<dir>.etcdplay-restoring\`, renames into place, \`chmod 700\`, \`chown -R
owner:group\` (default etcd_user or etcd), and \`restorecon -R\` when selinuxenabled says so
(otherwise a no-op, reported as data.selinux = disabled).`,
  argsSchema,
  checkMode: false,
  plan(args, ctx: PlanContext) {
    const snap = checkPath(args.snapshot, 'snapshot');
    const dd = dataDirOf(args, ctx);
    const wal = args.wal_dir ?? (ctx.vars.etcd_wal_dir as string | undefined) ?? '';
    if (wal) checkPath(wal, 'wal_dir');
    const { me, initialCluster } = restoreMembers(args, ctx);
    if (!NAME_RE.test(me.name)) throw new ValidationError(`member name ${JSON.stringify(me.name)} has characters etcd names do not use`);
    const token = restoreToken(args, ctx);
    const owner = args.owner ?? (ctx.vars.etcd_user as string | undefined) ?? 'etcd';
    const group = args.group ?? owner;
    const bump = args.bump_revision ?? 1_000_000_000;
    return [{
      kind: 'command',
      description: `restore ${snap} into ${dd} as ${me.name} (${initialCluster}), cluster token ${token}, owner ${owner}`,
      mutates: true,
      changed: 'marker',
      command: shScript(SCRIPT, [snap, dd, wal, me.name, initialCluster, token, me.peerUrl, bump, owner, group, args.tool ?? 'auto', args.skip_hash_check ? '1' : '0', MARK], instanceEnv({ data_dir: dd }, ctx)),
      timeoutMs: 30 * 60_000,
    }];
  },
  interpret(args, results, ctx) {
    const token = restoreToken(args, ctx);
    const r = scriptResult(results, (d) => `restored ${d.dataDir} with ${d.tool} ${d.toolVersion}${d.bumpedBy ? `, revision +${d.bumpedBy}` : d.bumpSupported ? '' : ' (no --bump-revision in this tool)'}; cluster token ${token}; selinux ${d.selinux}`, 'snapshot restore');
    if (r.data && typeof r.data === 'object') (r.data as Record<string, unknown>).clusterToken = token;
    return r;
  },
  examples: `- etcd_snapshot_restore:
    snapshot: "{{ snap.data.file }}"`,
};
