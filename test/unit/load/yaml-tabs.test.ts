/**
 * Issue 14 point 6: a tab starting a continuation line of a quoted scalar, which PyYAML (so
 * Ansible) accepts and the yaml package refuses. The values are PyYAML's (recorded with
 * python3 -c 'import yaml; print(yaml.safe_load(...))').
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseYamlSource } from '../../../src/load/yamlsrc.js';

const CASES: [string, unknown][] = [
  ['a:\n  b: "x\n\ty\\tz\n\t\tw"\n', { a: { b: 'x y\tz w' } }],
  ['- a:\n    b: "x\n\ty"\n', [{ a: { b: 'x y' } }]],
  ['a:\n  b: "x \\\n\ty"\n', { a: { b: 'x y' } }],
  ["a:\n  b: 'it''s\n\ty'\n", { a: { b: "it's y" } }],
  ['a:\n  b: "q\\"x\n   y\n\tz"\n  c: 1\n', { a: { b: 'q"x y z', c: 1 } }],
  ['- a: "one\n\ttwo"\n- b: "three\n\t\tfour"\n', [{ a: 'one two' }, { b: 'three four' }]],
];

test("tabs starting a quoted scalar's continuation lines: PyYAML's values, no diagnostics", () => {
  for (const [text, want] of CASES) {
    const s = parseYamlSource(text, 'f.yml');
    assert.equal(s.diagnostics, [], text);
    assert.equal(s.doc.toJS(), want, text);
  }
});

test('a quote that is never closed is still an error, where it is', () => {
  const s = parseYamlSource('a: "unclosed\n\tb\n', 'f.yml');
  assert.equal(s.diagnostics.map((d) => [d.message, d.pos.line]), [['YAML: missing closing "quote', 1]]);
});

test('tabs as block indentation are still refused', () => {
  const s = parseYamlSource('a:\n\tb: 1\n', 'f.yml');
  assert.ok(s.diagnostics.some((d) => /tabs/.test(d.message)), JSON.stringify(s.diagnostics));
});

test.run();
