/**
 * docs/downgrade.md "Version paths" and the planner must agree: every row of that table is run
 * through planVersionPath and its documented result asserted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { planVersionPath, type VersionPathInput } from '../../../../src/modules/etcd/version-path.js';

interface Row { line: string; from: string[]; to: string; options: string[]; result: string; method: string; quoted?: string }

/** The rows of the first table after the "### Version paths" heading. */
export function versionPathRows(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === '### Version paths');
  if (start < 0) throw new Error('docs/downgrade.md has no "### Version paths" section');
  const rows: Row[] = [];
  let inTable = false;
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('#')) break;
    if (!l.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'from' || /^-+$/.test(cells[0]!)) continue;
    const [from, to, options, result] = cells as [string, string, string, string];
    const method = /^`([a-z-]+)`/.exec(result)?.[1];
    if (!method) throw new Error(`row without a \`method\` result: ${l}`);
    const row: Row = { line: l, from: from.split(/\s+/), to, options: options ? options.split(',').map((o) => o.trim()) : [], result, method };
    const q = /"([^"]+)"/.exec(result)?.[1];
    if (q) row.quoted = q;
    rows.push(row);
  }
  return rows;
}

function inputOf(row: Row): VersionPathInput {
  const input: VersionPathInput = { current: row.from, target: row.to };
  for (const o of row.options) {
    const [k, v] = o.split('=') as [string, string | undefined];
    if (k === 'prefer') input.prefer = v as 'offline' | 'online';
    else if (k === 'method') input.method = v as VersionPathInput['method'];
    else if (k === 'available') input.available = v!.split(/\s+/);
    else if (k === 'auth') input.authEnabled = true;
    else if (k === 'allow_multi_step') input.allowMultiStep = true;
    else if (k === 'allow_unproven_restore') input.allowUnprovenRestore = true;
    else throw new Error(`unknown option ${o} in: ${row.line}`);
  }
  return input;
}

const doc = readFileSync(resolve(import.meta.dirname, '../../../../docs/downgrade.md'), 'utf8');
const rows = versionPathRows(doc);

test('the table is there and covers the cases that matter', () => {
  assert.ok(rows.length >= 20, `${rows.length} rows`);
  const has = (from: string, to: string, method: string) => rows.some((r) => r.from[0]!.startsWith(from) && r.to.startsWith(to) && r.method === method);
  assert.ok(has('3.5', '3.4', 'snapshot-restore'));
  assert.ok(has('3.4', '3.3', 'snapshot-restore'), '3.4 -> 3.3 is not refused');
  assert.ok(has('3.6', '3.5', 'refused'));
  assert.ok(has('3.6', '3.5', 'downgrade-api'));
});

test('every row of docs/downgrade.md "Version paths" is what the planner answers', () => {
  for (const row of rows) {
    const p = planVersionPath(inputOf(row));
    const got = p.ok ? p.method : 'refused';
    assert.is(got, row.method, `${row.line}\n  planner: ${p.summary}`);
    if (row.quoted) assert.ok(`${p.reason ?? ''} ${p.notes.join(' ')} ${p.summary}`.includes(row.quoted), `${row.line}\n  "${row.quoted}" not in: ${p.summary} ${p.notes.join(' ')}`);
  }
});

test('the parser refuses a row it cannot read', () => {
  assert.throws(() => versionPathRows('### Version paths\n\n| from | to | options | result |\n|---|---|---|---|\n| 3.5.16 | 3.4.23 | | fine |\n'), /without a `method`/);
  assert.throws(() => inputOf({ line: 'x', from: ['3.5.16'], to: '3.4.23', options: ['fast'], result: '', method: 'none' }), /unknown option/);
});

test.run();
