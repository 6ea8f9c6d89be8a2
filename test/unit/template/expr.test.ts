import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evalCondition, evalExpression, expressionVars } from '../../../src/template/expr.js';
import { compareVersions } from '../../../src/template/tests.js';
import { ExpressionError, UndefinedVariableError } from '../../../src/template/errors.js';

const v = {
  n: 3,
  s: 'Etcd ',
  yes: 'yes',
  no: 'false',
  l: [1, 2, 'x'],
  m: { a: { b: 'c' }, k: 1 },
  ver: '3.4.23-4+b4',
  snap: { changed: true, failed: false, rc: 0, stdout: 'ok', skipped: false },
  bad: { failed: true, changed: false },
  group_names: ['etcd', 'masters'],
};

test('literals and comparisons', () => {
  assert.is(evalCondition('1 == 1', v), true);
  assert.is(evalCondition("'a' != 'b'", v), true);
  assert.is(evalCondition('n > 2 and n <= 3', v), true);
  assert.is(evalCondition('n < 2 or n >= 4', v), false);
  assert.is(evalCondition('not (n == 3)', v), false);
  assert.is(evalCondition('True', v), true);
  assert.is(evalCondition('none == None', v), true);
  assert.is(evalExpression('n + 1', v), 4);
  assert.is(evalExpression("'a' ~ n", v), 'a3');
});

test('variables with . and [..]', () => {
  assert.is(evalExpression('m.a.b', v), 'c');
  assert.is(evalExpression("m['a']['b']", v), 'c');
  assert.is(evalExpression('l[2]', v), 'x');
  assert.is(evalExpression('l[-1]', v), 'x');
  assert.is(evalExpression('snap.stdout', v), 'ok');
});

test('in / not in over lists, strings, mappings', () => {
  assert.is(evalCondition("'etcd' in group_names", v), true);
  assert.is(evalCondition("'db' not in group_names", v), true);
  assert.is(evalCondition("'tc' in s", v), true);
  assert.is(evalCondition("'k' in m", v), true);
  assert.is(evalCondition('2 in [1, 2, 3]', v), true);
});

test('is defined / undefined; undefined variables are errors otherwise', () => {
  assert.is(evalCondition('zzz is defined', v), false);
  assert.is(evalCondition('zzz is undefined', v), true);
  assert.is(evalCondition('zzz is not defined', v), true);
  assert.is(evalCondition('m.nope is defined', v), false);
  assert.is(evalCondition('zzz.deeper is defined', v), false);
  assert.throws(() => evalCondition('zzz == 1', v), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'zzz');
  assert.throws(() => evalCondition('m.nope == 1', v), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'm.nope');
  assert.is(evalCondition("zzz | default('x') == 'x'", v), true);
  assert.is(evalCondition('zzz is defined and zzz > 1', v), false, 'and short-circuits');
});

test('result tests', () => {
  assert.is(evalCondition('snap is succeeded', v), true);
  assert.is(evalCondition('snap is changed', v), true);
  assert.is(evalCondition('snap is failed', v), false);
  assert.is(evalCondition('bad is failed', v), true);
  assert.is(evalCondition('snap is skipped', v), false);
  assert.is(evalCondition('snap is not skipped', v), true);
});

test('filters', () => {
  assert.is(evalExpression('l | length', v), 3);
  assert.is(evalExpression("'12' | int", v), 12);
  assert.is(evalExpression('yes | bool', v), true);
  assert.is(evalExpression('no | bool', v), false);
  assert.is(evalExpression('n | string', v), '3');
  assert.is(evalExpression('s | lower | trim', v), 'etcd');
  assert.is(evalCondition("s | trim | lower == 'etcd'", v), true);
});

test('version tests', () => {
  assert.is(evalCondition("ver is version('3.5.0', '<')", v), true);
  assert.is(evalCondition("ver is version('3.4.23', '>=')", v), true);
  assert.is(evalCondition("'3.5.16' is version('3.5.16', '==')", v), true);
  assert.is(evalCondition("'3.10.0' is version('3.9.9', 'gt')", v), true);
  assert.ok(compareVersions('3.4.23-4+b4', '3.4.23-4') > 0);
});

test('bare string variables count like | bool', () => {
  assert.is(evalCondition('no', v), false);
  assert.is(evalCondition('yes', v), true);
  assert.is(evalCondition('{{ n == 3 }}', v), true, 'surrounding {{ }} tolerated');
});

test('syntax errors name the column', () => {
  const err = (src: string) => { try { evalCondition(src, v); } catch (e) { return e as Error; } throw new Error('no error'); };
  let e = err('n ==');
  assert.instance(e, ExpressionError);
  assert.match(e.message, /at column 5/);
  e = err('n === 1');
  assert.match(e.message, /expected a value but found '=' at column 5/);
  e = err('n | nosuchfilter');
  assert.match(e.message, /unknown filter 'nosuchfilter'.*column 5/);
  e = err("'abc");
  assert.match(e.message, /unterminated string at column 1/);
  e = err('(n == 1');
  assert.match(e.message, /expected '\)'/);
  e = err('n is nosuchtest');
  assert.match(e.message, /unknown test/);
});

test('no code execution: constructor / __proto__ are just missing variables', () => {
  assert.throws(() => evalExpression('constructor', {}), (e: unknown) => e instanceof UndefinedVariableError);
  assert.is(evalCondition('m.__proto__ is defined', v), false);
  assert.is(evalCondition('m.constructor is defined', v), false);
  assert.is(evalCondition('l.length is defined', v), false, 'use | length');
});

test('expressionVars lists root names', () => {
  assert.equal(expressionVars("snap.rc == 0 and 'x' in group_names and other | default(1)").sort(), ['group_names', 'other', 'snap']);
});

test("Ansible's other tests: all/any, truthy/falsy, reachable, started/finished, path and set aliases", () => {
  const v = { l: [1, 'x', true], m: [1, 0], r: { changed: false }, job: { started: 1, finished: 0 }, u: { unreachable: true } };
  assert.is(evalCondition('l is all', v), true);
  assert.is(evalCondition('m is all', v), false);
  assert.is(evalCondition('m is any', v), true);
  assert.is(evalCondition("'' is falsy and 'a' is truthy", v), true);
  assert.is(evalCondition('r is reachable and u is unreachable and r is successful', v), true);
  assert.is(evalCondition('r is finished and r is started', v), true);
  assert.is(evalCondition('job is started and job is not finished', v), true);
  assert.is(evalCondition("'/etc' is is_dir and '/etc/hostname' is is_file and '/etc' is is_abs and 'etc' is not is_abs", v), true);
  assert.is(evalCondition('[1] is issubset([1, 2]) and [1, 2] is issuperset([2])', v), true);
});

test.run();
