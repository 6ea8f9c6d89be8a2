/**
 * The lab end to end (root only; the runner skips e2e otherwise): real hosts, real sshd, real
 * apt-installed etcd. Every test tears its lab down in finally and checks nothing is left.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { labUp, labDown, labExec, labStatus, labLoad, etcdctlPrefix, type Lab } from '../../src/lab/index.js';
import { labLeftovers, namespacesOf } from '../integration/etcd/lab-helpers.js';

function ssh(lab: Lab, host: string, cmd: string, extra: string[] = []) {
  return spawnSync('ssh', ['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, ...extra, host, cmd], { encoding: 'utf8', timeout: 30_000 });
}

function assertNothingLeft(lab: Lab, namespaces: Set<string>) {
  assert.equal(labLeftovers(lab.dir, lab.hosts.map((h) => h.address), namespaces), [], 'no process, mount, listener or dir left by the lab');
}

// The one lab test on sysv hosts (--init sysv: sshd is PID 1, etcd under the init script); the
// others run on the default (systemd hosts), as lab-systemd.test.ts does explicitly.
test('3-node sysv lab: ssh with strict host keys, healthy cluster, inventory, recovery, clean down', async () => {
  let lab: Lab | undefined;
  const namespaces = new Set<string>();
  try {
    lab = await labUp({ name: 't-lab', nodes: 3, etcd: '3.5.16', init: 'sysv' });
    assert.is(lab.init, 'sysv');
    for (const h of lab.hosts) for (const ns of namespacesOf(h.pid)) namespaces.add(ns);
    assert.is(lab.hosts.length, 3);
    const net = lab.net; // 1 unless another lab holds 127.0.1.x
    assert.equal(lab.hosts.map((h) => h.address), [`127.0.${net}.11`, `127.0.${net}.12`, `127.0.${net}.13`]);

    // every node over plain OpenSSH with strict host key checking: it is really that host
    for (const h of lab.hosts) {
      const r = ssh(lab, h.name, 'hostname; ps -e -o pid=,comm= | head -1; dpkg-query -W -f "\\${Version}" etcd-server');
      assert.is(r.status, 0, r.stderr);
      const [hostname, pid1, pkg] = r.stdout.trim().split('\n');
      assert.is(hostname, h.name);
      assert.match(pid1!, /^\s*1 sshd$/);
      assert.is(pkg, lab.debVersion);
    }
    // strict checking is real: an empty known_hosts is refused
    const empty = mkdtempSync(join(tmpdir(), 'kh-'));
    try {
      writeFileSync(join(empty, 'known_hosts'), '');
      const r = spawnSync('ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${join(empty, 'known_hosts')}`,
        '-o', 'GlobalKnownHostsFile=/dev/null', '-i', lab.keyPath, `root@${lab.hosts[0]!.address}`, 'true'], { encoding: 'utf8', timeout: 30_000 });
      assert.is.not(r.status, 0);
      assert.match(r.stderr, /Host key verification failed/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    // all members healthy
    const eps = lab.hosts.map((h) => `http://${h.address}:2379`).join(',');
    const health = await labExec('t-lab', 'etcd2', `${etcdctlPrefix(false, [eps])} endpoint health`);
    assert.is(health.rc, 0, health.stderr);
    assert.is((health.stdout + health.stderr).match(/is healthy/g)?.length, 3);
    const st = await labStatus('t-lab');
    assert.ok(st.healthy);
    assert.is(st.members.filter((m) => m.isLeader).length, 1);
    assert.ok(st.members.every((m) => m.version === '3.5.16' && m.package === lab!.debVersion));

    // the inventory the playbooks read
    const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
    assert.equal(Object.keys(inv.all.children.etcd.hosts), ['etcd1', 'etcd2', 'etcd3']);
    assert.equal(inv.all.children.etcd.hosts.etcd3, { ansible_host: `127.0.${net}.13`, etcd_name: 'etcd3', etcd_address: `127.0.${net}.13` });
    assert.is(inv.all.vars.etcd_scheme, 'http');
    assert.is(inv.all.vars.etcd_version, '3.5.16');
    assert.is(inv.all.vars.etcdplay_known_hosts_file, lab.knownHostsPath);
    const conf = await labExec('t-lab', 'etcd1', `. ${inv.all.vars.etcd_config_file}; echo "$ETCD_DATA_DIR $ETCD_INITIAL_CLUSTER_TOKEN"`);
    assert.is(conf.stdout.trim(), `${inv.all.vars.etcd_data_dir} ${inv.all.vars.etcd_initial_cluster_token}`);

    // rehearsal data
    const loaded = await labLoad('t-lab', { keys: 40, leases: 2 });
    assert.is(loaded.leases.length, 2);
    const count = await labExec('t-lab', 'etcd3', `${etcdctlPrefix(false, [`http://${lab.hosts[2]!.address}:2379`])} get --prefix /etcdplay/rehearsal/ --keys-only | grep -c .`);
    assert.is(count.stdout.trim(), '40');

    // a half-dead lab: up tears the leftovers down and starts again
    const victim = lab.hosts[1]!.pid;
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 100 && namespacesOf(victim).length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.not.ok((await labStatus('t-lab')).healthy, 'a lab with a dead host is not healthy');
    const again = await labUp({ name: 't-lab', nodes: 3, etcd: '3.5.16', init: 'sysv' });
    for (const h of again.hosts) for (const ns of namespacesOf(h.pid)) namespaces.add(ns);
    assert.ok((await labStatus('t-lab')).healthy);
    lab = again;

    assert.ok(await labDown('t-lab'));
    assertNothingLeft(lab, namespaces);
  } finally {
    await labDown('t-lab').catch(() => undefined);
  }
});

test('5-node TLS lab on etcd 3.5.30: https, client certificates required', async () => {
  let lab: Lab | undefined;
  const namespaces = new Set<string>();
  try {
    lab = await labUp({ name: 't-tls', nodes: 5, etcd: '3.5.30', tls: true });
    // the default init; 3.5.30 (sid) installs on bookworm's systemd through the lab's sysusers.d override
    assert.is(lab.init, 'systemd');
    for (const h of lab.hosts) for (const ns of namespacesOf(h.pid)) namespaces.add(ns);
    const st = await labStatus('t-tls');
    assert.ok(st.healthy, JSON.stringify(st.members.map((m) => m.error)));
    assert.is(st.members.length, 5);
    assert.ok(st.members.every((m) => m.version === '3.5.30'));
    const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
    assert.is(inv.all.vars.etcd_scheme, 'https');
    const v = inv.all.vars;
    const ep5 = `https://${lab.hosts[4]!.address}:2379`;
    const ok = ssh(lab, 'etcd5', `ETCDCTL_API=3 etcdctl --endpoints=${ep5} --cacert=${v.etcd_ca_file} --cert=${v.etcd_client_cert_file} --key=${v.etcd_client_key_file} member list`);
    assert.is(ok.status, 0, ok.stderr);
    assert.is(ok.stdout.trim().split('\n').length, 5);
    const noCert = ssh(lab, 'etcd5', `ETCDCTL_API=3 etcdctl --endpoints=${ep5} --cacert=${v.etcd_ca_file} --command-timeout=3s member list`);
    assert.is.not(noCert.status, 0, 'a client without a certificate is refused');
    // the member's certificate names its address
    const san = await labExec('t-tls', 'etcd2', `openssl x509 -in ${v.etcd_peer_cert_file} -noout -ext subjectAltName`);
    assert.is(san.rc, 0, san.stderr);
    assert.ok(san.stdout.includes(`IP Address:${lab.hosts[1]!.address}`), san.stdout);
    assert.match(san.stdout, /DNS:etcd2/);
    assert.ok(await labDown('t-tls'));
    assertNothingLeft(lab, namespaces);
  } finally {
    await labDown('t-tls').catch(() => undefined);
  }
});

test('a 1-node 3.4.23 lab: the bookworm package, no etcdutl', async () => {
  try {
    const lab = await labUp({ name: 't-v34', nodes: 1, etcd: '3.4.23' });
    assert.is(lab.debVersion, '3.4.23-4+b4');
    const st = await labStatus('t-v34');
    assert.ok(st.healthy);
    assert.is(st.members[0]!.version, '3.4.23');
    const r = ssh(lab, 'etcd1', 'command -v etcdutl || echo none; service etcd status; ps -p 1 -o comm=');
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^none$/m);
    assert.match(r.stdout, /^systemd$/m, 'the default init: the host boots systemd');

    // the CLI on the same lab
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '-e',
      `import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { encoding: 'utf8', timeout: 60_000 });
    const status = cli('lab', 'status', '--name', 't-v34');
    assert.is(status.status, 0, status.stderr);
    assert.match(status.stdout, /lab 't-v34' \(up\): healthy, leader etcd1/);
    assert.match(status.stdout, /etcd1\s+127\.0\.\d+\.11\s+yes\s+3\.4\.23-4\+b4\s+3\.4\.23\s+yes\s+\*/);
    const exec = cli('lab', 'exec', 'etcd1', '--name', 't-v34', '--', 'hostname');
    assert.is(exec.stdout.trim(), 'etcd1');
    const list = cli('lab', 'list');
    assert.match(list.stdout, /^t-v34\tup\t1 x etcd 3\.4\.23, systemd$/m);
  } finally {
    await labDown('t-v34').catch(() => undefined);
  }
});

test('a taken address range: refused when asked for, another range chosen otherwise', async () => {
  // a listener on the first client port of the range a free lab would get
  const probe = await labUp({ name: 't-probe', nodes: 1 }).then((l) => l.net).finally(() => labDown('t-probe'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(2379, `127.0.${probe}.11`, resolve));
  try {
    let message = '';
    try { await labUp({ name: 't-busy', nodes: 1, net: probe }); } catch (err) { message = (err as Error).message; }
    assert.ok(message.includes(`127.0.${probe}.x is not free for lab 't-busy': ports in use: 127.0.${probe}.11:2379`), message);
    assert.not.ok(existsSync('/run/etcdplay/labs/t-busy'), 'nothing left behind');
    const lab = await labUp({ name: 't-busy', nodes: 1 });
    assert.is.not(lab.net, probe);
    assert.is(lab.hosts[0]!.address, `127.0.${lab.net}.11`);
    assert.ok((await labStatus('t-busy')).healthy);
  } finally {
    server.close();
    await labDown('t-busy').catch(() => undefined);
  }
});

test.run();
