import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFileSource, pumpFile } from '../../../src/connection/fileread.js';
import { Readable } from 'node:stream';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-fileread-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, size: number): { path: string; data: Buffer } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  const path = join(dir, name);
  writeFileSync(path, data);
  return { path, data };
}

test('chunks arrive in order and add up to the file, for sizes around the chunk size', async () => {
  for (const size of [0, 1, 4095, 4096, 4097, 3 * 4096, 10_000]) {
    const f = file(`f${size}`, size);
    const copies: Buffer[] = [];
    const n = await pumpFile(f.path, (c) => { copies.push(Buffer.from(c)); }, undefined, 4096);
    assert.is(n, size);
    assert.ok(copies.every((c) => c.length > 0 && c.length <= 4096));
    assert.equal(Buffer.concat(copies), f.data, `size ${size}`);
  }
});

test('buffers are reused: a chunk is not overwritten before its consumer resolves', async () => {
  const f = file('reuse', 8 * 4096);
  const seen = new Set<ArrayBufferLike>();
  const out: Buffer[] = [];
  await pumpFile(f.path, async (c) => {
    seen.add(c.buffer);
    const before = Buffer.from(c);
    await new Promise((r) => setTimeout(r, 2));
    assert.equal(c, before, 'chunk changed while its consumer was still busy');
    out.push(before);
  }, undefined, 4096);
  assert.ok(seen.size <= 2, `${seen.size} distinct buffers`);
  assert.equal(Buffer.concat(out), f.data);
});

test('a consumer that fails, an abort, a missing file: rejected, the file closed', async () => {
  const f = file('fail', 5 * 4096);
  let calls = 0;
  await pumpFile(f.path, async () => { if (++calls === 2) throw new Error('sink broke'); }, undefined, 4096).then(
    () => assert.unreachable('should fail'),
    (e: Error) => assert.is(e.message, 'sink broke'),
  );
  const ac = new AbortController();
  await pumpFile(f.path, () => { ac.abort(); }, ac.signal, 4096).then(
    () => assert.unreachable('should abort'),
    (e: Error) => assert.is(e.name, 'AbortError'),
  );
  await pumpFile(join(dir, 'missing'), () => undefined).then(
    () => assert.unreachable('should fail'),
    (e: NodeJS.ErrnoException) => assert.is(e.code, 'ENOENT'),
  );
});

test('isFileSource: a { path } object, not a stream', () => {
  assert.ok(isFileSource({ path: '/x' }));
  assert.not.ok(isFileSource(Readable.from([])));
  assert.not.ok(isFileSource(null));
  assert.not.ok(isFileSource({ path: 3 }));
});

test.run();
