/**
 * Issue 16 part 2: backups that leave the cluster, against a real S3-compatible server (s3rver)
 * started on loopback by this test, through the CLI as users run it (the snapshot "host" is the
 * workstation itself, ansible_connection=local). A good upload and download; an interrupted upload
 * (a loopback proxy cuts the PUT), a wrong checksum (a damaged local copy; a damaged object) and
 * wrong credentials each fail with a clear message and leave the previous backup untouched; the
 * credentials are never in the output or the run directory, in any encoded form.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { tempDir } from '../connection/_helpers.js';
import { cliAsync, type CliResult } from '../cli/_cli.js';
import { S3Client } from '../../../src/backup/s3.js';
import { readBackSha256 } from '../../../src/backup/upload.js';
import { secretForms } from '../../../src/template/secret.js';

const require = createRequire(import.meta.url);
// A maintained fork of s3rver that verifies SigV4 signatures (the original does not check them).
const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account.js');

const BUCKET = 'etcd-backups';
// Random per run, with characters that URL-encoding and base64 change.
const KEY_ID = `AKIATEST${randomBytes(6).toString('hex').toUpperCase()}`;
const SECRET = `Sx/${randomBytes(12).toString('base64')}+=k`;
const TOKEN = `tok/${randomBytes(9).toString('hex')}==`;

let tmp: ReturnType<typeof tempDir>;
let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
let endpoint = '';
let client: S3Client;
const outputs: string[] = [];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A fake snapshot and its manifest in src/, as etcd_snapshot_save leaves them on a member. */
function snapshot(name: string, createdAt: string, bytes = 256 * 1024): Buffer {
  const body = randomBytes(bytes);
  mkdirSync(join(tmp.dir, 'src'), { recursive: true });
  writeFileSync(join(tmp.dir, 'src', name), body);
  writeFileSync(join(tmp.dir, 'src', `${name}.json`), JSON.stringify({ format: 'etcdplay-snapshot/1', file: `/var/backups/etcd/${name}`, sha256: sha(body), size: body.length, revision: 42, createdAt, status: { hash: 1, revision: 42, totalKey: 3, totalSize: body.length } }) + '\n');
  return body;
}

function playbook(file: string, task: string): string {
  const p = join(tmp.dir, file);
  writeFileSync(p, `- hosts: all\n  gather_facts: false\n  tasks:\n${task}`);
  return p;
}

async function run(pb: string, extra: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await cliAsync(tmp.dir, ['run', pb, '-i', join(tmp.dir, 'inv.yml'), '--plain', ...extra], { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, ...env });
  outputs.push(r.out, r.err);
  return r;
}

const store = (endpointUrl: string, name: string) => playbook(`store-${name}.yml`, `    - name: off the cluster
      etcd_backup_store:
        src: ${join(tmp.dir, 'src', name)}
        dir: ${join(tmp.dir, 'backups')}
        keep: 2
        s3_url: s3://${BUCKET}/prod/
        s3_endpoint: ${endpointUrl}
      register: stored
    - debug:
        msg: "{{ stored.msg }}"
`);
const get = (name: string) => playbook(`get-${name}.yml`, `    - name: from S3
      etcd_backup_get:
        src: s3://${BUCKET}/prod/${name}
        dir: ${join(tmp.dir, 'restore')}
        s3_endpoint: ${endpoint}
      register: got
    - debug:
        msg: "got {{ got.data.file }} revision {{ got.data.revision }}"
`);

/** The objects under prod/ with their sha256 (as read back). */
async function objects(...names: string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const n of names) out[n] = (await readBackSha256(client, `prod/${n}`))?.sha256;
  return out;
}

/** A loopback TCP proxy to the server that cuts any connection once it has carried `limit` bytes upstream. */
function cuttingProxy(limit: number): Promise<{ url: string; cuts: () => number; close(): void }> {
  let cuts = 0;
  const srv = net.createServer((c) => {
    const up = net.connect(Number(new URL(endpoint).port), '127.0.0.1');
    let n = 0;
    c.on('data', (b) => {
      n += b.length;
      if (n > limit) {
        cuts++;
        c.destroy();
        up.destroy();
        return;
      }
      up.write(b);
    });
    up.on('data', (b) => c.write(b));
    for (const s of [c, up]) s.on('error', () => { c.destroy(); up.destroy(); });
    c.on('close', () => up.destroy());
    up.on('close', () => c.destroy());
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, cuts: () => cuts, close: () => srv.close() })));
}

