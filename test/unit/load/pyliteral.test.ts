import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { iniValue, parsePyLiteral } from '../../../src/load/pyliteral.js';

test('numbers like Python literals', () => {
  assert.is(iniValue('22'), 22);
  assert.is(iniValue('-3'), -3);
  assert.is(iniValue('1.5'), 1.5);
  assert.is(iniValue('1e3'), 1000);
  assert.is(iniValue('0x1f'), 31);
  assert.is(iniValue('0o17'), 15);
  assert.is(iniValue('0b101'), 5);
  assert.is(iniValue('1_000'), 1000);
  assert.is(iniValue('0'), 0);
  // Leading zeros are not a Python int: the text stays a string (file modes, versions).
  assert.is(iniValue('0644'), '0644');
  assert.is(iniValue('3.5.16'), '3.5.16');
  assert.is(iniValue('127.0.1.11'), '127.0.1.11');
  assert.is(iniValue('1a'), '1a');
});

test('booleans and None', () => {
  assert.is(iniValue('True'), true);
  assert.is(iniValue('False'), false);
  assert.is(iniValue('true'), true);
  assert.is(iniValue('false'), false);
  assert.is(iniValue('None'), null);
  // yes/no stay strings, as in Ansible's INI typing.
  assert.is(iniValue('yes'), 'yes');
  assert.is(iniValue('Truex'), 'Truex');
});

test('quoted strings lose their quotes, with escapes', () => {
  assert.is(iniValue("'a b'"), 'a b');
  assert.is(iniValue('"a\\tb"'), 'a\tb');
  assert.is(iniValue(`'it\\'s'`), "it's");
  assert.is(iniValue(`'a' "b"`), 'ab');
  assert.is(iniValue(`"unclosed`), '"unclosed');
});

test('lists, tuples, dicts', () => {
  assert.equal(iniValue("['etcd-server', 'etcd-client']"), ['etcd-server', 'etcd-client']);
  assert.equal(iniValue('[1, [2, 3], ]'), [1, [2, 3]]);
  assert.equal(iniValue('(1, 2)'), [1, 2]);
  assert.equal(iniValue('(1,)'), [1]);
  assert.is(iniValue('(1)'), 1);
  assert.equal(iniValue("{'a': 1, 'b': [True, None]}"), { a: 1, b: [true, null] });
  assert.equal(iniValue('[]'), []);
  assert.equal(iniValue('{}'), {});
});

test('a Python comment after a literal is dropped, as literal_eval does', () => {
  assert.is(iniValue('2379  # client port'), 2379);
  assert.is(iniValue("'a b' # c"), 'a b');
  assert.is(iniValue('/var/lib/etcd # default'), '/var/lib/etcd # default');
});

test('anything else stays the original text', () => {
  for (const t of ['x y', '/var/lib/etcd', '[1, 2', "{'a' 1}", 'a=b', '-o ProxyJump=bastion', '$HOME', '{{ x }}']) assert.is(iniValue(t), t);
  assert.equal(parsePyLiteral('[1, x]'), { ok: false });
});

test.run();
