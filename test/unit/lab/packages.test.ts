import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSuiteSources, upstreamVersion, compareVersions, repoDir, REPO_FORMAT, SUITES } from '../../../src/lab/packages.js';

test('upstream version strips epoch and Debian revision', () => {
  assert.is(upstreamVersion('3.4.23-4+b4'), '3.4.23');
  assert.is(upstreamVersion('3.5.16-4'), '3.5.16');
  assert.is(upstreamVersion('1:3.5.30-2'), '3.5.30');
  assert.is(upstreamVersion('3.3.25+dfsg-6+b6'), '3.3.25');
});

test('the repository is a cache entry of its own per format (running labs bind-mount the old one)', () => {
  assert.ok(REPO_FORMAT >= 3);
  assert.ok(repoDir().endsWith(`/repo-v${REPO_FORMAT}`), repoDir());
});

test("bullseye's etcd 3.3.25 comes with pipexec (its init script needs it; bookworm hosts lack it)", () => {
  const b = SUITES.find((s) => s.suite === 'bullseye');
  assert.ok(b);
  assert.equal(b!.packages, ['etcd-server', 'etcd-client', 'pipexec']);
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
