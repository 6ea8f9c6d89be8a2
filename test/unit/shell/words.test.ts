import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extractKeyValues, parseKeyValues, splitWords } from '../../../src/shell/words.js';

test('splits like a shell, without expanding anything', () => {
  assert.equal(splitWords(`a 'b c' "d e" f\\ g`), ['a', 'b c', 'd e', 'f g']);
  assert.equal(splitWords(`x | y > z $(q) \`r\``), ['x', '|', 'y', '>', 'z', '$(q)', '`r`']);
  assert.equal(splitWords(`"a \\"q\\" \\$x" 'it'\\''s'`), ['a "q" $x', "it's"]);
  assert.equal(splitWords(`''`), ['']);
  assert.equal(splitWords('  '), []);
});

test('unterminated quotes are errors', () => {
  assert.throws(() => splitWords(`echo 'x`), /unterminated single quote/);
  assert.throws(() => splitWords(`echo "x`), /unterminated double quote/);
});

test('key=value extraction for free form', () => {
  const r = extractKeyValues(`tar xf '/tmp/a b.tar' chdir=/var/lib creates='/var/lib/x y'`, ['chdir', 'creates', 'removes']);
  assert.equal(r.kv, { chdir: '/var/lib', creates: '/var/lib/x y' });
  assert.is(r.rest, `tar xf '/tmp/a b.tar'`);
  assert.equal(parseKeyValues(`name=etcd state='stopped now'`), { name: 'etcd', state: 'stopped now' });
  assert.throws(() => parseKeyValues('name'), /key=value/);
});

test('free form keeps a multi-line script as written (newlines, spacing)', () => {
  const script = `d=/var/backups\nwhile [ ! -d "$d" ]; do d=$(dirname "$d"); done\ndf -Pk "$d" |  awk 'NR == 2 { print $4 }'\n`;
  assert.is(extractKeyValues(script, ['chdir', 'creates']).rest, script);
  const r = extractKeyValues(`chdir=/tmp\necho a\necho  b\n`, ['chdir']);
  assert.equal(r.kv, { chdir: '/tmp' });
  assert.is(r.rest, `echo a\necho  b`);
});

test.run();