test.before(async () => {
  tmp = tempDir('etcdplay-s3-');
  DUMMY_ACCOUNT.createKeyPair(KEY_ID, SECRET);
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(tmp.dir, 's3rver'), configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  client = new S3Client({ endpoint, region: 'us-east-1', bucket: BUCKET, credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN } });
  writeFileSync(join(tmp.dir, 'inv.yml'), `all:\n  hosts:\n    ws:\n      ansible_connection: local\n      etcdplay_lock_dir: ${join(tmp.dir, 'lock')}\n`);
});

test.after(async () => {
  await server?.close();
  tmp?.cleanup();
});

test('a backup fetched to the workstation and uploaded: snapshot and manifest in the bucket, read back', async () => {
  const body = snapshot('snap-1.db', '20250101T000000Z');
  const r = await run(store(endpoint, 'snap-1.db'), []);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /uploaded to s3:\/\/etcd-backups\/prod\/snap-1\.db \(read back, sha256 verified\)/);
  const o = await objects('snap-1.db', 'snap-1.db.json');
  assert.is(o['snap-1.db'], sha(body));
  assert.is(o['snap-1.db.json'], sha(readFileSync(join(tmp.dir, 'src', 'snap-1.db.json'))));
  assert.is(sha(readFileSync(join(tmp.dir, 'backups', 'snap-1.db'))), sha(body));
  assert.is(statSync(join(tmp.dir, 'backups', 'snap-1.db')).mode & 0o777, 0o600);
  // again: already there, not changed, never overwritten
  const again = await run(store(endpoint, 'snap-1.db'), []);
  assert.is(again.code, 0, again.out + again.err);
  assert.match(again.out, /already there/);
});

test('an interrupted upload: a clear error, no manifest (not a backup), the previous backup untouched', async () => {
  const before = await objects('snap-1.db', 'snap-1.db.json');
  snapshot('snap-2.db', '20250102T000000Z', 1024 * 1024);
  const proxy = await cuttingProxy(300 * 1024);
  try {
    const r = await run(store(proxy.url, 'snap-2.db'), []);
    assert.is(r.code, 2, r.out + r.err);
    assert.ok(proxy.cuts() > 0, 'the proxy cut the upload');
    assert.match(r.out, /upload of snap-2\.db to s3:\/\/etcd-backups\/prod\/snap-2\.db failed, nothing was made a backup \(no manifest written; other backups untouched\): PUT s3:\/\/etcd-backups\/prod\/snap-2\.db: /);
  } finally {
    proxy.close();
  }
  assert.is((await objects('snap-2.db.json'))['snap-2.db.json'], undefined);
  assert.equal(await objects('snap-1.db', 'snap-1.db.json'), before);
  // and a download of it says so
  const g = await run(get('snap-2.db'), []);
  assert.is(g.code, 2);
  assert.match(g.out, /(has no manifest .*an incomplete upload, not a backup|s3:\/\/etcd-backups\/prod\/snap-2\.db not found \(nor its manifest\))/);
});

