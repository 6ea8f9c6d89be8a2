/**
 * etcd_backup_get: a backup from an S3-compatible bucket (`s3://bucket/prefix/name.db`) to a
 * directory on the workstation: its manifest first (none: not a backup), then the snapshot,
 * streamed, sha256 and size checked against the manifest before it is renamed into place.
 */
import type { ArgsOf } from '../args.js';
import { posix } from 'node:path';
import { ValidationError } from '../../errors.js';
import type { Module, PlanContext } from '../module.js';
import { localPath } from '../steps.js';
import { parseS3Url } from '../../backup/target.js';
import { backupResult, s3ArgsSchema } from './backup-store.js';

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['src', 'dir'],
  properties: {
    src: { type: 'string', pattern: '^s3://', description: 'The snapshot object, `s3://bucket/prefix/name.db` (its manifest `name.db.json` next to it).' },
    dir: { type: 'string', minLength: 1, description: 'Directory on the workstation (relative: to the playbook; ~/: the home directory).' },
    ...s3ArgsSchema,
  },
} as const;
export type EtcdBackupGetArgs = ArgsOf<typeof argsSchema>;

export const etcdBackupGetModule: Module<EtcdBackupGetArgs> = {
  name: 'etcd_backup_get',
  summary: 'download a backup (snapshot + manifest) from an S3-compatible bucket to the workstation, sha256-checked',
  docs: `Downloads \`src\` (\`s3://bucket/prefix/name.db\`) into \`dir\` on the workstation: first its
manifest \`name.db.json\` (missing: "an incomplete upload, not a backup"), then the snapshot through
a temporary name, hashed while it streams; renamed into place only when its sha256 and size are the
manifest's (else: "the object is damaged; nothing was restored", and any copy already in \`dir\` is
left as it was). A copy already in \`dir\` with the right sha256 is kept (not changed).
Credentials and endpoint as for etcd_backup_store. \`data\`: { file (local path), url, sha256,
bytes, revision, manifest }. Run it once (run_once); then etcd_snapshot_distribute
\`from_workstation: "{{ got.data.file }}"\`.`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const loc = parseS3Url(args.src);
    const name = posix.basename(loc.key);
    if (!/^[A-Za-z0-9._-]+$/.test(name) || loc.key.endsWith('/')) throw new ValidationError(`src must name a snapshot object (s3://bucket/prefix/name.db), got ${JSON.stringify(args.src)}`);
    const dir = localPath(args.dir, ctx);
    return [{ kind: 'backup', op: 'download', description: `download ${args.src} (+ .json) to ${dir}/`, mutates: true, path: dir, url: args.src, ...(args.s3_endpoint ? { endpoint: args.s3_endpoint } : {}), ...(args.s3_region ? { region: args.s3_region } : {}) }];
  },
  interpret(_args, results) {
    return backupResult(results, (v) => `${v[0]?.url} -> ${v[0]?.file} (revision ${v[0]?.revision}, sha256 ${String(v[0]?.sha256 ?? '').slice(0, 12)} verified${v[0]?.changed === false ? '; already there' : ''})`);
  },
  examples: `- name: Backup from S3 to the workstation
  etcd_backup_get:
    src: s3://backups/etcd/prod/etcd-snapshot-20250101T000000Z.db
    dir: ~/.etcdplay/restore
  run_once: true
  register: got`,
};
