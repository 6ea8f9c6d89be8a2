/**
 * etcd_snapshot_save: a snapshot from the leader (or a named member) into a 0600 file in a backup
 * dir, `snapshot status` run on a COPY (old etcdctl modified the file: etcd PR #11157), and a
 * `<snapshot>.json` manifest next to it with hash, revision, totalKey, size, sha256, the source
 * version, the package version, and a fingerprint of the data at the snapshot revision (user key
 * count, sha256 of `get "" --prefix --hex`, lease ids) for verifying a restore.
 */
import type { ArgsOf } from '../args.js';
import { ValidationError } from '../../errors.js';
import type { Module, PlanContext } from '../module.js';
import type { Next, PutStep, Step } from '../../model/step.js';
import { allEndpoints, checkPath, clusterMembers, connArgsSchema, etcdctlEnv, scriptResult, shScript } from './common.js';
import { fingerprintStep } from './fingerprint.js';
import { firstWord, parseEndpointStatus, parseSnapshotStatus, parseToolVersion, sectionMap, type EndpointStatus, type Section } from './parse.js';
import { statusStep } from './status.js';

/**
 * Shell: `status_on_copy FILE` prints section `status`, the `snapshot status -w json` of FILE (etcdutl
 * when present, else etcdctl) run on a COPY next to it, never on the file itself (old etcdctl
 * modified it: etcd PR #11157).
 */
export const STATUS_ON_COPY = String.raw`
status_on_copy() {
  _c=$(dirname "$1")/.status-$(date -u +%Y%m%dT%H%M%SZ)-$$.db
  cp "$1" "$_c" || die "cannot copy $1 for snapshot status"
  if command -v etcdutl >/dev/null 2>&1; then section status - etcdutl snapshot status "$_c" -w json
  else section status - ctl snapshot status "$_c" -w json; fi
  rm -f "$_c"
}
`;

// $1 source endpoint, $2 dir, $3 file name or ''. The atomic part on the host: the snapshot into
// <file>.part, renamed into place (0600), `snapshot status` on a COPY; then what the manifest needs,
// one section each (read back with sectionMap).
const SCRIPT = STATUS_ON_COPY + String.raw`
SRC=$1; DIR=$2; NAME=$3
TS=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$NAME" ] || NAME=etcd-snapshot-$TS.db
F=$DIR/$NAME
[ -e "$F" ] && die "$F already exists; choose another name"
umask 077
mkdir -p "$DIR" || die "cannot create $DIR"
ctl --endpoints="$SRC" snapshot save "$F.part" >&2 || { mv "$F.part" "$F.part.failed-$TS" 2>/dev/null; die "snapshot save from $SRC failed"; }
mv "$F.part" "$F" && chmod 600 "$F" || die "cannot move $F.part into place"
status_on_copy "$F"
pkgver() { dpkg-query -W -f '$''{Version}' etcd-server 2>/dev/null || rpm -q --qf '%{VERSION}-%{RELEASE}' etcd 2>/dev/null; }
section file - echo "$F"
section created - echo "$TS"
section sha256 - sha256sum "$F"
section size - wc -c "$F"
section host - hostname
section etcdctl - etcdctl version
section package - pkgver
`;

/** What etcd_snapshot_save writes next to the snapshot as `<file>.json` (and returns as data). */
export interface SnapshotManifest {
  format: 'etcdplay-snapshot/1';
  file: string;
  sha256: string;
  size: number;
  /** `snapshot status -w json` as the tool printed it (hash, revision, totalKey, totalSize). */
  status: Record<string, unknown>;
  revision: number;
  sourceEndpoint: string;
  sourceVersion: string;
  packageVersion: string;
  etcdctlVersion: string;
  host: string;
  createdAt: string;
  keyCount: number | null;
  dumpSha256: string | null;
  leaseCount: number | null;
  leases: string[];
}

const text = (s: Section | undefined) => (s && s.rc === 0 ? s.text.trim() : '');

