/**
 * The lab end to end (root only):
 *   - etcd-downgrade.yml 3.5.16 -> 3.4.23 with TLS everywhere (client and peer certs, client cert
 *     auth): every key, value and lease identical;
 *   - etcd-patch-downgrade.yml 3.5.30 -> 3.5.16 member by member while a client writes all the
 *     time: the failed writes are counted (reported), and every acknowledged write is still there.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { dump, etcdplay, labDown, labStatus, labUpWhenFree } from '../integration/etcd/lab-helpers.js';
import { etcdBins } from '../integration/etcd/helpers.js';
import { labLoad, type Lab } from '../../src/lab/index.js';

async function versions(lab: Lab): Promise<string[]> {
  const s = await labStatus(lab.name);
  return s.members.map((m) => `${m.version ?? '?'}/${m.healthy ? 'healthy' : 'unhealthy'}`);
}

test('TLS: etcd-downgrade.yml 3.5.16 -> 3.4.23', async () => {
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: 't-etcd-tls', nodes: 3, etcd: '3.5.16', tls: true });
    await labLoad(lab.name, { keys: 1000, leases: 2 });
    const before = await dump(lab);
    assert.is(before.kvs.length, 1000);
    const r = await etcdplay(['run', 'playbooks/etcd-downgrade.yml', '-i', lab.inventoryPath, '--yes', '-e', 'etcd_target_version=3.4.23']);
    assert.is(r.code, 0, r.out);
    console.log(`TLS downgrade 3.5.16 -> 3.4.23 (3 members, 1000 keys): ${r.ms} ms`);
    assert.equal(await versions(lab), ['3.4.23/healthy', '3.4.23/healthy', '3.4.23/healthy']);
    for (const h of lab.hosts) {
      const d = await dump(lab, h.name);
      assert.equal(d.kvs, before.kvs);
      assert.equal(d.leases, before.leases);
      assert.ok(d.revision >= before.revision);
    }
  } finally {
    if (lab) await labDown(lab.name);
  }
});

test('etcd-patch-downgrade.yml 3.5.30 -> 3.5.16 under continuous writes', async () => {
  let lab: Lab | undefined;
  let stop = false;
  try {
    // the one e2e downgrade on sysv hosts (etcd under the init script, sshd as PID 1); the others
    // run on the default, systemd hosts
    lab = await labUpWhenFree({ name: 't-etcd-patch', nodes: 3, etcd: '3.5.30', init: 'sysv' });
    await labLoad(lab.name, { keys: 300, leases: 1 });
    const before = await dump(lab);
    const bins = await etcdBins(['3.5.16']);
    const ctl = join(bins['3.5.16']!.bin, 'etcdctl');
    const eps = lab.hosts.map((h) => `http://${h.address}:2379`).join(',');
    const acked: string[] = [];
    let failed = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `/writer/${String(i).padStart(6, '0')}`;
        const ok = await new Promise<boolean>((res) => execFile(ctl, ['--endpoints', eps, '--dial-timeout=2s', '--command-timeout=3s', 'put', key, `v${i}`], { env: { ...process.env, ETCDCTL_API: '3' } }, (err) => res(!err)));
        if (ok) acked.push(key);
        else failed++;
      }
    })();
    const r = await etcdplay(['run', 'playbooks/etcd-patch-downgrade.yml', '-i', lab.inventoryPath, '--yes', '-e', 'etcd_target_version=3.5.16']);
    stop = true;
    await writer;
    assert.is(r.code, 0, r.out);
    console.log(`patch downgrade 3.5.30 -> 3.5.16 (3 members, serial 1): ${r.ms} ms; writes: ${acked.length} acknowledged, ${failed} failed`);
    assert.equal(await versions(lab), ['3.5.16/healthy', '3.5.16/healthy', '3.5.16/healthy']);
    assert.ok(acked.length > 0, 'the writer got writes through');
    const after = await dump(lab);
    const have = new Set(after.kvs.map((k) => k.key));
    const lost = acked.filter((k) => !have.has(k));
    assert.equal(lost, [], 'no acknowledged write lost');
    const old = after.kvs.filter((k) => !k.key.startsWith('/writer/'));
    assert.equal(old, before.kvs);
    assert.equal(after.leases, before.leases);
    // serial: 1 -> the leader hand-over runs once per member, in its own batch
    assert.is(r.out.split('TASK [Hand leadership to another member if this one leads]').length - 1, 3, r.out);
  } finally {
    stop = true;
    if (lab) await labDown(lab.name);
  }
});

test.run();
