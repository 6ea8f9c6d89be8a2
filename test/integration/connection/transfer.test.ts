import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { createConnection } from '../../../src/connection/factory.js';
import type { Connection } from '../../../src/connection/connection.js';
import { relay } from '../../../src/connection/relay.js';
import { LocalConnection } from '../../../src/connection/local.js';
import { CommandFailedError } from '../../../src/errors.js';
import { varsFor, tempDir, noSshConfig } from './_helpers.js';

let a: Sshd;
let b: Sshd;
let ca: Connection;
let cb: Connection;
let tmp: ReturnType<typeof tempDir>;
let srcFile: string;
let srcData: Buffer;

const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

test.before(async () => {
  tmp = tempDir();
  a = await startSshd({ address: '127.0.0.51' });
  b = await startSshd({ address: '127.0.0.52' });
  const o = { hostKeyChecking: 'strict' as const, sshConfigFile: noSshConfig(tmp.dir) };
  ca = createConnection('hostA', varsFor(a), o);
  cb = createConnection('hostB', varsFor(b), o);
  srcData = randomBytes(5 * 1024 * 1024 + 123);
  srcFile = join(tmp.dir, 'src.bin');
  writeFileSync(srcFile, srcData);
});

test.after(async () => {
  await ca?.close();
  await cb?.close();
  await a?.stop();
  await b?.stop();
  tmp?.cleanup();
});

function freshDir(name: string): string {
  const d = join(tmp.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A source that yields `total` bytes in 64 KiB chunks, slowly after `slowAfter` bytes. */
function slowSource(total: number, slowAfter: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(65536, total - sent);
      sent += n;
      const chunk = randomBytes(n);
      if (sent > slowAfter) setTimeout(() => this.push(chunk), 50);
      else this.push(chunk);
    },
  });
}

test('put streams a file, verifies sha256 on the far side, leaves no temp file', async () => {
  const dir = freshDir('put1');
  const dest = join(dir, 'data.bin');
  const progress: number[] = [];
  const out = await ca.put(createReadStream(srcFile), srcData.length, dest, { onProgress: (n, total) => { progress.push(n); assert.is(total, srcData.length); } });
  assert.is(out.bytes, srcData.length);
  assert.is(out.sha256, sha(srcData));
  assert.ok(readFileSync(dest).equals(srcData));
  assert.equal(readdirSync(dir), ['data.bin']);
  assert.ok(progress.length > 1 && progress[progress.length - 1] === srcData.length);
  assert.ok(progress.every((n, i) => i === 0 || n >= progress[i - 1]!));
  // New file: mode from the umask (022 -> 0644).
  assert.is(statSync(dest).mode & 0o777, 0o644);
});

test('put replacing a file keeps its mode unless one is given; mode/owner/group applied', async () => {
  const dir = freshDir('put2');
  const dest = join(dir, 'conf');
  writeFileSync(dest, 'old');
  chmodSync(dest, 0o600);
  await ca.put(Readable.from([Buffer.from('new')]), 3, dest);
  assert.is(readFileSync(dest, 'utf8'), 'new');
  assert.is(statSync(dest).mode & 0o777, 0o600);
  await ca.put(Readable.from([Buffer.from('newer')]), 5, dest, { mode: '0755', owner: 'nobody', group: 'nogroup' });
  const st = statSync(dest);
  assert.is(st.mode & 0o777, 0o755);
  assert.is(st.uid, Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))!.split(':')[2]));
  assert.equal(readdirSync(dir), ['conf']);
});

test('an empty file and a name with spaces and quotes', async () => {
  const dir = freshDir("put 3 'q'");
  const dest = join(dir, "a b'c $(x).txt");
  const out = await ca.put(Readable.from([]), 0, dest);
  assert.is(out.bytes, 0);
  assert.is(out.sha256, sha(Buffer.alloc(0)));
  assert.is(readFileSync(dest).length, 0);
  assert.equal(readdirSync(dir), ["a b'c $(x).txt"]);
});

