import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachSourceLines, diag, didYouMean, editDistance, formatDiagnostics, nearest, sortDiagnostics } from '../../../src/load/diagnostics.js';

test('editDistance counts transpositions as one edit', () => {
  assert.is(editDistance('register', 'regsiter'), 1);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('same', 'same'), 0);
});

test('nearest and didYouMean', () => {
  const names = ['command', 'shell', 'copy', 'service', 'ansible.builtin.command', 'etcd_snapshot_save'];
  assert.equal(nearest('comand', names), ['command', 'ansible.builtin.command']);
  assert.equal(nearest('ansible.builtin.comand', names)[0], 'ansible.builtin.command');
  assert.equal(nearest('snapshot_save', names), ['etcd_snapshot_save']);
  assert.equal(nearest('zzzzzz', names), []);
  assert.is(didYouMean('shel', names), "did you mean 'shell'?");
  assert.is(didYouMean('cop', ['copy', 'cp', 'cop1']), "did you mean 'cp', 'cop1' or 'copy'?");
  assert.is(didYouMean('qqq', names), undefined);
});

test('formatDiagnostics: header, source line, caret under the column (tabs kept), hint', () => {
  const lines = ['- hosts: a', '\tbecome: yes'];
  const d = diag('bad-type', { file: 'pb.yml', line: 2, col: 10 }, "'become' must be a boolean", { lines, hint: 'write true' });
  assert.is(formatDiagnostics([d]), "pb.yml:2:10: error: 'become' must be a boolean\n    \tbecome: yes\n    \t        ^\n  hint: write true\n");
  const w = diag('x', { file: 'f', line: 1, col: 1 }, 'careful', { severity: 'warning' });
  assert.is(formatDiagnostics([w]), 'f:1:1: warning: careful\n');
  assert.is(formatDiagnostics([]), '');
});

test('colour only when asked', () => {
  const d = diag('x', { file: 'f', line: 1, col: 1 }, 'm', { lines: ['abc'] });
  assert.not.match(formatDiagnostics([d], { color: false }), /\x1b\[/);
  assert.match(formatDiagnostics([d], { color: true }), /\x1b\[/);
});

test('sortDiagnostics orders by file, line, column and drops duplicates', () => {
  const a = diag('a', { file: 'b', line: 1, col: 1 }, 'm');
  const b = diag('a', { file: 'a', line: 2, col: 1 }, 'm');
  const c = diag('a', { file: 'a', line: 1, col: 5 }, 'm');
  assert.equal(sortDiagnostics([a, b, c, { ...c }]), [c, b, a]);
});

test('attachSourceLines fills only missing lines', () => {
  const d1 = diag('a', { file: 'f', line: 2, col: 1 }, 'm');
  const d2 = diag('a', { file: 'f', line: 1, col: 1 }, 'm', { lines: ['kept'] });
  attachSourceLines([d1, d2], () => 'one\r\ntwo\n');
  assert.is(d1.sourceLine, 'two');
  assert.is(d2.sourceLine, 'kept');
});

test.run();
