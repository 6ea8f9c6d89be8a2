/**
 * The bad-input corpus (test/corpus/bad/): every file's diagnostics are pinned exactly by its
 * sibling .expected file (line, column, severity, message, hint). The good fixtures
 * (test/corpus/good/) must load with zero diagnostics against the real module registry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BAD_DIR, GOOD_DIR, corpusFiles, diagnose, isInventory, renderExpected } from '../../corpus/corpus.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';

const bad = corpusFiles(BAD_DIR);

test('the corpus has at least 35 bad inputs, playbooks and inventories', () => {
  assert.ok(bad.length >= 35, `only ${bad.length} bad inputs`);
  assert.ok(bad.filter(isInventory).length >= 10);
  assert.ok(bad.filter((f) => !isInventory(f)).length >= 25);
});

for (const file of bad) {
  test(`bad: ${file}`, () => {
    const expectedFile = `${file}.expected`;
    assert.ok(existsSync(expectedFile), `missing ${expectedFile}`);
    const ds = diagnose(file);
    assert.ok(ds.length > 0, 'a bad input must produce at least one diagnostic');
    assert.is(renderExpected(ds), readFileSync(expectedFile, 'utf8'));
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const d of ds) {
      assert.is(d.pos.file, file);
      assert.ok(d.pos.line >= 1 && d.pos.line <= lines.length, `line ${d.pos.line} out of range`);
      assert.is(d.sourceLine, lines[d.pos.line - 1], 'the diagnostic carries its source line');
      assert.ok(d.code.length > 0);
    }
    // Every bad input except warning-only ones has an error.
    const expectedText = readFileSync(expectedFile, 'utf8');
    assert.is(ds.some((d) => d.severity === 'error'), /: error: /.test(expectedText));
  });
}

test('bad: formatted output has file:line:col, source line, caret and hint', () => {
  const file = join(BAD_DIR, 'enum-arg.yml');
  const out = formatDiagnostics(diagnose(file));
  assert.is(out.split('\n').slice(0, 4).join('\n'), [
    `${file}:3:26: error: argument 'state' of module 'service' must be one of: started, stopped, restarted, reloaded`,
    '        - service: name=etcd state=stoped',
    '                             ^',
    "  hint: did you mean 'stopped'?",
  ].join('\n'));
});

const good = corpusFiles(GOOD_DIR).filter((f) => f.endsWith('.yml') || f.endsWith('.ini') || !f.includes('.'));

test('good playbooks load with zero diagnostics (real module registry)', () => {
  const playbooks = good.filter((f) => f.endsWith('.yml') && !isInventory(f));
  assert.ok(playbooks.length >= 3);
  for (const f of playbooks) {
    const r = loadPlaybook(f);
    assert.equal(r.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`), [], f);
    assert.ok(r.playbook, f);
  }
});

test('good inventories load with zero diagnostics, alone and together', () => {
  const invs = [...good.filter(isInventory), join(GOOD_DIR, 'inv-dir'), join('inventories', 'kubespray-style.ini')];
  for (const f of invs) assert.equal(loadInventory([f]).diagnostics, [], f);
  const all = loadInventory(invs);
  assert.equal(all.diagnostics, []);
  assert.ok(all.inventory.hosts.size > 20);
});

test.run();