test('put into a missing directory fails cleanly', async () => {
  try {
    await ca.put(Readable.from([Buffer.from('x')]), 1, join(tmp.dir, 'no', 'such', 'dir', 'f'));
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
    assert.match((err as Error).message, /hostA: writing .* failed/);
  }
});

test('put with expectSha256 that does not match: destination untouched, temp removed', async () => {
  const dir = freshDir('put4');
  const dest = join(dir, 'keep');
  writeFileSync(dest, 'original');
  try {
    await ca.put(Readable.from([Buffer.from('replacement')]), 11, dest, { expectSha256: '0'.repeat(64) });
    assert.unreachable('should fail');
  } catch (err) {
    assert.match((err as Error).message, /sha256 mismatch/);
  }
  assert.is(readFileSync(dest, 'utf8'), 'original');
  assert.equal(readdirSync(dir), ['keep']);
});

test('aborting a put mid-stream leaves neither a partial destination nor a temp file', async () => {
  const dir = freshDir('abort-put');
  const dest = join(dir, 'big.bin');
  writeFileSync(dest, 'previous content');
  const ac = new AbortController();
  let seen = 0;
  const p = ca.put(slowSource(64 << 20, 2 << 20), 64 << 20, dest, {
    signal: ac.signal,
    onProgress: (n) => { seen = n; if (n > 3 << 20) ac.abort(); },
  });
  try {
    await p;
    assert.unreachable('should abort');
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  assert.ok(seen > 3 << 20 && seen < 64 << 20, `aborted mid-stream at ${seen}`);
  assert.is(readFileSync(dest, 'utf8'), 'previous content');
  assert.equal(readdirSync(dir), ['big.bin']);
  // And a new destination is not created at all.
  const ac2 = new AbortController();
  const dest2 = join(dir, 'never.bin');
  await ca.put(slowSource(64 << 20, 1 << 20), 64 << 20, dest2, { signal: ac2.signal, onProgress: (n) => { if (n > 2 << 20) ac2.abort(); } }).catch(() => undefined);
  assert.not.ok(existsSync(dest2));
  assert.equal(readdirSync(dir), ['big.bin']);
});

test('a source stream that errors mid-way: put fails, nothing left behind', async () => {
  const dir = freshDir('err-put');
  const dest = join(dir, 'x.bin');
  let n = 0;
  const src = new Readable({
    read() {
      n++;
      if (n === 20) this.destroy(new Error('disk on fire'));
      else this.push(randomBytes(65536));
    },
  });
  try {
    await ca.put(src, 10 << 20, dest);
    assert.unreachable('should fail');
  } catch (err) {
    assert.match((err as Error).message, /disk on fire/);
  }
  assert.equal(readdirSync(dir), []);
});

test('get streams a file into a sink and checks the far side sha256', async () => {
  const local = join(tmp.dir, 'got.bin');
  const progress: [number, number][] = [];
  const out = await ca.get(srcFile, createWriteStream(local), { onProgress: (n, t) => progress.push([n, t]) });
  assert.is(out.bytes, srcData.length);
  assert.is(out.sha256, sha(srcData));
  assert.ok(readFileSync(local).equals(srcData));
  assert.is(progress[progress.length - 1]![0], srcData.length);
  assert.is(progress[progress.length - 1]![1], srcData.length);
});

test('get of a missing file fails with CommandFailedError and does not end the sink normally', async () => {
  let finished = false;
  const sink = new Writable({ write(_c, _e, cb) { cb(); } });
  sink.on('finish', () => { finished = true; });
  try {
    await ca.get(join(tmp.dir, 'missing'), sink);
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
    assert.match((err as Error).message, /reading .*missing failed: .*No such file/);
  }
  assert.not.ok(finished);
});

test('get respects backpressure of a slow sink', async () => {
  let got = 0;
  const hash = createHash('sha256');
  const sink = new Writable({
    highWaterMark: 16384,
    write(c: Buffer, _e, cb) { got += c.length; hash.update(c); setImmediate(cb); },
  });
  const out = await ca.get(srcFile, sink);
  assert.is(got, srcData.length);
  assert.is(hash.digest('hex'), out.sha256);
});

test('relay copies host A -> host B through the workstation, sha256 checked', async () => {
  const dir = freshDir('relay');
  const dest = join(dir, 'copy.bin');
  const out = await relay(ca, srcFile, cb, dest, { mode: '0600' });
  assert.is(out.bytes, srcData.length);
  assert.is(out.sha256, sha(srcData));
  assert.ok(readFileSync(dest).equals(srcData));
  assert.is(statSync(dest).mode & 0o777, 0o600);
  assert.equal(readdirSync(dir), ['copy.bin']);
});

test('relay of a missing source: nothing written on B', async () => {
  const dir = freshDir('relay-missing');
  try {
    await relay(ca, join(tmp.dir, 'missing'), cb, join(dir, 'x'));
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
  }
  assert.equal(readdirSync(dir), []);
});

test('aborting a relay mid-stream leaves nothing at the destination', async () => {
  const big = join(tmp.dir, 'big-src.bin');
  // 48 MiB on host A, made there.
  await ca.exec({ kind: 'exec', argv: ['sh', '-c', 'head -c 50331648 /dev/urandom > "$1"', 'sh', big] });
  const dir = freshDir('relay-abort');
  const dest = join(dir, 'copy.bin');
  const ac = new AbortController();
  try {
    await relay(ca, big, cb, dest, { signal: ac.signal, onProgress: (n) => { if (n > 4 << 20) ac.abort(); } });
    assert.unreachable('should abort');
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  assert.equal(readdirSync(dir), []);
  // Both connections still work.
  assert.is((await ca.exec({ kind: 'exec', argv: ['echo', 'a'] })).stdout, 'a\n');
  assert.is((await cb.exec({ kind: 'exec', argv: ['echo', 'b'] })).stdout, 'b\n');
});

test('put from a PassThrough fed in pieces (stream size unknown up front is fine)', async () => {
  const dir = freshDir('pt');
  const pt = new PassThrough();
  const parts = [randomBytes(1000), randomBytes(70000), randomBytes(5)];
  setTimeout(() => { for (const p of parts) pt.write(p); pt.end(); }, 50);
  const out = await ca.put(pt, 0, join(dir, 'f'));
  assert.is(out.sha256, sha(Buffer.concat(parts)));
});

test('aborting a get mid-stream rejects with AbortError and does not end the sink', async () => {
  const big = join(tmp.dir, 'get-abort-src.bin');
  await ca.exec({ kind: 'exec', argv: ['sh', '-c', 'head -c 33554432 /dev/urandom > "$1"', 'sh', big] });
  const ac = new AbortController();
  let finished = false;
  let got = 0;
  const sink = new Writable({ write(c: Buffer, _e, cb) { got += c.length; setTimeout(cb, 1); } });
  sink.on('finish', () => { finished = true; });
  try {
    await ca.get(big, sink, { signal: ac.signal, onProgress: (n) => { if (n > 1 << 20) ac.abort(); } });
    assert.unreachable('should abort');
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  assert.not.ok(finished);
  assert.ok(got < 32 << 20);
  assert.is((await ca.exec({ kind: 'exec', argv: ['echo', 'ok'] })).stdout, 'ok\n');
});

test('relay from the workstation (LocalConnection) to an ssh host and back', async () => {
  const local = new LocalConnection('localhost');
  const dir = freshDir('relay-local');
  const out = await relay(local, srcFile, cb, join(dir, 'up.bin'));
  assert.is(out.sha256, sha(srcData));
  const back = await relay(cb, join(dir, 'up.bin'), local, join(dir, 'down.bin'));
  assert.is(back.sha256, sha(srcData));
  assert.ok(readFileSync(join(dir, 'down.bin')).equals(srcData));
  assert.equal(readdirSync(dir).sort(), ['down.bin', 'up.bin']);
});

test('put of 512 MiB respects backpressure: memory stays far below the file size', async () => {
  const dir = freshDir('mem');
  const total = 512 << 20;
  let produced = 0;
  const src = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (produced >= total) return void this.push(null);
      produced += 1 << 20;
      this.push(Buffer.allocUnsafe(1 << 20).fill(produced & 0xff));
    },
  });
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - base); }, 10);
  try {
    const out = await ca.put(src, total, join(dir, 'big'), { onProgress: () => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - base); } });
    assert.is(out.bytes, total);
  } finally {
    clearInterval(timer);
    await ca.exec({ kind: 'exec', argv: ['rm', '-f', join(dir, 'big')] });
  }
  assert.ok(peak < 160 << 20, `peak buffer memory ${Math.round(peak / 1048576)} MiB for a 512 MiB file`);
});

