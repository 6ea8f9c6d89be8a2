import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeb822Sources, parseOneLineSources, debootstrapDefaultMirror, detectMirror } from '../../../src/lab/mirror.js';

const DEB822 = `Types: deb
# a comment
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.invalid/debian
Suites: bookworm

Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

test('deb822: skips security and deb-src stanzas, keeps Signed-By', () => {
  assert.equal(parseDeb822Sources(DEB822), { uri: 'http://mirror.invalid/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' });
});

test('deb822: disabled stanzas and non-Debian suites are ignored', () => {
  assert.is(parseDeb822Sources('Enabled: no\nTypes: deb\nURIs: http://a.invalid/debian\nSuites: bookworm\n'), undefined);
  assert.is(parseDeb822Sources('Types: deb\nURIs: http://a.invalid/ubuntu\nSuites: noble noble-updates\n'), undefined);
});

test('one-line sources.list: options and comments', () => {
  const text = '# deb http://old.invalid/debian buster main\ndeb http://sec.invalid/debian-security bookworm-security main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.invalid/debian bookworm main\n';
  assert.equal(parseOneLineSources(text), { uri: 'http://m.invalid/debian', signedBy: '/k.gpg' });
  assert.is(parseOneLineSources('deb http://u.invalid/ubuntu jammy main\n'), undefined);
});

test('debootstrap default mirror is read from the script', () => {
  assert.is(debootstrapDefaultMirror('FOO=1\nDEF_MIRROR="http://d.invalid/debian"\n'), 'http://d.invalid/debian');
});

test('detectMirror: env wins, then *.sources, then sources.list, then debootstrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-'));
  try {
    const apt = join(dir, 'apt');
    mkdirSync(join(apt, 'sources.list.d'), { recursive: true });
    const ds = join(dir, 'debootstrap');
    writeFileSync(ds, 'DEF_MIRROR="http://d.invalid/debian"\n');
    assert.equal(detectMirror({ env: {}, etcApt: apt, debootstrap: ds }), { uri: 'http://d.invalid/debian', from: `${ds} (default)` });
    writeFileSync(join(apt, 'sources.list'), 'deb http://l.invalid/debian bookworm main\n');
    assert.is(detectMirror({ env: {}, etcApt: apt, debootstrap: ds })?.uri, 'http://l.invalid/debian');
    writeFileSync(join(apt, 'sources.list.d', 'debian.sources'), DEB822);
    assert.is(detectMirror({ env: {}, etcApt: apt, debootstrap: ds })?.uri, 'http://mirror.invalid/debian');
    assert.equal(detectMirror({ env: { ETCDPLAY_DEBIAN_MIRROR: 'http://e.invalid/debian' }, etcApt: apt, debootstrap: ds }), { uri: 'http://e.invalid/debian', from: 'ETCDPLAY_DEBIAN_MIRROR' });
    assert.is(detectMirror({ env: {}, etcApt: join(dir, 'none'), debootstrap: join(dir, 'none') }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
