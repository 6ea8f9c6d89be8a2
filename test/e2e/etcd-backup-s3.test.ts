/**
 * Issue 16 part 2 in the lab (root only): etcd-backup.yml fetches the verified snapshot to the
 * workstation and uploads it to an S3-compatible server this test starts on loopback; the cluster
 * is wiped (etcd stopped, every member's data dir moved aside, the snapshots on the members
 * removed); etcd-restore.yml from s3:// brings back every key. The credentials (environment only)
 * are in no output and no run file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, etcdplay, labDown, labExec, labUpWhenFree } from '../integration/etcd/lab-helpers.js';
import { labLoad, type Lab } from '../../src/lab/index.js';
import { S3Client } from '../../src/backup/s3.js';
import { readBackSha256 } from '../../src/backup/upload.js';
import { secretForms } from '../../src/template/secret.js';

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account.js');

const BUCKET = 'etcd-backups';

test('backup to the workstation and S3; cluster wiped; restore from s3:// brings back every key', async () => {
  let lab: Lab | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-e2e-s3-'));
  const keyId = `AKIALAB${randomBytes(6).toString('hex').toUpperCase()}`;
  const secret = `Lab/${randomBytes(12).toString('base64')}+=`;
  DUMMY_ACCOUNT.createKeyPair(keyId, secret);
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // etcdplay() passes the test's environment on: the credentials go there, never on a command line
  process.env.AWS_ACCESS_KEY_ID = keyId;
  process.env.AWS_SECRET_ACCESS_KEY = secret;
  const outputs: string[] = [];
  const runsBefore = new Set(existsSync(join(process.env.ETCDPLAY_HOME || join(homedir(), '.etcdplay'), 'runs')) ? readdirSync(join(process.env.ETCDPLAY_HOME || join(homedir(), '.etcdplay'), 'runs')) : []);
  try {
    lab = await labUpWhenFree({ name: 't-etcd-s3', nodes: 3, etcd: '3.5.16' });
    await labLoad(lab.name, { keys: 300, leases: 1 });
    const before = await dump(lab);

    const bk = await etcdplay(['run', 'playbooks/etcd-backup.yml', '-i', lab.inventoryPath, '--plain', '-e', `etcd_backup_fetch_dir=${join(dir, 'backups')}`, '-e', `etcd_backup_s3_url=s3://${BUCKET}/lab/`, '-e', `etcd_backup_s3_endpoint=${endpoint}`]);
    outputs.push(bk.out);
    assert.is(bk.code, 0, bk.out);
    const db = readdirSync(join(dir, 'backups')).find((f) => f.endsWith('.db'))!;
    const manifest = JSON.parse(readFileSync(join(dir, 'backups', `${db}.json`), 'utf8'));
    const client = new S3Client({ endpoint, region: 'us-east-1', bucket: BUCKET, credentials: { accessKeyId: keyId, secretAccessKey: secret } });
    assert.is((await readBackSha256(client, `lab/${db}`))?.sha256, manifest.sha256, 'the snapshot in the bucket');
    assert.ok(await client.head(`lab/${db}.json`), 'its manifest in the bucket');
    assert.is(createHash('sha256').update(readFileSync(join(dir, 'backups', db))).digest('hex'), manifest.sha256, 'the workstation copy');

    // wipe: etcd stopped, every data dir moved aside, no snapshot left on the members
    for (const h of lab.hosts) {
      const w = await labExec(lab.name, h.name, '(systemctl stop etcd 2>/dev/null || /etc/init.d/etcd stop) >/dev/null 2>&1; mv /var/lib/etcd/default /var/lib/etcd/wiped-by-test && rm -rf /var/backups/etcd && echo wiped');
      assert.match(w.stdout, /wiped/, `${h.name}: ${w.stderr}`);
    }

    const t0 = Date.now();
    const rs = await etcdplay(['run', 'playbooks/etcd-restore.yml', '-i', lab.inventoryPath, '--plain', '--yes', '-e', `etcd_snapshot=s3://${BUCKET}/lab/${db}`, '-e', `etcd_backup_s3_endpoint=${endpoint}`, '-e', `etcd_restore_download_dir=${join(dir, 'restore')}`]);
    outputs.push(rs.out);
    assert.is(rs.code, 0, rs.out);
    assert.match(rs.out, /TASK \[Snapshot as its manifest says \(sha256, snapshot status\), not older than the live cluster\][^\n]*\n(\s*ok: \[etcd\d\]\n)+/);
    console.log(`backup + upload ${bk.ms} ms, restore from s3 ${Date.now() - t0} ms (3 members, 300 keys, ${manifest.size} bytes)`);
    for (const h of lab.hosts) {
      const d = await dump(lab, h.name);
      assert.equal(d.kvs, before.kvs, `every key on ${h.name}`);
      assert.equal(d.leases, before.leases);
    }

    // the credentials: in no output and no file of these runs, in any form
    const runs = join(process.env.ETCDPLAY_HOME || join(homedir(), '.etcdplay'), 'runs');
    const files: string[] = [];
    const walk = (d: string): void => { for (const e of readdirSync(d)) { const p = join(d, e); if (statSync(p).isDirectory()) walk(p); else files.push(p); } };
    for (const r of readdirSync(runs)) if (!runsBefore.has(r)) walk(join(runs, r));
    assert.ok(files.length > 0);
    const texts = [...outputs, ...files.map((f) => readFileSync(f, 'latin1'))];
    for (const s of [keyId, secret]) for (const f of secretForms(s)) for (const t of texts) assert.not.ok(t.includes(f), 'a form of a credential was written');
  } finally {
    if (lab) await labDown(lab.name);
    await server.close();
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
