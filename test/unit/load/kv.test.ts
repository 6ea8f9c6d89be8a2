import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseKeyValueArgs, splitKeyValueArgs } from '../../../src/load/kv.js';
import { ValidationError } from '../../../src/errors.js';

test('plain key=value pairs', () => {
  assert.equal(parseKeyValueArgs('name=etcd state=stopped'), { name: 'etcd', state: 'stopped' });
  assert.equal(parseKeyValueArgs('  a=1   b=2  '), { a: '1', b: '2' });
  assert.equal(parseKeyValueArgs(''), {});
});

test('shell-like quoting', () => {
  assert.equal(parseKeyValueArgs(`msg="hello world" path='/a b/c' x=a\\ b`), { msg: 'hello world', path: '/a b/c', x: 'a b' });
  assert.equal(parseKeyValueArgs(`msg="say \\"hi\\" \\\\ \\$HOME"`), { msg: 'say "hi" \\ $HOME' });
  assert.equal(parseKeyValueArgs(`msg='it''s'`), { msg: 'its' });
  assert.equal(parseKeyValueArgs(`k="a"'b'c`), { k: 'abc' });
});

test('values may contain = and empty values are allowed', () => {
  assert.equal(parseKeyValueArgs('opts=--a=b empty='), { opts: '--a=b', empty: '' });
});

test('jinja blocks stay whole, spaces and quotes included', () => {
  assert.equal(parseKeyValueArgs(`msg={{ a | default('x y') }} dest=/tmp/{{ name }}.db`), { msg: `{{ a | default('x y') }}`, dest: '/tmp/{{ name }}.db' });
  assert.equal(parseKeyValueArgs(`when={% if a %}b{% endif %}`), { when: '{% if a %}b{% endif %}' });
});

test('free words and errors are reported, not thrown, by splitKeyValueArgs', () => {
  const r = splitKeyValueArgs('etcdctl get foo chdir=/tmp');
  assert.equal(r.free, ['etcdctl', 'get', 'foo']);
  assert.equal(r.args, { chdir: '/tmp' });
  assert.is(splitKeyValueArgs(`a='x`).error, 'unbalanced single quote');
  assert.is(splitKeyValueArgs(`a="x`).error, 'unbalanced double quote');
  assert.is(splitKeyValueArgs(`a={{ x`).error, "unclosed '{{'");
  assert.equal(splitKeyValueArgs('a=1 a=2').duplicates, ['a']);
  assert.equal(splitKeyValueArgs('a=1 a=2').args, { a: '2' });
  // '=x' or '1a=b' are not key=value
  assert.equal(splitKeyValueArgs('=x 1a=b').free, ['=x', '1a=b']);
});

test('parseKeyValueArgs throws ValidationError on free words and bad quotes', () => {
  assert.throws(() => parseKeyValueArgs('ls -l'), (e: unknown) => e instanceof ValidationError && /expected key=value/.test((e as Error).message));
  assert.throws(() => parseKeyValueArgs(`a="x`), (e: unknown) => e instanceof ValidationError);
});

test.run();