/** The manifest from the snapshot step's output (no fingerprint yet). Pure. */
export function manifestOf(stdout: string | undefined, source: EndpointStatus): SnapshotManifest {
  const sec = sectionMap(stdout);
  const statusText = sec.status?.text ?? '';
  const st = parseSnapshotStatus(statusText);
  const raw = JSON.parse(statusText.split('\n').map((l) => l.trim()).find((l) => l.startsWith('{') && l.includes('totalKey'))!) as Record<string, unknown>;
  const sha256 = firstWord(sec.sha256);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`no sha256 of the snapshot: ${JSON.stringify(sec.sha256?.text ?? '')}`);
  return {
    format: 'etcdplay-snapshot/1',
    file: text(sec.file),
    sha256,
    size: Number(firstWord(sec.size)),
    status: raw,
    revision: st.revision,
    sourceEndpoint: source.endpoint,
    sourceVersion: source.version,
    packageVersion: text(sec.package).replace(/[^A-Za-z0-9.+~:_-]/g, ''),
    etcdctlVersion: parseToolVersion(text(sec.etcdctl)) ?? '',
    host: text(sec.host),
    createdAt: text(sec.created),
    keyCount: null,
    dumpSha256: null,
    leaseCount: null,
    leases: [],
  };
}

/** The manifest, written with the transfer path (temporary name, renamed, sha256 checked), 0600. */
function writeManifest(m: SnapshotManifest): Next {
  const put: PutStep = { kind: 'put', description: `write the manifest ${m.file}.json`, mutates: true, src: { content: JSON.stringify(m) + '\n' }, dest: `${m.file}.json`, mode: '0600' };
  return { steps: [put], value: m };
}

/** The snapshot from `source` (its endpoint status row), then the fingerprint, then the manifest. */
function snapshotSteps(source: EndpointStatus, dir: string, name: string | undefined, fingerprint: boolean, env: Record<string, string>): Step[] {
  return [{
    kind: 'command',
    description: `snapshot from ${source.endpoint} into ${dir}/${name ?? 'etcd-snapshot-<timestamp>.db'}`,
    mutates: true,
    command: shScript(SCRIPT, [source.endpoint, dir, name ?? ''], env),
    timeoutMs: 30 * 60_000,
    then: {
      later: fingerprint ? 'the fingerprint at the snapshot revision, then the manifest <file>.json' : 'the manifest <file>.json',
      next: (out) => {
        const m = manifestOf(out.stdout, source);
        if (!fingerprint) return writeManifest(m);
        return {
          steps: [fingerprintStep(source.endpoint, m.revision, env, (fp) => writeManifest({ ...m, keyCount: fp.keyCount, dumpSha256: fp.dumpSha256, leaseCount: fp.leases.length, leases: fp.leases }), 'the manifest <file>.json')],
        };
      },
    },
  }];
}

/** The source: the leader among the rows, or the one row of a named member. Pure. */
export function snapshotSource(rows: EndpointStatus[], selector: string, endpoints: string[]): EndpointStatus {
  if (selector === 'leader') {
    const leader = endpoints.map((e) => rows.find((r) => r.endpoint === e && r.isLeader)).find(Boolean);
    if (!leader) throw new Error(`no leader found among ${endpoints.join(',')}`);
    return leader;
  }
  const row = rows.find((r) => r.endpoint === selector);
  if (!row) throw new Error(`${selector} does not answer endpoint status`);
  return row;
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...connArgsSchema,
    backup_dir: { type: 'string', description: 'directory for snapshots (default etcd_backup_dir or /var/backups/etcd)' },
    name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', description: 'file name (default etcd-snapshot-<UTC timestamp>.db)' },
    member: { type: 'string', description: "'leader' (default), an inventory member name, or a client URL" },
    fingerprint: { type: 'boolean', description: 'record key count, dump hash and leases (default true)' },
  },
} as const;
export type EtcdSnapshotSaveArgs = ArgsOf<typeof argsSchema>;

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
  argsSchema,
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
    const env = etcdctlEnv(args, ctx);
    const sources = sel === 'leader' ? eps : [sel];
    const name = args.name;
    return [{
      ...statusStep(sources, env, `snapshot from ${sel === 'leader' ? 'the leader' : sel} into ${dir}/${name ?? 'etcd-snapshot-<timestamp>.db'} (+ .json manifest): endpoint status of ${sources.join(', ')}`),
      then: {
        later: `etcdctl snapshot save from ${sel === 'leader' ? 'the leader found' : sel}, then ${args.fingerprint === false ? '' : 'the fingerprint and '}the manifest written as JSON`,
        next: (out) => ({ steps: snapshotSteps(snapshotSource(parseEndpointStatus(out.stdout ?? ''), sel, sources), dir, name, args.fingerprint !== false, env) }),
      },
    }];
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
