import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { shQuote, renderCommand } from '../../../src/shell/quote.js';

test('shQuote leaves safe words alone', () => {
  assert.is(shQuote('etcd'), 'etcd');
  assert.is(shQuote('/var/lib/etcd'), '/var/lib/etcd');
});

test('shQuote quotes anything the shell could interpret', () => {
  for (const v of ['', 'a b', "it's", '$(touch /tmp/x); rm -rf /', '`id`', 'a\nb', '*', '~root', '-n']) {
    const out = execFileSync('sh', ['-c', `printf %s ${shQuote(v)}`]).toString();
    assert.is(out, v);
  }
});

test('renderCommand quotes argv and env', () => {
  const s = renderCommand({ kind: 'exec', argv: ['printf', '%s|', 'a b', '$(id)'], env: { X: "y'z" } });
  assert.is(execFileSync('sh', ['-c', s]).toString(), 'a b|$(id)|');
});

test.run();
