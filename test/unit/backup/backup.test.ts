/** src/backup: SigV4 (the published S3 GET example), s3:// URLs, credentials (secrets registered), retention. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_SHA256, signRequest, uriEncode } from '../../../src/backup/sigv4.js';
import { credentialsOf, keyUnder, parseS3Url } from '../../../src/backup/target.js';
import { keepNewest, toRemove } from '../../../src/backup/keep.js';
import { parseManifest } from '../../../src/backup/local.js';
import { judgeSnapshot } from '../../../src/modules/etcd/snapshot-check.js';
import { isSecretName, secretsInEnv, SECRET_VARS } from '../../../src/template/secret.js';

test('SigV4: the GET Object example of the S3 documentation', () => {
  const h = signRequest({
    method: 'GET',
    url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
    headers: { Range: 'bytes=0-9' },
    payloadHash: EMPTY_SHA256,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    now: new Date('2013-05-24T00:00:00Z'),
  });
  assert.is(h.authorization, 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  assert.not.ok(JSON.stringify(h).includes('wJalrXUtnFEMI'), 'the secret is never in a header');
});

test('SigV4: a session token is sent and signed', () => {
  const h = signRequest({ method: 'HEAD', url: new URL('http://127.0.0.1:9000/b/k'), headers: {}, payloadHash: EMPTY_SHA256, region: 'r', credentials: { accessKeyId: 'id', secretAccessKey: 's', sessionToken: 'tok' }, now: new Date(0) });
  assert.is(h['x-amz-security-token'], 'tok');
  assert.match(h.authorization!, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  assert.is(uriEncode('a b/c~d*', true), 'a%20b/c~d%2A');
});

test('s3:// URLs', () => {
  assert.equal(parseS3Url('s3://my-bucket/etcd/prod/x.db'), { bucket: 'my-bucket', key: 'etcd/prod/x.db' });
  assert.equal(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', key: '' });
  assert.throws(() => parseS3Url('s3://B/x'), /not an S3 URL/);
  assert.throws(() => parseS3Url('https://b/x'), /not an S3 URL/);
  assert.throws(() => parseS3Url('s3://bucket/a/../b'), /\.\./);
  assert.is(keyUnder('etcd/prod/', 'x.db'), 'etcd/prod/x.db');
  assert.is(keyUnder('etcd/prod', 'x.db'), 'etcd/prod/x.db');
  assert.is(keyUnder('', 'x.db'), 'x.db');
});

test('credentials: variables first, else the environment; every value registered as a secret first', () => {
  const seen: string[] = [];
  const c = credentialsOf({ aws_access_key_id: 'AKIAVAR', aws_secret_access_key: 'var-secret' }, { AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' }, (s) => seen.push(s));
  assert.equal(c, { accessKeyId: 'AKIAVAR', secretAccessKey: 'var-secret', sessionToken: 'env-token' });
  assert.equal(seen.sort(), ['AKIAVAR', 'env-token', 'var-secret']);
  assert.throws(() => credentialsOf({}, {}, () => undefined), /no S3 credentials: set the variables aws_access_key_id/);
  for (const n of ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']) assert.ok(SECRET_VARS.includes(n), n);
  for (const n of ['backup_s3_secret_key', 'my_access_key', 'minio_secret_access_key', 'aws_access_key_id']) assert.ok(isSecretName(n), n);
  assert.not.ok(isSecretName('etcd_key_file'));
  assert.equal(secretsInEnv({ AWS_SECRET_ACCESS_KEY: 'x', PATH: '/bin' }).map(([k]) => k), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
});

const manifest = (createdAt: string) => JSON.stringify({ format: 'etcdplay-snapshot/1', sha256: 'a'.repeat(64), size: 1, revision: 5, createdAt });

test('retention: the newest N complete backups, never a protected one, nothing else touched', async () => {
  assert.equal(toRemove([{ file: 'a', createdAt: '1' }, { file: 'b', createdAt: '3' }, { file: 'c', createdAt: '2' }], 2, []).map((b) => b.file), ['a']);
  assert.equal(toRemove([{ file: 'a', createdAt: '1' }], 0, []), []);
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-keep-'));
  try {
    for (const [n, t] of [['s1', '20250101T000000Z'], ['s2', '20250102T000000Z'], ['s3', '20250103T000000Z'], ['s4', '20250104T000000Z']]) {
      writeFileSync(join(dir, `${n}.db`), 'x');
      writeFileSync(join(dir, `${n}.db.json`), manifest(t!));
    }
    writeFileSync(join(dir, 'orphan.db'), 'x'); // no manifest: not a backup, never touched
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const removed = await keepNewest(dir, 2, [join(dir, 's1.db')]);
    assert.equal(removed.map((f) => f.slice(dir.length + 1)), ['s2.db']);
    assert.equal(readdirSync(dir).sort(), ['notes.txt', 'orphan.db', 's1.db', 's1.db.json', 's3.db', 's3.db.json', 's4.db', 's4.db.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('manifest: checked for the fields a backup relies on', () => {
  assert.is(parseManifest(manifest('t'), 'm').revision, 5);
  assert.throws(() => parseManifest('{"format":"x"}', 'M.json'), /M.json is not an etcdplay snapshot manifest/);
  assert.throws(() => parseManifest('nope', 'M.json'), /M.json is not JSON/);
});

test('snapshot check: against its manifest, then refuses an older snapshot over a newer live cluster unless allowed', () => {
  const m = { format: 'etcdplay-snapshot/1', sha256: 'a'.repeat(64), size: 10, revision: 100, createdAt: '20250101T000000Z', sourceEndpoint: 'http://e1:2379', status: { hash: 7, revision: 100, totalKey: 3 } };
  const st = { hash: 7, revision: 100, totalKey: 3, totalSize: 10 };
  assert.match(judgeSnapshot('/s.db', m, 'b'.repeat(64), st, undefined, false).msg, /sha256 of \/s.db is b+, its manifest says a+: a damaged copy/);
  assert.match(judgeSnapshot('/s.db', m, m.sha256, { ...st, totalKey: 4 }, undefined, false).msg, /does not match its manifest: totalKey 4 \(manifest 3\)/);
  const noLive = judgeSnapshot('/s.db', m, m.sha256, st, undefined, false);
  assert.ok(noLive.ok);
  assert.match(noLive.msg, /did not answer/);
  assert.ok(judgeSnapshot('/s.db', m, m.sha256, st, 100, false).ok);
  const older = judgeSnapshot('/s.db', m, m.sha256, st, 130, false);
  assert.not.ok(older.ok);
  assert.match(older.msg, /^refusing to restore an older snapshot: snapshot revision 100 \(taken 20250101T000000Z from http:\/\/e1:2379\); the live cluster is at revision 130, 30 revision\(s\) newer.*etcd_restore_allow_older=true/);
  const allowed = judgeSnapshot('/s.db', m, m.sha256, st, 130, true);
  assert.ok(allowed.ok && allowed.older);
  assert.match(allowed.msg, /^WARNING: /);
});

test.run();
