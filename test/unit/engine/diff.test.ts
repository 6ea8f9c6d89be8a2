import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unifiedDiff, isProbablyText } from '../../../src/engine/diff.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-diff-'));

function applyWithPatch(before: string, diff: string): string {
  const f = join(dir, 'f.txt');
  writeFileSync(f, before);
  writeFileSync(join(dir, 'd.patch'), diff);
  execFileSync('patch', ['-s', f, join(dir, 'd.patch')]);
  return execFileSync('cat', [f]).toString();
}

test('identical texts give no diff', () => {
  assert.is(unifiedDiff('a\nb\n', 'a\nb\n'), '');
});

test('hunks have diff -u headers and context', () => {
  const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n';
  const b = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk\nl\n';
  const d = unifiedDiff(a, b, { fromFile: 'x', toFile: 'y' });
  assert.ok(d.startsWith('--- x\n+++ y\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n'));
  assert.match(d, /@@ -7,5 \+7,6 @@\n g\n h\n i\n-j\n\+J\n k\n\+l\n/);
});

test('patch(1) turns before into after', () => {
  if (!existsPatch()) return;
  const cases: [string, string][] = [
    ['', 'new\nfile\n'],
    ['x\ny\nz\n', ''],
    ['ETCD_NAME=etcd1\nETCD_DATA_DIR=/var/lib/etcd\nETCD_LISTEN=1\n', 'ETCD_NAME=etcd1\nETCD_DATA_DIR=/srv/etcd\nETCD_LISTEN=1\nETCD_NEW=2\n'],
    [Array.from({ length: 50 }, (_, i) => `l${i}`).join('\n') + '\n', Array.from({ length: 50 }, (_, i) => (i % 7 === 0 ? `L${i}` : `l${i}`)).join('\n') + '\n'],
  ];
  for (const [a, b] of cases) assert.is(applyWithPatch(a, unifiedDiff(a, b)), b);
});

test('binary detection', () => {
  assert.ok(isProbablyText(Buffer.from('hello\n')));
  assert.not.ok(isProbablyText(Buffer.from([1, 0, 2])));
});

function existsPatch(): boolean {
  try {
    execFileSync('patch', ['--version']);
    return true;
  } catch {
    return false;
  }
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
