/**
 * Seed 003 replayed one minor lower, in the lab (root only): 3 members of etcd 3.4.23 (bookworm)
 * with TLS, 1000 keys on leases -> `etcd-downgrade.yml` to 3.3.25 (bullseye's package, whose
 * etcdctl defaults to the v2 API) -> `etcd-rollback.yml` back to 3.4.23:
 *   1. v2 store data (--enable-v2, a key set with ETCDCTL_API=2) is refused in preflight, naming
 *      the member and the key, and nothing changes (files, packages, keys, leases, revision);
 *   2. once the v2 key is gone the downgrade runs: every member 3.3.25 and healthy, every key,
 *      value and lease identical, the revision exactly the snapshot's (3.3's etcdctl has no bump);
 *   3. the rollback brings 3.4.23 and the same data back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countFromRecap, dump, etcdplay, labDown, labExec, labStatus, labUpWhenFree, type Dump } from '../integration/etcd/lab-helpers.js';
import { labLoad, type Lab } from '../../src/lab/index.js';

const NAME = 't-33-e2e';

async function versions(lab: Lab): Promise<string[]> {
  const s = await labStatus(lab.name);
  return s.members.map((m) => `${m.version ?? '?'}/${m.healthy ? 'healthy' : 'unhealthy'}`);
}

/** What must not change when a run is refused: data dirs, backups, the installed package. */
async function listing(lab: Lab): Promise<string[]> {
  return Promise.all(lab.hosts.map(async (h) => (await labExec(lab.name, h.name, "ls -A /var/lib/etcd /var/backups 2>&1; dpkg-query -W -f '${Version}' etcd-server")).stdout));
}

async function sameOnEveryMember(lab: Lab, before: Dump, what: string): Promise<void> {
  for (const h of lab.hosts) {
    const d = await dump(lab, h.name);
    assert.equal(d.kvs, before.kvs, `every key and value on ${h.name} (${what})`);
    assert.equal(d.leases, before.leases, `every lease on ${h.name} (${what})`);
    assert.is(d.revision, before.revision, `revision on ${h.name} (${what})`);
  }
}

/** etcdctl v2 inside a lab host against ADDRESS (TLS through v2's own flags). */
const v2ctl = (address: string) => `ETCDCTL_API=2 etcdctl --endpoints=https://${address}:2379 --ca-file=/etc/etcd/pki/ca.crt --cert-file=/etc/etcd/pki/client.crt --key-file=/etc/etcd/pki/client.key`;

test('etcd-downgrade.yml 3.4.23 -> 3.3.25 (TLS): v2 data refused, downgrade keeps every key/lease/revision, rollback', async () => {
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: NAME, nodes: 3, etcd: '3.4.23', tls: true });
    const loaded = await labLoad(lab.name, { keys: 1000, leases: 3 });
    assert.is(loaded.leases.length, 3);
    const inv = lab.inventoryPath;
    const run = (pb: string, ...extra: string[]) => etcdplay(['run', `playbooks/${pb}`, '-i', inv, '--yes', ...extra]);

    // 1. v2 data: --enable-v2 on every member, one v2 key -> refused in preflight, nothing changed
    for (const h of lab.hosts) {
      const r = await labExec(lab.name, h.name, `echo ETCD_ENABLE_V2=true >> /etc/default/etcd && service etcd restart >/dev/null 2>&1; echo rc=$?`);
      assert.match(r.stdout, 'rc=0', r.stderr);
    }
    const v2 = v2ctl(lab.hosts[0]!.address);
    let set = { rc: 1, stdout: '', stderr: '' };
    for (let i = 0; i < 30 && set.rc !== 0; i++) {
      set = await labExec(lab.name, 'etcd1', `${v2} set /legacy/config v2-only`);
      if (set.rc !== 0) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.is(set.rc, 0, set.stderr);
    const before = await dump(lab);
    assert.is(before.kvs.length, 1000);
    assert.ok(before.kvs.some((k) => k.lease), 'some keys are leased');
    const listed = await listing(lab);
    const refused = await run('etcd-downgrade.yml', '-e', 'etcd_target_version=3.3.25');
    assert.is(refused.code, 2, refused.out);
    assert.match(refused.out, 'the etcd v2 store holds 2 node(s) (/legacy, /legacy/config)');
    assert.match(refused.out, 'nothing was changed');
    console.log(`v2 data refused: ${refused.ms} ms`);
    assert.equal(await listing(lab), listed, 'no file, dir or package changed by the refusal');
    assert.equal(await versions(lab), ['3.4.23/healthy', '3.4.23/healthy', '3.4.23/healthy']);
    await sameOnEveryMember(lab, before, 'after the refusal');
    const rm = await labExec(lab.name, 'etcd1', `${v2} rm --recursive /legacy`);
    assert.is(rm.rc, 0, rm.stderr);

    // 2. the downgrade
    const ok = await run('etcd-downgrade.yml', '-e', 'etcd_target_version=3.3.25');
    assert.is(ok.code, 0, ok.out);
    assert.is(countFromRecap(ok.out, 'failed'), 0);
    console.log(`downgrade 3.4.23 -> 3.3.25 (3 members, TLS, 1000 keys): ${ok.ms} ms`);
    assert.equal(await versions(lab), ['3.3.25/healthy', '3.3.25/healthy', '3.3.25/healthy']);
    await sameOnEveryMember(lab, before, 'on 3.3.25');
    const pk = await labExec(lab.name, 'etcd1', "dpkg-query -W -f '${Version}\\n' etcd-server; ls -A /var/lib/etcd; test -e /usr/sbin/policy-rc.d && echo POLICY-LEFT; stat -c %U /var/lib/etcd/default/member");
    assert.match(pk.stdout, '3.3.25+dfsg');
    assert.match(pk.stdout, /default\.etcdplay-\d{8}T\d{6}Z/);
    assert.not.match(pk.stdout, 'POLICY-LEFT');
    assert.match(pk.stdout, /\netcd\n?$/);

    // 3. rollback
    const rb = await run('etcd-rollback.yml');
    assert.is(rb.code, 0, rb.out);
    console.log(`rollback 3.3.25 -> 3.4.23: ${rb.ms} ms`);
    assert.equal(await versions(lab), ['3.4.23/healthy', '3.4.23/healthy', '3.4.23/healthy']);
    await sameOnEveryMember(lab, before, 'rolled back to 3.4.23');
  } finally {
    if (lab) await labDown(lab.name);
  }
});

test.run();
