import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { LocalConnection } from '../../../src/connection/local.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-local-'));
const conn = new LocalConnection('localhost');

test('exec renders argv with quoting and returns rc/stdout/stderr', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'printf "%s|" "$@"; echo err >&2; exit 3', 'sh', 'a b', '$(id)'] });
  assert.is(r.rc, 3);
  assert.is(r.stdout, 'a b|$(id)|');
  assert.is(r.stderr, 'err\n');
});

test('exec feeds stdin, env and cwd, and streams output', async () => {
  const chunks: string[] = [];
  const r = await conn.exec({ kind: 'shell', script: 'cat; echo "$X"; pwd', stdin: 'in\n', env: { X: "y'z" }, cwd: dir }, { onStdout: (c) => chunks.push(c) });
  assert.is(r.rc, 0);
  assert.is(r.stdout, `in\ny'z\n${dir}\n`);
  assert.is(chunks.join(''), r.stdout);
});

test('exec honours the abort signal', async () => {
  const ac = new AbortController();
  const p = conn.exec({ kind: 'exec', argv: ['sleep', '30'] }, { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  try {
    await p;
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.is((e as Error).name, 'AbortError');
  }
});

test('exec times out with rc 124, like the ssh connection', async () => {
  try {
    await conn.exec({ kind: 'exec', argv: ['sleep', '30'] }, { timeoutMs: 200 });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.is((e as { rc?: number }).rc, 124);
    assert.match((e as Error).message, /timed out after 0.2 s/);
  }
});

test('exec with become as root runs directly (no sudo needed)', async () => {
  if (process.getuid?.() !== 0) return;
  const r = await conn.exec({ kind: 'exec', argv: ['id', '-u'] }, { become: { user: 'root', method: 'sudo' } });
  assert.is(r.stdout.trim(), '0');
});

test('exec with become to another user goes through sudo, stdin after sudo let us in', async () => {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/sudo')) return;
  const r = await conn.exec({ kind: 'shell', script: 'id -un; cat', stdin: 'secret-in\n' }, { become: { user: 'nobody', method: 'sudo' } });
  assert.is(r.rc, 0, r.stderr);
  assert.is(r.stdout, 'nobody\nsecret-in\n');
  assert.not.match(r.stderr, /ETCDPLAY/);
});

test('put writes through a temp name, sets mode, returns sha256', async () => {
  const dest = join(dir, 'out.txt');
  const data = Buffer.from('hello world\n'.repeat(1000));
  const progress: number[] = [];
  const out = await conn.put(Readable.from([data]), data.length, dest, { mode: '0640', onProgress: (b) => progress.push(b) });
  assert.is(out.bytes, data.length);
  assert.is(out.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(readFileSync(dest), data);
  assert.is(statSync(dest).mode & 0o777, 0o640);
  assert.is(progress[progress.length - 1], data.length);
  assert.equal(readdirSync(dir).filter((f) => f.includes('etcdplay')), []);
});

test('put with a wrong expected sha256 leaves the destination alone', async () => {
  const dest = join(dir, 'keep.txt');
  writeFileSync(dest, 'old');
  try {
    await conn.put(Readable.from([Buffer.from('new')]), 3, dest, { expectSha256: 'f'.repeat(64) });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.match((e as Error).message, /sha256 mismatch/);
  }
  assert.is(readFileSync(dest, 'utf8'), 'old');
  assert.equal(readdirSync(dir).filter((f) => f.includes('etcdplay')), []);
});

test('put into a missing directory fails cleanly', async () => {
  try {
    await conn.put(Readable.from([Buffer.from('x')]), 1, join(dir, 'nope', 'x'));
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.match((e as Error).message, /writing .*nope\/x failed/);
  }
});

test('get streams a file out and checks its sha256', async () => {
  const src = join(dir, 'src.bin');
  const data = Buffer.alloc(300_000, 7);
  writeFileSync(src, data);
  const chunks: Buffer[] = [];
  const sink = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
  const out = await conn.get(src, sink);
  assert.equal(Buffer.concat(chunks), data);
  assert.is(out.sha256, createHash('sha256').update(data).digest('hex'));
  assert.is(out.bytes, data.length);
});

test('get of a missing file fails with the path', async () => {
  try {
    await conn.get(join(dir, 'missing'), new PassThrough());
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.match((e as Error).message, /cannot read .*missing/);
  }
  assert.not.ok(existsSync(join(dir, 'missing')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
