import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkValue } from '../../../src/plan/argcheck.js';
import { getModule, listModules } from '../../../src/modules/registry.js';
import { checkRenderedArgs } from '../../../src/plan/task.js';

test('coerces template results to the schema types', () => {
  const s = { type: 'object', properties: { port: { type: 'integer' }, flag: { type: 'boolean' }, name: { type: 'string' } }, additionalProperties: false };
  assert.equal(checkValue(s, { port: '2379', flag: 'yes', name: 5 }), [{ port: 2379, flag: true, name: '5' }, []]);
  const [, ps] = checkValue(s, { port: 'http', other: 1 });
  assert.equal(ps.map((p) => `${p.path}: ${p.message}`), ['port: must be integer, got string "http"', "(args): has no argument 'other'"]);
});

test('enum, pattern, minimum, items, oneOf required alternatives, not', () => {
  const pkg = getModule('package')!;
  assert.equal(checkRenderedArgs(pkg, { name: ['a', 'b'], state: 'present', allow_downgrade: 'true' }), { name: ['a', 'b'], state: 'present', allow_downgrade: true });
  assert.throws(() => checkRenderedArgs(pkg, { name: 'a', state: 'gone' }), /argument 'state' must be one of "present", "absent", "latest"/);
  assert.throws(() => checkRenderedArgs(getModule('copy')!, { dest: '/x' }), /exactly one of src, content is required/);
  assert.throws(() => checkRenderedArgs(getModule('wait_for')!, { port: 70000 }), /must be <= 65535/);
  assert.throws(() => checkRenderedArgs(getModule('debug')!, { msg: 'a', var: 'b' }), /must not have all of msg, var/);
  assert.throws(() => checkRenderedArgs(getModule('service')!, { name: 'a b', state: 'started' }), /argument 'name' must match/);
});

test('every registered module accepts its own documented example args shape (smoke: no crash on its schema)', () => {
  for (const m of listModules()) {
    const [, ps] = checkValue(m.argsSchema, {});
    assert.ok(Array.isArray(ps), m.name);
  }
});

test.run();
