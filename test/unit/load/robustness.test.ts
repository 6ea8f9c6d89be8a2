/**
 * The loaders never throw, whatever the input: mutated versions of the good fixtures (lines
 * dropped, duplicated, re-indented, characters flipped) must give diagnostics with sane
 * positions, or load. Deterministic (fixed seed).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlaybook } from '../../../src/load/playbook.js';
import { parseInventory } from '../../../src/load/inventory.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import type { Diagnostic } from '../../../src/model/source.js';
import { fakeModules } from './fake-modules.js';
import { matchHosts, splitPattern } from '../../../src/load/pattern.js';
import { expandHostRange } from '../../../src/load/ranges.js';
import { iniValue } from '../../../src/load/pyliteral.js';
import { splitKeyValueArgs } from '../../../src/load/kv.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const JUNK = [':', '-', ' ', '  ', '\t', '[', ']', '{', '}', '"', "'", '#', '=', '*', '&', '!', '|', '>', '%', '@', '`', '\\', ',', 'yes', '0644', '{{', '}}', '\n'];

function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * lines.length);
    const op = Math.floor(r() * 5);
    const line = lines[i] ?? '';
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, line);
    else if (op === 2) lines[i] = (r() < 0.5 ? ' ' : '') + line.replace(/^ {1,2}/, r() < 0.5 ? '' : '    ');
    else {
      const at = Math.floor(r() * (line.length + 1));
      const junk = JUNK[Math.floor(r() * JUNK.length)]!;
      lines[i] = op === 3 ? line.slice(0, at) + junk + line.slice(at) : line.slice(0, at) + line.slice(at + 1);
    }
  }
  return lines.join('\n');
}

function checkPositions(ds: Diagnostic[], file: string, text: string): void {
  const lines = text.split('\n').length;
  for (const d of ds) {
    assert.is(d.pos.file, file);
    assert.ok(d.pos.line >= 1 && d.pos.line <= lines + 1, `line ${d.pos.line} of ${lines}: ${d.message}`);
    assert.ok(d.pos.col >= 1, `col ${d.pos.col}`);
    assert.ok(d.message.length > 0 && !d.message.includes('undefined'), d.message);
    assert.is.not(d.code, 'internal-error', `${d.message}\n--- input:\n${text}`);
  }
  formatDiagnostics(ds, { color: true });
}

const PLAYBOOKS = ['full.yml', 'anchors.yml', 'minimal.yml'].map((f) => readFileSync(join('test/corpus/good', f), 'utf8'));
const INVENTORIES = [
  ['inv-ranges.ini', readFileSync('test/corpus/good/inv-ranges.ini', 'utf8')],
  ['kubespray.ini', readFileSync('inventories/kubespray-style.ini', 'utf8')],
  ['inv-lab.yml', readFileSync('test/corpus/good/inv-lab.yml', 'utf8')],
] as const;

test('mutated playbooks: no exception, sane positions', () => {
  const r = rng(Number(process.env.SEED ?? 20261121));
  let withErrors = 0;
  for (let i = 0; i < Number(process.env.N ?? 400); i++) {
    const text = mutate(PLAYBOOKS[i % PLAYBOOKS.length]!, r);
    let res;
    try {
      res = parsePlaybook(text, 'm.yml', { modules: fakeModules });
    } catch (e) {
      assert.unreachable(`threw on:\n${text}\n${(e as Error).stack}`);
      return;
    }
    checkPositions(res.diagnostics, 'm.yml', text);
    if (!res.playbook) withErrors++;
    else assert.ok(res.diagnostics.every((d) => d.severity === 'warning'));
  }
  assert.ok(withErrors > 50, `only ${withErrors} mutations were rejected`);
});

test('mutated inventories: no exception, sane positions', () => {
  const r = rng(Number(process.env.SEED ?? 7));
  for (let i = 0; i < Number(process.env.N ?? 400); i++) {
    const [name, src] = INVENTORIES[i % INVENTORIES.length]!;
    const text = mutate(src, r);
    let res;
    try {
      res = parseInventory(text, name);
    } catch (e) {
      assert.unreachable(`threw on:\n${text}\n${(e as Error).stack}`);
      return;
    }
    checkPositions(res.diagnostics, name, text);
    assert.ok(res.inventory.groups.has('all') && res.inventory.groups.has('ungrouped'));
  }
});

test('random strings: patterns, ranges, python literals, key=value never throw', () => {
  const r = rng(99);
  const alphabet = 'ab1:&!,*?[]~()^$.-_= \'"\\{}#%';
  const { inventory } = parseInventory(INVENTORIES[1]![1], 'k.ini');
  for (let i = 0; i < 3000; i++) {
    let t = '';
    const len = Math.floor(r() * 16);
    for (let k = 0; k < len; k++) t += alphabet[Math.floor(r() * alphabet.length)];
    const m = matchHosts(inventory, t);
    assert.ok(Array.isArray(m.hosts) && Array.isArray(m.unmatched));
    const e = expandHostRange(t);
    assert.ok(e.error !== undefined || e.names.length >= 1);
    iniValue(t);
    splitKeyValueArgs(t);
    splitPattern(t);
  }
});

test('non-YAML and odd inputs', () => {
  for (const text of ['', '\n\n', '---\n', '...\n', 'null', '42', '"x"', '[]', '{}', '- null', '- []', '- - - a', '- hosts:', '- hosts: a\n  tasks: [[]]', '- {hosts: a, tasks: [{block: [{block: [{}]}]}]}', '\u0000', '- hosts: a\n  tasks:\n    - *nope\n', '- &a [*a]']) {
    const res = parsePlaybook(text, 'x.yml', { modules: fakeModules });
    checkPositions(res.diagnostics, 'x.yml', text);
    const inv = parseInventory(text, 'x.yml');
    checkPositions(inv.diagnostics, 'x.yml', text);
    const ini = parseInventory(text, 'x.ini');
    checkPositions(ini.diagnostics, 'x.ini', text);
  }
});

test.run();
