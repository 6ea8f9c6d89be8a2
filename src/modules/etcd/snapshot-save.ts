/**
 * etcd_snapshot_save: a snapshot from the leader (or a named member) into a 0600 file in a backup
 * dir, `snapshot status` run on a COPY (old etcdctl modified the file: etcd PR #11157), and a
 * `<snapshot>.json` manifest next to it with hash, revision, totalKey, size, sha256, the source
 * version, the package version, and a fingerprint of the data at the snapshot revision (user key
 * count, sha256 of `get "" --prefix --hex`, lease ids) for verifying a restore.
 */
import { ValidationError } from '../../errors.js';
import type { Module, PlanContext } from '../module.js';
import { allEndpoints, checkPath, clusterMembers, connArgsSchema, etcdctlEnv, MARK, scriptResult, shScript, type EtcdConnArgs } from './common.js';

export interface EtcdSnapshotSaveArgs extends EtcdConnArgs {
  /** Directory for snapshots (default etcd_backup_dir or /var/backups/etcd). */
  backup_dir?: string;
  /** File name inside backup_dir (default etcd-snapshot-<UTC timestamp>.db). */
  name?: string;
  /** 'leader' (default), a member name from the inventory, or a client URL. */
  member?: string;
  /** Record the data fingerprint (key count, dump hash, leases) in the manifest (default true). */
  fingerprint?: boolean;
}

// $1 endpoints, $2 source selector ('leader' or URL), $3 dir, $4 file name or '', $5 fingerprint 1/0, $6 marker
const SCRIPT = String.raw`
EPS=$1; SEL=$2; DIR=$3; NAME=$4; FP=$5; MARK=$6
num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | head -n1; }
if [ "$SEL" = leader ]; then
  SRC=
  for ep in $(echo "$EPS" | tr ',' ' '); do
    st=$(ctl --endpoints="$ep" --command-timeout=5s endpoint status -w json 2>/dev/null) || continue
    me=$(echo "$st" | num member_id); ld=$(echo "$st" | num leader)
    if [ -n "$me" ] && [ "$me" = "$ld" ]; then SRC=$ep; break; fi
  done
  [ -n "$SRC" ] || die "no leader found among $EPS"
else
  SRC=$SEL
fi
TS=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$NAME" ] || NAME=etcd-snapshot-$TS.db
F=$DIR/$NAME
[ -e "$F" ] && die "$F already exists; choose another name"
umask 077
mkdir -p "$DIR" || die "cannot create $DIR"
ctl --endpoints="$SRC" snapshot save "$F.part" >&2 || { mv "$F.part" "$F.part.failed-$TS" 2>/dev/null; die "snapshot save from $SRC failed"; }
mv "$F.part" "$F" && chmod 600 "$F" || die "cannot move $F.part into place"
COPY=$DIR/.status-$TS.db
cp "$F" "$COPY" || die "cannot copy $F for snapshot status"
if command -v etcdutl >/dev/null 2>&1; then STATUS=$(etcdutl snapshot status "$COPY" -w json 2>/dev/null)
else STATUS=$(ctl snapshot status "$COPY" -w json 2>/dev/null); fi
rm -f "$COPY"
STATUS=$(printf '%s\n' "$STATUS" | grep '"totalKey"' | head -n1)
[ -n "$STATUS" ] || die "snapshot status of $F printed nothing"
REV=$(echo "$STATUS" | num revision)
SHA=$(sha256sum "$F" | cut -d' ' -f1)
SIZE=$(wc -c < "$F" | tr -d ' ')
VER=$(ctl --endpoints="$SRC" endpoint status -w json 2>/dev/null | sed -n 's/.*"version":"\([^"]*\)".*/\1/p' | head -n1)
CTLV=$(etcdctl version 2>/dev/null | sed -n 's/^etcdctl version: //p')
PKG=$( (dpkg-query -W -f '$''{Version}' etcd-server 2>/dev/null || rpm -q --qf '%{VERSION}-%{RELEASE}' etcd 2>/dev/null) | tr -cd 'A-Za-z0-9.+~:_-')
KC=null; DUMP=null; LC=null; LEASES=
if [ "$FP" = 1 ]; then
  KC=$(ctl --endpoints="$SRC" get "" --prefix --keys-only --limit 1 --rev "$REV" -w json | num count)
  [ -n "$KC" ] || KC=0
  DUMP=\"$( (ctl --endpoints="$SRC" get "" --prefix --hex --rev "$REV" || echo FAILED) | sha256sum | cut -d' ' -f1)\"
  LEASES=$(ctl --endpoints="$SRC" lease list 2>/dev/null | sed 1d | sort | awk 'NF { printf "%s\"%s\"", (n++ ? "," : ""), $1 }')
  LC=$(ctl --endpoints="$SRC" lease list 2>/dev/null | sed 1d | awk 'NF' | wc -l | tr -d ' ')
fi
M="{\"format\":\"etcdplay-snapshot/1\",\"file\":\"$F\",\"sha256\":\"$SHA\",\"size\":$SIZE,\"status\":$STATUS,\"revision\":$REV,\"sourceEndpoint\":\"$SRC\",\"sourceVersion\":\"$VER\",\"packageVersion\":\"$PKG\",\"etcdctlVersion\":\"$CTLV\",\"host\":\"$(hostname)\",\"createdAt\":\"$TS\",\"keyCount\":$KC,\"dumpSha256\":$DUMP,\"leaseCount\":$LC,\"leases\":[$LEASES]}"
printf '%s\n' "$M" > "$F.json.tmp" && chmod 600 "$F.json.tmp" && mv "$F.json.tmp" "$F.json" || die "cannot write $F.json"
echo "$MARK"
printf '%s\n' "$M"
`;

