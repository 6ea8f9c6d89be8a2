import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupSshConfig, splitConfigWords } from '../../../src/connection/sshconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-sshcfg-'));
const cfg = join(dir, 'config');

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('words: quotes, = after keyword, comments', () => {
  assert.equal(splitConfigWords('  IdentityFile "/a b/c"  # x'), ['IdentityFile', '/a b/c']);
  assert.equal(splitConfigWords('Port=2222'), ['Port', '2222']);
  assert.equal(splitConfigWords('Port = 2222'), ['Port', '2222']);
  assert.equal(splitConfigWords('# only a comment'), []);
});

test('first value wins, IdentityFile accumulates, patterns with ! and wildcards, tokens', () => {
  writeFileSync(cfg, [
    'User top',
    'Host etcd-* !etcd-skip',
    '  HostName %h.lab',
    '  Port 2201',
    '  IdentityFile ~/.ssh/etcd_%r',
    '  ProxyJump bastion',
    'Host etcd-1',
    '  Port 9999',
    '  HostName ignored',
    'Host *',
    '  IdentityFile /keys/all',
    '  UserKnownHostsFile /kh/one /kh/two',
    '  StrictHostKeyChecking accept-new',
    '  ConnectTimeout 7',
    '',
  ].join('\n'));
  const a = lookupSshConfig('etcd-1', cfg);
  assert.is(a.user, 'top');
  assert.is(a.hostName, 'etcd-1.lab');
  assert.is(a.port, 2201);
  assert.is(a.proxyJump, 'bastion');
  assert.ok(a.identityFiles[0]!.endsWith('/.ssh/etcd_top'));
  assert.is(a.identityFiles[1], '/keys/all');
  assert.equal(a.userKnownHostsFiles, ['/kh/one', '/kh/two']);
  assert.is(a.strictHostKeyChecking, 'accept-new');
  assert.is(a.connectTimeoutSec, 7);
  const skip = lookupSshConfig('etcd-skip', cfg);
  assert.is(skip.hostName, undefined);
  assert.is(skip.port, undefined);
  assert.equal(skip.identityFiles, ['/keys/all']);
});

test('Match all / Match host, other Match criteria never match; Include', () => {
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  writeFileSync(join(dir, 'conf.d', 'a.conf'), 'Host inc\n  Port 2022\n');
  writeFileSync(cfg, [
    `Include ${join(dir, 'conf.d', '*.conf')}`,
    'Match host m1,m2',
    '  User matched',
    'Match exec "true"',
    '  User never',
    'Match all',
    '  Port 2000',
    '',
  ].join('\n'));
  assert.is(lookupSshConfig('m2', cfg).user, 'matched');
  assert.is(lookupSshConfig('other', cfg).user, undefined);
  assert.is(lookupSshConfig('other', cfg).port, 2000);
  assert.is(lookupSshConfig('inc', cfg).port, 2022);
});

test('a missing file gives nothing', () => {
  assert.equal(lookupSshConfig('x', join(dir, 'nope')), { identityFiles: [] });
});

test.run();
