/**
 * etcd_backup_store: a verified snapshot (and its manifest) off the cluster: fetched to a backup
 * directory on the workstation (streamed, sha256 checked against the manifest), optionally
 * uploaded from there to an S3-compatible bucket (src/backup/upload.ts: the manifest last), and
 * the directory's retention applied (the newest `keep`).
 */
import type { ArgsOf } from '../args.js';
import { posix } from 'node:path';
import { ValidationError } from '../../errors.js';
import type { TaskResult } from '../../model/result.js';
import type { BackupStep, Step, StepOutcome } from '../../model/step.js';
import type { Module, PlanContext } from '../module.js';
import { localPath } from '../steps.js';
import { checkPath, countArg } from './common.js';
import { keyUnder, parseS3Url } from '../../backup/target.js';

/** The S3 args etcd_backup_store and etcd_backup_get share. */
export const s3ArgsSchema = {
  s3_endpoint: { type: 'string', pattern: '^(https?://.+)?$', description: "S3 endpoint URL (''/absent: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS for the region)" },
  s3_region: { type: 'string', description: "region for the signature (''/absent: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)" },
} as const;

/** The outcome of the backup steps of a task, as one result. Pure. */
export function backupResult(results: StepOutcome[], describe: (values: Record<string, any>[]) => string): TaskResult {
  const changed = results.some((r) => r.changed);
  if (results.some((r) => r.status === 'check')) return { changed: false, failed: false, wouldChange: true, msg: 'would fetch/upload/download (check mode)' };
  const values = results.filter((r) => r.step.kind === 'backup' || r.step.kind === 'get').map((r) => ({ ...(r.value as Record<string, unknown> | undefined), kind: r.step.kind, op: (r.step as BackupStep).op, sha256: r.sha256, bytes: r.bytes }));
  return { changed, failed: false, msg: describe(values), data: Object.assign({}, ...values.map(({ kind: _k, op: _o, ...v }) => v)) };
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['src', 'dir'],
  properties: {
    src: { type: 'string', minLength: 1, description: 'The snapshot on the host (its manifest `<src>.json` next to it), e.g. `{{ snap.data.file }}`.' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: "Its sha256 (e.g. `{{ snap.data.sha256 }}`); default: the fetched manifest's." },
    dir: { type: 'string', minLength: 1, description: 'Backup directory on the workstation (relative: to the playbook; ~/: the home directory).' },
    keep: countArg('how many backups to keep in dir, newest first (0: all; default 7)'),
    s3_url: { type: 'string', pattern: '^(s3://.*)?$', description: "`s3://bucket/prefix/`: also upload there ('' or absent: no upload)" },
    ...s3ArgsSchema,
  },
} as const;
export type EtcdBackupStoreArgs = ArgsOf<typeof argsSchema>;

export const etcdBackupStoreModule: Module<EtcdBackupStoreArgs> = {
  name: 'etcd_backup_store',
  summary: 'fetch a verified snapshot + manifest to a workstation backup dir (retention: the newest N), optionally upload to S3',
  docs: `Fetches \`src\` and \`<src>.json\` from the host into \`dir\` on the workstation (streamed
through a temporary name; the host hashes while sending, the workstation checks the sha256 against
\`sha256\` and the manifest), then, when \`s3_url\` is set (\`s3://bucket/prefix/\`), uploads both
from the workstation: the snapshot to \`prefix/<name>.db\` with its sha256 signed and Content-MD5
sent, read back and hashed, and only then the manifest \`prefix/<name>.db.json\`, which is what
makes it a backup (etcd_backup_get refuses a snapshot without one). A failed upload deletes what
it wrote; an existing backup is never overwritten. Finally keeps the newest \`keep\` backups
(default 7; 0 keeps all) in \`dir\`, by the manifests' createdAt; only complete pairs made by
etcdplay are counted or removed, never the one just fetched.

Credentials: the variables \`aws_access_key_id\`, \`aws_secret_access_key\`, \`aws_session_token\`,
else the environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. They are
secrets: never module args, never printed, never on a command line (docs/security.md).
\`data\`: { file (local), removed, url, manifestUrl, sha256, bytes, revision }. Run it once (run_once).`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const src = checkPath(args.src, 'src');
    const dir = localPath(args.dir, ctx);
    const name = posix.basename(src);
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new ValidationError(`snapshot name ${JSON.stringify(name)}: letters, digits and . _ - only`);
    const file = posix.join(dir, name);
    const steps: Step[] = [
      { kind: 'get', description: `fetch ${src} to ${file}`, mutates: true, src, dest: file, ...(args.sha256 ? { sha256: args.sha256 } : {}) },
      { kind: 'get', description: `fetch ${src}.json to ${file}.json`, mutates: true, src: `${src}.json`, dest: `${file}.json` },
    ];
    if (args.s3_url) {
      const loc = parseS3Url(args.s3_url);
      const url = `s3://${loc.bucket}/${keyUnder(loc.key, name)}`;
      steps.push({ kind: 'backup', op: 'upload', description: `upload ${file} (+ .json, last) to ${url}`, mutates: true, path: file, url, ...(args.s3_endpoint ? { endpoint: args.s3_endpoint } : {}), ...(args.s3_region ? { region: args.s3_region } : {}) });
    }
    const keep = args.keep === undefined ? 7 : Number(args.keep);
    steps.push({ kind: 'backup', op: 'keep', description: `keep the newest ${keep || 'all'} backups in ${dir}`, mutates: true, path: dir, keep, protect: [file] });
    return steps;
  },
  interpret(args, results) {
    const r = backupResult(results, (v) => {
      const up = v.find((x) => x.op === 'upload');
      const removed = (v.find((x) => x.op === 'keep')?.removed as string[] | undefined) ?? [];
      const got = v.find((x) => x.kind === 'get');
      return `fetched ${got?.bytes ?? '?'} bytes (sha256 ${String(got?.sha256 ?? '').slice(0, 12)})${up ? `, uploaded to ${up.url} (read back, sha256 verified${up.changed ? '' : '; already there'})` : ''}${removed.length ? `, removed ${removed.length} older backup(s)` : ''}`;
    });
    const got = results.find((x) => x.step.kind === 'get');
    if (r.data && got?.step.kind === 'get') Object.assign(r.data as object, { file: got.step.dest, sha256: got.sha256, bytes: got.bytes });
    void args;
    return r;
  },
  examples: `- name: Snapshot off the cluster (workstation, then S3)
  etcd_backup_store:
    src: "{{ snap.data.file }}"
    sha256: "{{ snap.data.sha256 }}"
    dir: ~/.etcdplay/backups/prod
    keep: 14
    s3_url: s3://backups/etcd/prod/
  run_once: true`,
};