test('put of a FileSource (reused buffers): same bytes, progress to the end, far-side sha256', async () => {
  const dir = freshDir('put-file');
  const dest = join(dir, 'data.bin');
  const progress: number[] = [];
  const out = await ca.put({ path: srcFile }, srcData.length, dest, { onProgress: (n) => progress.push(n) });
  assert.is(out.bytes, srcData.length);
  assert.is(out.sha256, sha(srcData));
  assert.equal(readFileSync(dest), srcData);
  assert.is(progress[progress.length - 1], srcData.length);
  // 1 MiB chunks: the 5 MiB + 123 bytes file comes in 6 pieces, in order
  assert.equal(progress, [1, 2, 3, 4, 5].map((k) => k << 20).concat(srcData.length));
  assert.equal(readdirSync(dir), ['data.bin']);
});

test('put of a FileSource against a reference still being computed: a wrong one refuses the file', async () => {
  const dir = freshDir('put-file-ref');
  const dest = join(dir, 'keep.bin');
  writeFileSync(dest, 'original');
  let settle!: (v: string) => void;
  const reference = new Promise<string>((r) => { settle = r; });
  const p = ca.put({ path: srcFile }, srcData.length, dest, { expectSha256: reference });
  setTimeout(() => settle('f'.repeat(64)), 20);
  try {
    await p;
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
    assert.match((err as Error).message, /sha256 mismatch writing .*keep\.bin: expected f{64}, far side has [0-9a-f]{64}/);
  }
  assert.is(readFileSync(dest, 'utf8'), 'original');
  assert.equal(readdirSync(dir), ['keep.bin']);
  // The right reference, given late: accepted.
  const out = await ca.put({ path: srcFile }, srcData.length, dest, { expectSha256: new Promise((r) => setTimeout(() => r(sha(srcData)), 50)) });
  assert.is(out.sha256, sha(srcData));
  assert.equal(readFileSync(dest), srcData);
});

