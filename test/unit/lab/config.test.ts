import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  labHosts, renderEtcdDefaults, renderInventory, renderSshConfig, renderKnownHosts, renderSshdConfig, renderEtcHosts,
  portConflicts, renderInitScript, pickNet, type LabSpec,
} from '../../../src/lab/config.js';

const spec: LabSpec = { name: 'demo', nodes: 3, etcdVersion: '3.5.16', debVersion: '3.5.16-4', tls: false };
const files = { keyPath: '/run/etcdplay/labs/demo/id_ed25519', knownHostsPath: '/run/etcdplay/labs/demo/known_hosts', sshConfigPath: '/run/etcdplay/labs/demo/ssh_config' };

/** Source a rendered defaults file with sh and read back the variables. */
function sourced(text: string, names: string[]): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-default-'));
  try {
    writeFileSync(join(dir, 'etcd'), text);
    const script = `set -a; . ${join(dir, 'etcd')}; ${names.map((n) => `printf '%s\\n' "$${n}"`).join('; ')}`;
    const out = execFileSync('sh', ['-c', script], { env: {} }).toString().split('\n');
    return Object.fromEntries(names.map((n, i) => [n, out[i]!]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('hosts are etcdI on 127.0.1.<10+i>', () => {
  assert.equal(labHosts(3), [
    { name: 'etcd1', index: 1, address: '127.0.1.11' },
    { name: 'etcd2', index: 2, address: '127.0.1.12' },
    { name: 'etcd3', index: 3, address: '127.0.1.13' },
  ]);
  assert.equal(labHosts(2, 7).map((h) => h.address), ['127.0.7.11', '127.0.7.12']);
  assert.throws(() => labHosts(3, 0));
  assert.throws(() => labHosts(0));
  assert.throws(() => labHosts(10));
});

test('/etc/default/etcd: own addresses, whole initial cluster, token, state new', () => {
  const host = labHosts(3)[1]!;
  const v = sourced(renderEtcdDefaults(spec, host), ['ETCD_NAME', 'ETCD_LISTEN_CLIENT_URLS', 'ETCD_ADVERTISE_CLIENT_URLS', 'ETCD_LISTEN_PEER_URLS',
    'ETCD_INITIAL_ADVERTISE_PEER_URLS', 'ETCD_INITIAL_CLUSTER', 'ETCD_INITIAL_CLUSTER_TOKEN', 'ETCD_INITIAL_CLUSTER_STATE', 'ETCD_DATA_DIR', 'ETCD_CERT_FILE']);
  assert.equal(v, {
    ETCD_NAME: 'etcd2',
    ETCD_LISTEN_CLIENT_URLS: 'http://127.0.1.12:2379',
    ETCD_ADVERTISE_CLIENT_URLS: 'http://127.0.1.12:2379',
    ETCD_LISTEN_PEER_URLS: 'http://127.0.1.12:2380',
    ETCD_INITIAL_ADVERTISE_PEER_URLS: 'http://127.0.1.12:2380',
    ETCD_INITIAL_CLUSTER: 'etcd1=http://127.0.1.11:2380,etcd2=http://127.0.1.12:2380,etcd3=http://127.0.1.13:2380',
    ETCD_INITIAL_CLUSTER_TOKEN: 'etcdplay-demo',
    ETCD_INITIAL_CLUSTER_STATE: 'new',
    ETCD_DATA_DIR: '/var/lib/etcd/default',
    ETCD_CERT_FILE: '',
  });
});

test('/etc/default/etcd with TLS: https everywhere and client cert auth on both sides', () => {
  const text = renderEtcdDefaults({ ...spec, tls: true }, labHosts(3)[0]!);
  const v = sourced(text, ['ETCD_LISTEN_CLIENT_URLS', 'ETCD_INITIAL_CLUSTER', 'ETCD_CLIENT_CERT_AUTH', 'ETCD_PEER_CLIENT_CERT_AUTH', 'ETCD_TRUSTED_CA_FILE', 'ETCD_PEER_KEY_FILE']);
  assert.is(v.ETCD_LISTEN_CLIENT_URLS, 'https://127.0.1.11:2379');
  assert.ok(v.ETCD_INITIAL_CLUSTER!.split(',').every((m) => m.includes('=https://')));
  assert.is(v.ETCD_CLIENT_CERT_AUTH, 'true');
  assert.is(v.ETCD_PEER_CLIENT_CERT_AUTH, 'true');
  assert.is(v.ETCD_TRUSTED_CA_FILE, '/etc/etcd/pki/ca.crt');
  assert.is(v.ETCD_PEER_KEY_FILE, '/etc/etcd/pki/peer.key');
});

test('another address range reaches every rendered file', () => {
  const s7 = { ...spec, net: 7 };
  const h = labHosts(3, 7)[0]!;
  assert.match(renderEtcdDefaults(s7, h), /ETCD_INITIAL_CLUSTER="etcd1=http:\/\/127\.0\.7\.11:2380,etcd2=http:\/\/127\.0\.7\.12:2380,/);
  assert.is(parse(renderInventory(s7, files)).all.children.etcd.hosts.etcd2.ansible_host, '127.0.7.12');
  assert.match(renderSshConfig(s7, files), /HostName 127\.0\.7\.13/);
});

test('inventory follows the contract', () => {
  const inv = parse(renderInventory(spec, files));
  assert.equal(Object.keys(inv.all.children.etcd.hosts), ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(inv.all.children.etcd.hosts.etcd1, { ansible_host: '127.0.1.11', etcd_name: 'etcd1', etcd_address: '127.0.1.11' });
  const v = inv.all.vars;
  assert.is(v.ansible_user, 'root');
  assert.is(v.ansible_ssh_private_key_file, files.keyPath);
  assert.is(v.etcdplay_known_hosts_file, files.knownHostsPath);
  assert.is(v.etcd_scheme, 'http');
  assert.is(v.etcd_client_port, 2379);
  assert.is(v.etcd_peer_port, 2380);
  assert.is(v.etcd_data_dir, '/var/lib/etcd/default');
  assert.is(v.etcd_config_file, '/etc/default/etcd');
  assert.is(v.etcd_service, 'etcd');
  assert.is(v.etcd_user, 'etcd');
  assert.is(v.etcd_initial_cluster_token, 'etcdplay-demo');
  assert.is(v.etcd_package_manager, 'apt');
  assert.equal(v.etcd_packages, ['etcd-server', 'etcd-client']);
  assert.is(v.etcd_version, '3.5.16');
  assert.is(v.etcd_ca_file, undefined);
});

test('inventory with TLS names every certificate path on the hosts', () => {
  const v = parse(renderInventory({ ...spec, tls: true }, files)).all.vars;
  assert.is(v.etcd_scheme, 'https');
  for (const k of ['etcd_ca_file', 'etcd_cert_file', 'etcd_key_file', 'etcd_peer_ca_file', 'etcd_peer_cert_file', 'etcd_peer_key_file', 'etcd_client_cert_file', 'etcd_client_key_file']) {
    assert.match(v[k], /^\/etc\/etcd\/pki\/[a-z]+\.(crt|key)$/, k);
  }
});

test('ssh_config and known_hosts: strict checking with the lab files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssh-config-'));
  let out: string;
  try {
    writeFileSync(join(dir, 'ssh_config'), renderSshConfig(spec, files));
    out = execFileSync('ssh', ['-G', '-F', join(dir, 'ssh_config'), 'etcd2']).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(out, /^hostname 127\.0\.1\.12$/m);
  assert.match(out, /^user root$/m);
  assert.match(out, /^stricthostkeychecking (true|yes)$/m);
  assert.match(out, new RegExp(`^userknownhostsfile ${files.knownHostsPath}$`, 'm'));
  const kh = renderKnownHosts([{ host: labHosts(1)[0]!, publicKey: 'ssh-ed25519 AAAAC3Nza root@etcd1\n' }]);
  assert.is(kh, '127.0.1.11,etcd1 ssh-ed25519 AAAAC3Nza\n');
});

test('sshd listens only on the host address; /etc/hosts names every member', () => {
  const h = labHosts(2)[1]!;
  assert.match(renderSshdConfig(h), /^ListenAddress 127\.0\.1\.12:22$/m);
  assert.match(renderSshdConfig(h), /^PasswordAuthentication no$/m);
  assert.is(renderEtcHosts(labHosts(2)), '127.0.0.1\tlocalhost\n127.0.1.11\tetcd1\n127.0.1.12\tetcd2\n');
});

test('port conflicts: wildcard sshd, a lab already up, unrelated listeners ignored', () => {
  const ss = [
    'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*',
    'LISTEN 0 128 [::]:22 [::]:*',
    'LISTEN 0 4096 127.0.1.12:2379 0.0.0.0:*',
    'LISTEN 0 4096 127.0.1.99:2379 0.0.0.0:*',
    'LISTEN 0 128 0.0.0.0:2024 0.0.0.0:*',
    'LISTEN 0 128 127.0.0.1:2380 0.0.0.0:*',
  ].join('\n');
  assert.equal(portConflicts(ss, labHosts(3)), ['0.0.0.0:22', '[::]:22', '127.0.1.12:2379']);
  assert.equal(portConflicts('LISTEN 0 128 0.0.0.0:2024 0.0.0.0:*\n', labHosts(3)), []);
});

test('pickNet: 1 when free, the next free range otherwise, errors for a wanted taken range or a wildcard', () => {
  const none = new Map<number, string>();
  assert.equal(pickNet('a', '', none, 3), { net: 1 });
  const taken = new Map([[1, 'demo'], [2, 'other']]);
  assert.equal(pickNet('a', '', taken, 3), { net: 3, note: "127.0.1.x is taken (lab 'demo' uses 127.0.1.x): lab 'a' uses 127.0.3.x" });
  const busy = 'LISTEN 0 128 127.0.1.12:2380 0.0.0.0:*\n';
  assert.is(pickNet('a', busy, none, 3).net, 2);
  assert.is(pickNet('a', busy, none, 1).net, 1, 'a 1-node lab does not use .12');
  assert.throws(() => pickNet('a', busy, none, 3, 1), /127\.0\.1\.x is not free for lab 'a': ports in use: 127\.0\.1\.12:2380/);
  assert.equal(pickNet('a', busy, none, 3, 9), { net: 9 });
  assert.throws(() => pickNet('a', 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n', none, 3), /an sshd listens on all addresses \(0\.0\.0\.0:22\)/);
  assert.throws(() => pickNet('a', 'LISTEN 0 128 [::]:2379 [::]:*\n', none, 3), /all addresses at \[::\]:2379/);
});

test('the fallback init script is valid sh', () => {
  execFileSync('sh', ['-n', '-c', renderInitScript()]);
});

test.run();
