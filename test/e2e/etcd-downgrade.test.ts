/**
 * The flagship, end to end in the lab (root only): 3 hosts with etcd 3.5.16 from apt, 2000 keys
 * (some on leases) -> `etcdplay run playbooks/etcd-downgrade.yml`:
 *   1. --check changes nothing;
 *   2. a member that cannot start on 3.4 (a 3.5-only flag in its DAEMON_ARGS) makes the run fail
 *      after the stop: the rescue puts 3.5.16 and the original data back everywhere;
 *   3. without it the downgrade succeeds: every member 3.4.23, healthy, every key, value and lease
 *      identical, revision not lower;
 *   4. etcd-rollback.yml brings 3.5.16 and the pre-downgrade data back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countFromRecap, dump, etcdplay, labDown, labExec, labStatus, labUpWhenFree } from '../integration/etcd/lab-helpers.js';
import { labLoad, type Lab } from '../../src/lab/index.js';

const NAME = 't-etcd-dg';

async function versions(lab: Lab): Promise<string[]> {
  const s = await labStatus(lab.name);
  return s.members.map((m) => `${m.version ?? '?'}/${m.healthy ? 'healthy' : 'unhealthy'}`);
}

async function listing(lab: Lab): Promise<string[]> {
  return Promise.all(lab.hosts.map(async (h) => (await labExec(lab.name, h.name, "ls -A /var/lib/etcd /var/backups 2>&1; dpkg-query -W -f '${Version}' etcd-server")).stdout));
}

test('etcd-downgrade.yml 3.5.16 -> 3.4.23: check mode, rescue, downgrade, rollback', async () => {
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: NAME, nodes: 3, etcd: '3.5.16' });
    const loaded = await labLoad(lab.name, { keys: 2000, leases: 3 });
    assert.is(loaded.leases.length, 3);
    const before = await dump(lab);
    assert.is(before.kvs.length, 2000);
    assert.ok(before.kvs.some((k) => k.lease), 'some keys are leased');
    const inv = lab.inventoryPath;
    const run = (pb: string, ...extra: string[]) => etcdplay(['run', `playbooks/${pb}`, '-i', inv, '--yes', ...extra]);

    // 1. --check: nothing changes
    const listed = await listing(lab);
    const chk = await run('etcd-downgrade.yml', '-e', 'etcd_target_version=3.4.23', '--check');
    assert.is(chk.code, 0, chk.out);
    assert.equal(await listing(lab), listed, 'no file, dir or package changed in --check');
    assert.equal(await dump(lab), before);
    console.log(`check mode: ${chk.ms} ms`);

    // 2. failure after the stop -> rescue
    await labExec(lab.name, 'etcd2', `echo 'DAEMON_ARGS="--experimental-compact-hash-check-enabled"' >> /etc/default/etcd`);
    const bad = await run('etcd-downgrade.yml', '-e', 'etcd_target_version=3.4.23', '-e', 'etcd_wait_timeout=20');
    assert.is(bad.code, 2, bad.out);
    assert.match(bad.out, 'etcd exited after start');
    assert.match(bad.out, 'were put back');
    assert.equal(await versions(lab), ['3.5.16/healthy', '3.5.16/healthy', '3.5.16/healthy']);
    const afterRescue = await dump(lab);
    assert.equal(afterRescue.kvs, before.kvs);
    assert.equal(afterRescue.leases, before.leases);
    console.log(`failed downgrade + rescue: ${bad.ms} ms`);
    await labExec(lab.name, 'etcd2', `sed -i '/^DAEMON_ARGS=/d' /etc/default/etcd && service etcd restart >/dev/null`);

    // 3. the downgrade
    const ok = await run('etcd-downgrade.yml', '-e', 'etcd_target_version=3.4.23');
    assert.is(ok.code, 0, ok.out);
    assert.is(countFromRecap(ok.out, 'failed'), 0);
    // the plain view (stdout is a pipe): the status tables before and after, the closing summary
    assert.match(ok.out, /etcd status \[Cluster status and preflight gate[^\n]*: 3 member\(s\), leader etcd\d; first table of this run/);
    assert.match(ok.out, /etcd status \[Cluster status after\]: 3 member\(s\)/);
    assert.match(ok.out, /etcd\d +[0-9a-f]{16} \(new id\) +3\.4\.23 \(was 3\.5\.16\)/);
    assert.match(ok.out.slice(ok.out.indexOf('CLUSTER SUMMARY')), /members\s+etcd1 3\.5\.16 -> 3\.4\.23, etcd2 3\.5\.16 -> 3\.4\.23, etcd3 3\.5\.16 -> 3\.4\.23/);
    console.log(`downgrade 3.5.16 -> 3.4.23 (3 members, 2000 keys): ${ok.ms} ms`);
    assert.equal(await versions(lab), ['3.4.23/healthy', '3.4.23/healthy', '3.4.23/healthy']);
    for (const h of lab.hosts) {
      const d = await dump(lab, h.name);
      assert.equal(d.kvs, before.kvs, `every key and value on ${h.name}`);
      assert.equal(d.leases, before.leases, `leases on ${h.name}`);
      assert.ok(d.revision >= before.revision, `revision ${d.revision} >= ${before.revision}`);
    }
    const pk = await labExec(lab.name, 'etcd1', "dpkg-query -W -f '${Version}\\n' etcd-server; ls -A /var/lib/etcd; test -e /usr/sbin/policy-rc.d && echo POLICY-LEFT; stat -c %U /var/lib/etcd/default/member");
    assert.match(pk.stdout, '3.4.23-4+b4');
    assert.match(pk.stdout, /default\.etcdplay-\d{8}T\d{6}Z/);
    assert.not.match(pk.stdout, 'POLICY-LEFT');
    assert.match(pk.stdout, /\netcd\n?$/);

    // 4. rollback
    const rb = await run('etcd-rollback.yml');
    assert.is(rb.code, 0, rb.out);
    console.log(`rollback 3.4.23 -> 3.5.16: ${rb.ms} ms`);
    assert.equal(await versions(lab), ['3.5.16/healthy', '3.5.16/healthy', '3.5.16/healthy']);
    const back = await dump(lab);
    assert.equal(back.kvs, before.kvs);
    assert.equal(back.leases, before.leases);
  } finally {
    if (lab) await labDown(lab.name);
  }
});

test.run();
