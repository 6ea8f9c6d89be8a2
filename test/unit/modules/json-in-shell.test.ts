/**
 * Issue 13: JSON is parsed in TypeScript (etcd/parse.ts, a step's `then`), never read with sed,
 * awk or grep inside a module's shell. A scan of src/modules for a JSON key in such a command.
 * `grep -a` is allowed: it searches a binary file for strings (v2-data.ts looks for v2 key paths
 * inside a raw .snap file, which is no JSON document etcdctl answered).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSha256 } from '../../../src/modules/etcd/snapshot-distribute.js';

const ROOT = new URL('../../../src/modules/', import.meta.url).pathname;
const files = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? files(join(d, e)) : e.endsWith('.ts') ? [join(d, e)] : []));

test('no sed/awk/grep in src/modules reads a JSON key', () => {
  const bad: string[] = [];
  for (const f of files(ROOT)) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (/\b(sed|awk|grep)\b[^\n]*\\*"[A-Za-z_]+\\*"\s*:/.test(line) && !/\bgrep -a /.test(line)) bad.push(`${f.slice(ROOT.length)}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.equal(bad, []);
});

test("the manifest's sha256 is read in TypeScript, and a bad manifest is named", () => {
  const sha = 'a'.repeat(64);
  assert.is(manifestSha256(JSON.stringify({ file: '/b/s.db', sha256: sha, revision: 3 }), '/b/s.db'), sha);
  assert.throws(() => manifestSha256('not json', '/b/s.db'), /\/b\/s\.db\.json is not a snapshot manifest/);
  assert.throws(() => manifestSha256('{"sha256":"xyz"}', '/b/s.db'), /records no sha256/);
});

test.run();