test('put of a FileSource: a reference that fails (the source could not be hashed) refuses the file', async () => {
  const dir = freshDir('put-file-referr');
  const dest = join(dir, 'x.bin');
  try {
    await ca.put({ path: srcFile }, srcData.length, dest, { expectSha256: Promise.reject(new Error('cannot hash the source')) });
    assert.unreachable('should fail');
  } catch (err) {
    assert.match((err as Error).message, /cannot hash the source/);
  }
  assert.equal(readdirSync(dir), []);
});

test('aborting a FileSource put mid-file leaves nothing behind; a missing source file fails cleanly', async () => {
  const dir = freshDir('abort-put-file');
  const big = join(tmp.dir, 'big-src.bin');
  const fd = createWriteStream(big);
  for (let i = 0; i < 64; i++) fd.write(randomBytes(1 << 20));
  await new Promise((r) => fd.end(r));
  const ac = new AbortController();
  const dest = join(dir, 'big.bin');
  try {
    await ca.put({ path: big }, 64 << 20, dest, { signal: ac.signal, onProgress: (n) => { if (n >= 3 << 20) ac.abort(); } });
    assert.unreachable('should abort');
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  assert.equal(readdirSync(dir), []);
  try {
    await ca.put({ path: join(tmp.dir, 'no-such-file') }, 10, dest);
    assert.unreachable('should fail');
  } catch (err) {
    assert.match((err as Error).message, /ENOENT/);
  }
  assert.equal(readdirSync(dir), []);
});

test.run();
