import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSuiteSources, upstreamVersion, compareVersions } from '../../../src/lab/packages.js';

test('upstream version strips epoch and Debian revision', () => {
  assert.is(upstreamVersion('3.4.23-4+b4'), '3.4.23');
  assert.is(upstreamVersion('3.5.16-4'), '3.5.16');
  assert.is(upstreamVersion('1:3.5.30-2'), '3.5.30');
});

test('versions compare numerically', () => {
  assert.ok(compareVersions('3.5.16', '3.5.9') > 0);
  assert.ok(compareVersions('3.4.23', '3.5.16') < 0);
  assert.is(compareVersions('3.5.16', '3.5.16'), 0);
});

test('suite sources are deb822 with the mirror and its key', () => {
  const text = renderSuiteSources({ uri: 'http://m.invalid/debian', signedBy: '/k.gpg' }, 'sid');
  assert.is(text, 'Types: deb\nURIs: http://m.invalid/debian\nSuites: sid\nComponents: main\nSigned-By: /k.gpg\n');
});

test.run();
