import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { etcdctlPrefix } from '../../../src/lab/access.js';
import { loadScript } from '../../../src/lab/load.js';
import { installScript } from '../../../src/lab/prepare.js';
import { missingPackages } from '../../../src/lab/preconditions.js';
import { checkLabName } from '../../../src/lab/paths.js';
import { mountsUnder } from '../../../src/lab/fsutil.js';
import { describe } from '../../../src/lab/proc.js';

test('etcdctl prefix quotes its values and adds the client certificate with TLS', () => {
  assert.is(etcdctlPrefix(false, ['http://127.0.1.11:2379']), 'env ETCDCTL_API=3 etcdctl --endpoints=http://127.0.1.11:2379 --command-timeout=5s');
  assert.match(etcdctlPrefix(true, ['https://127.0.1.11:2379']), /--cacert=\/etc\/etcd\/pki\/ca\.crt --cert=\/etc\/etcd\/pki\/client\.crt --key=\/etc\/etcd\/pki\/client\.key$/);
});

test('install script pins both packages, keeps the pre-written config, and parses', () => {
  const s = installScript({ name: 'x', nodes: 3, etcdVersion: '3.4.23', debVersion: '3.4.23-4+b4', tls: true });
  assert.match(s, /etcd-server=3\.4\.23-4\+b4 etcd-client=3\.4\.23-4\+b4/);
  assert.match(s, /--force-confold/);
  assert.not.match(s, /pki/); // certificates are owned before boot (prepareHost), not by the layer's script
  execFileSync('sh', ['-n', '-c', s]);
});

test('load script writes N keys, every 4th on a lease (run against a fake etcdctl)', () => {
  const fake = `f() { case "$1" in lease) echo "lease L$(date +%N) granted with TTL(86400s)";; put) echo "$2=$3 $4" >> "$LOG";; esac; }; f`;
  const log = `/tmp/etcdplay-load-${process.pid}`;
  try {
    const out = execFileSync('sh', ['-c', `LOG=${log}; : > $LOG; ${loadScript(fake, 8, 2)}; cat $LOG`]).toString();
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^leases: L\d+ L\d+$/);
    const puts = lines.slice(1);
    assert.is(puts.length, 8);
    assert.match(puts[0]!, /^\/etcdplay\/rehearsal\/key-000001=value-1 $/);
    assert.match(puts[3]!, /^\/etcdplay\/rehearsal\/key-000004=value-4 --lease=L\d+$/);
    assert.is(puts.filter((p) => p.includes('--lease=')).length, 2);
  } finally {
    execFileSync('rm', ['-f', log]);
  }
});

test('lab names are checked', () => {
  assert.is(checkLabName('t-lab'), 't-lab');
  for (const bad of ['', 'A', '../x', 'a b', '-x', 'x'.repeat(40)]) assert.throws(() => checkLabName(bad));
});

test('missing tools map to Debian packages, once each', () => {
  assert.equal(missingPackages((t) => !['ssh', 'ssh-keygen', 'openssl'].includes(t)), ['openssl', 'openssh-client']);
  assert.equal(missingPackages(() => true), []);
});

test('mountsUnder: only at or below the dir, deepest first, octal escapes decoded', () => {
  const text = [
    'overlay /run/etcdplay/labs/a/hosts/etcd1/root overlay rw 0 0',
    'proc /run/etcdplay/labs/a/hosts/etcd1/root/proc proc rw 0 0',
    'tmpfs /run/etcdplay/labs/ab tmpfs rw 0 0',
    'tmpfs /run/etcdplay/labs/a/with\\040space tmpfs rw 0 0',
  ].join('\n');
  assert.equal(mountsUnder('/run/etcdplay/labs/a', text), [
    '/run/etcdplay/labs/a/with space',
    '/run/etcdplay/labs/a/hosts/etcd1/root/proc',
    '/run/etcdplay/labs/a/hosts/etcd1/root',
  ]);
});

test('command descriptions drop option values', () => {
  assert.is(describe(['apt-get', '-o', 'Dir::Etc::sourcelist=/x', '-q', 'download', 'etcd-server']), 'apt-get download etcd-server');
});

test.run();
