/**
 * The lab end to end (root only; the runner skips e2e otherwise): real hosts, real sshd, real
 * apt-installed etcd. Every test tears its lab down in finally and checks nothing is left.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { labUp, labDown, labExec, labStatus, labLoad, etcdctlPrefix, type Lab } from '../../src/lab/index.js';

function ssh(lab: Lab, host: string, cmd: string, extra: string[] = []) {
  return spawnSync('ssh', ['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, ...extra, host, cmd], { encoding: 'utf8', timeout: 30_000 });
}

function nsOf(pid: number): string[] {
  return ['mnt', 'pid', 'uts'].map((n) => { try { return readlinkSync(`/proc/${pid}/ns/${n}`); } catch { return ''; } }).filter(Boolean);
}

/** Processes whose root/cwd is under dir, or that sit in one of the given namespaces. */
function leftovers(dir: string, namespaces: Set<string>): string[] {
  const found: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    for (const link of ['root', 'cwd']) {
      try {
        const t = readlinkSync(`/proc/${e}/${link}`);
        if (t === dir || t.startsWith(dir + '/')) found.push(`pid ${e} ${link} ${t}`);
      } catch { /* gone or not ours */ }
    }
    for (const ns of nsOf(Number(e))) if (namespaces.has(ns)) found.push(`pid ${e} in ${ns}`);
  }
  return found;
}

function assertNothingLeft(lab: Lab, namespaces: Set<string>) {
  assert.equal(leftovers(lab.dir, namespaces), [], 'no process left in the lab');
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(lab.dir));
  assert.equal(mounts, [], 'no mount left under the lab dir');
  const ss = spawnSync('ss', ['-ltnH'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /\s127\.0\.1\.\d+:\d+\s/.test(l));
  assert.equal(ss, [], 'no listener left on 127.0.1.x');
  assert.not.ok(existsSync(lab.dir), 'lab dir removed');
}

test('3-node lab: ssh with strict host keys, healthy cluster, inventory, recovery, clean down', async () => {
  let lab: Lab | undefined;
  const namespaces = new Set<string>();
  try {
    lab = await labUp({ name: 't-lab', nodes: 3, etcd: '3.5.16' });
    for (const h of lab.hosts) for (const ns of nsOf(h.pid)) namespaces.add(ns);
    assert.is(lab.hosts.length, 3);
    assert.equal(lab.hosts.map((h) => h.address), ['127.0.1.11', '127.0.1.12', '127.0.1.13']);

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
        '-o', 'GlobalKnownHostsFile=/dev/null', '-i', lab.keyPath, 'root@127.0.1.11', 'true'], { encoding: 'utf8', timeout: 30_000 });
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
    assert.equal(inv.all.children.etcd.hosts.etcd3, { ansible_host: '127.0.1.13', etcd_name: 'etcd3', etcd_address: '127.0.1.13' });
    assert.is(inv.all.vars.etcd_scheme, 'http');
    assert.is(inv.all.vars.etcd_version, '3.5.16');
    assert.is(inv.all.vars.etcdplay_known_hosts_file, lab.knownHostsPath);
    const conf = await labExec('t-lab', 'etcd1', `. ${inv.all.vars.etcd_config_file}; echo "$ETCD_DATA_DIR $ETCD_INITIAL_CLUSTER_TOKEN"`);
    assert.is(conf.stdout.trim(), `${inv.all.vars.etcd_data_dir} ${inv.all.vars.etcd_initial_cluster_token}`);

    // rehearsal data
    const loaded = await labLoad('t-lab', { keys: 40, leases: 2 });
    assert.is(loaded.leases.length, 2);
    const count = await labExec('t-lab', 'etcd3', `${etcdctlPrefix(false, ['http://127.0.1.13:2379'])} get --prefix /etcdplay/rehearsal/ --keys-only | grep -c .`);
    assert.is(count.stdout.trim(), '40');

    // a half-dead lab: up tears the leftovers down and starts again
    process.kill(lab.hosts[1]!.pid, 'SIGKILL');
    const again = await labUp({ name: 't-lab', nodes: 3, etcd: '3.5.16' });
    for (const h of again.hosts) for (const ns of nsOf(h.pid)) namespaces.add(ns);
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
    for (const h of lab.hosts) for (const ns of nsOf(h.pid)) namespaces.add(ns);
    const st = await labStatus('t-tls');
    assert.ok(st.healthy, JSON.stringify(st.members.map((m) => m.error)));
    assert.is(st.members.length, 5);
    assert.ok(st.members.every((m) => m.version === '3.5.30'));
    const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
    assert.is(inv.all.vars.etcd_scheme, 'https');
    const v = inv.all.vars;
    const ok = ssh(lab, 'etcd5', `ETCDCTL_API=3 etcdctl --endpoints=https://127.0.1.15:2379 --cacert=${v.etcd_ca_file} --cert=${v.etcd_client_cert_file} --key=${v.etcd_client_key_file} member list`);
    assert.is(ok.status, 0, ok.stderr);
    assert.is(ok.stdout.trim().split('\n').length, 5);
    const noCert = ssh(lab, 'etcd5', `ETCDCTL_API=3 etcdctl --endpoints=https://127.0.1.15:2379 --cacert=${v.etcd_ca_file} --command-timeout=3s member list`);
    assert.is.not(noCert.status, 0, 'a client without a certificate is refused');
    // the member's certificate names its address
    const san = await labExec('t-tls', 'etcd2', `openssl x509 -in ${v.etcd_peer_cert_file} -noout -ext subjectAltName`);
    assert.is(san.rc, 0, san.stderr);
    assert.match(san.stdout, /IP Address:127\.0\.1\.12/);
    assert.match(san.stdout, /DNS:etcd2/);
    assert.ok(await labDown('t-tls'));
    assertNothingLeft(lab, namespaces);
  } finally {
    await labDown('t-tls').catch(() => undefined);
  }
});

test.run();