export const etcdSnapshotSaveModule: Module<EtcdSnapshotSaveArgs> = {
  name: 'etcd_snapshot_save',
  summary: 'snapshot the cluster (leader or a named member) into a 0600 file with a <file>.json manifest',
  docs: `Finds the leader among the members (or uses \`member\`: an inventory member name or a client
URL), runs \`etcdctl snapshot save\` to \`<backup_dir>/<name>.part\` and renames it into place (0600,
umask 077). \`snapshot status\` runs on a COPY (etcdutl when present, else etcdctl), never on the
file itself. Writes \`<file>.json\` atomically: sha256, size, status {hash, revision, totalKey,
totalSize}, sourceEndpoint, sourceVersion (server version of the source member), packageVersion
(the installed etcd-server package: what a rollback reinstalls), and, unless \`fingerprint: false\`,
keyCount, dumpSha256 (sha256 of \`get "" --prefix --hex\` at the snapshot revision) and lease ids.
\`data\` is the manifest (\`data.file\`, \`data.sha256\`, \`data.revision\`, \`data.keyCount\`).
Never overwrites an existing file. Run it once (run_once) on a member host.`,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...connArgsSchema,
      backup_dir: { type: 'string', description: 'directory for snapshots (default etcd_backup_dir or /var/backups/etcd)' },
      name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', description: 'file name (default etcd-snapshot-<UTC timestamp>.db)' },
      member: { type: 'string', description: "'leader' (default), an inventory member name, or a client URL" },
      fingerprint: { type: 'boolean', description: 'record key count, dump hash and leases (default true)' },
    },
  },
  checkMode: false,
  plan(args, ctx: PlanContext) {
    const eps = allEndpoints(args, ctx);
    const dir = checkPath(args.backup_dir ?? (ctx.vars.etcd_backup_dir as string | undefined) ?? '/var/backups/etcd', 'backup_dir');
    let sel = args.member ?? 'leader';
    if (sel !== 'leader' && !/^https?:\/\//.test(sel)) {
      const m = clusterMembers(ctx, args.group ?? 'etcd').find((x) => x.name === sel || x.host === sel);
      if (!m) throw new ValidationError(`member ${JSON.stringify(sel)} is not a member of group ${args.group ?? 'etcd'}`);
      sel = m.clientUrl;
    }
    return [
      {
        kind: 'command',
        description: `snapshot from ${sel === 'leader' ? 'the leader' : sel} into ${dir}/${args.name ?? 'etcd-snapshot-<timestamp>.db'} (+ .json manifest)`,
        mutates: true,
        changed: 'marker',
        command: shScript(SCRIPT, [eps.join(','), sel, dir, args.name ?? '', args.fingerprint === false ? '0' : '1', MARK], etcdctlEnv(args, ctx)),
        timeoutMs: 30 * 60_000,
      },
    ];
  },
  interpret(_args, results) {
    return scriptResult(results, (d) => `snapshot ${d.file} rev ${d.revision} (${d.keyCount ?? '?'} keys, sha256 ${String(d.sha256 ?? '').slice(0, 12)}) from ${d.sourceEndpoint} ${d.sourceVersion}`, 'snapshot save');
  },
  examples: `- name: snapshot from the leader
  etcd_snapshot_save:
    backup_dir: /var/backups/etcd
  run_once: true
  register: snap`,
};