test('a wrong checksum: a damaged local copy is not uploaded; a damaged object is not restored', async () => {
  const before = await objects('snap-1.db', 'snap-1.db.json');
  snapshot('snap-3.db', '20250103T000000Z');
  writeFileSync(join(tmp.dir, 'src', 'snap-3.db'), randomBytes(1000)); // after its manifest: damaged
  const r = await run(store(endpoint, 'snap-3.db'), []);
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.out, /snap-3\.db does not match its manifest \(sha256 [0-9a-f]{64}, 1000 bytes; the manifest says [0-9a-f]{64}, 262144 bytes\): a damaged copy/);
  assert.equal(await objects('snap-3.db', 'snap-3.db.json'), { 'snap-3.db': undefined, 'snap-3.db.json': undefined });
  assert.equal(await objects('snap-1.db', 'snap-1.db.json'), before);
  // an object whose content is not what its manifest says (written behind etcdplay's back)
  const manifest = readFileSync(join(tmp.dir, 'src', 'snap-1.db.json'));
  const bad = randomBytes(2048);
  const md5 = createHash('md5');
  await client.put('prod/bad.db', () => Readable.from([bad]), bad.length, { sha256: sha(bad), md5: md5.update(bad).digest() });
  const mm = createHash('md5').update(manifest).digest();
  await client.put('prod/bad.db.json', () => Readable.from([manifest]), manifest.length, { sha256: sha(manifest), md5: mm });
  mkdirSync(join(tmp.dir, 'restore'), { recursive: true });
  writeFileSync(join(tmp.dir, 'restore', 'bad.db'), 'the previous copy');
  const g = await run(get('bad.db'), []);
  assert.is(g.code, 2, g.out + g.err);
  assert.match(g.out, /s3:\/\/etcd-backups\/prod\/bad\.db has sha256 [0-9a-f]{64} \(2048 bytes\), its manifest says [0-9a-f]{64} \(262144 bytes\): the object is damaged; nothing was restored/);
  assert.is(readFileSync(join(tmp.dir, 'restore', 'bad.db'), 'utf8'), 'the previous copy');
  assert.equal(readdirSync(join(tmp.dir, 'restore')).filter((f) => f.includes('etcdplay-')), [], 'no temporary file left');
});

test('wrong credentials: refused with a clear message, the previous backup untouched', async () => {
  const before = await objects('snap-1.db', 'snap-1.db.json');
  snapshot('snap-4.db', '20250104T000000Z');
  const wrong = `${SECRET}-wrong`;
  const r = await run(store(endpoint, 'snap-4.db'), [], { AWS_SECRET_ACCESS_KEY: wrong });
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.out, /SignatureDoesNotMatch.*the server refused the credentials \(check aws_access_key_id\/aws_secret_access_key\/aws_session_token or AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY\/AWS_SESSION_TOKEN, and the region\)|HTTP 403: the server refused the credentials \(check aws_access_key_id\/aws_secret_access_key/);
  for (const f of secretForms(wrong)) assert.not.ok((r.out + r.err).includes(f), 'the wrong secret is a secret too');
  const u = await run(store(endpoint, 'snap-4.db'), [], { AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEY00000000' });
  assert.is(u.code, 2);
  assert.match(u.out, /(InvalidAccessKeyId.*|HTTP 403: )the server refused the credentials/);
  assert.equal(await objects('snap-4.db.json', 'snap-1.db', 'snap-1.db.json'), { 'snap-4.db.json': undefined, ...before });
  const none = await run(store(endpoint, 'snap-4.db'), [], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
  assert.is(none.code, 2);
  assert.match(none.out, /no S3 credentials: set the variables aws_access_key_id and aws_secret_access_key/);
});

test('a backup downloaded from S3: sha256 checked against its manifest; retention keeps the newest 2', async () => {
  const g = await run(get('snap-1.db'), []);
  assert.is(g.code, 0, g.out + g.err);
  assert.match(g.out, /got .*restore\/snap-1\.db revision 42/);
  assert.is(sha(readFileSync(join(tmp.dir, 'restore', 'snap-1.db'))), JSON.parse(readFileSync(join(tmp.dir, 'restore', 'snap-1.db.json'), 'utf8')).sha256);
  snapshot('snap-5.db', '20250105T000000Z');
  const r = await run(store(endpoint, 'snap-5.db'), []);
  assert.is(r.code, 0, r.out + r.err);
  // snap-1, snap-2 (fetched before its upload failed), snap-4, snap-5 complete in backups/: the newest two stay
  assert.equal(readdirSync(join(tmp.dir, 'backups')).filter((f) => f.endsWith('.db')).sort(), ['snap-4.db', 'snap-5.db']);
});

test('the credentials are never in the output or the run directory, in any form', () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(tmp.dir, 'home'));
  assert.ok(files.some((f) => f.endsWith('events.jsonl')), 'the run dir was written');
  const texts = [...outputs, ...files.map((f) => readFileSync(f, 'latin1'))];
  for (const secret of [KEY_ID, SECRET, TOKEN]) {
    const forms = [...secretForms(secret), Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
    for (const f of forms) for (const t of texts) assert.not.ok(t.includes(f), `a form of a credential (${f.length} chars) was written`);
  }
});

test.run();
