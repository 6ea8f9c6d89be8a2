/**
 * etcd-downgrade.yml with etcd_restore_with_source_tool=true (root only, the lab): 3.5.16's
 * etcdutl restores with --bump-revision --mark-compacted BEFORE 3.4.23 is installed (3.4.23's
 * etcdctl cannot bump), then the members run 3.4.23 on those data dirs: every key, value and
 * lease identical, revision raised by 1e9 so watchers relist instead of missing events.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dump, etcdplay, labDown, labExec, labStatus, labUpWhenFree } from '../integration/etcd/lab-helpers.js';
import { labLoad, type Lab } from '../../src/lab/index.js';

test('3.5.16 -> 3.4.23 restored by 3.5.16 etcdutl with a revision bump', async () => {
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: 't-etcd-src', nodes: 3, etcd: '3.5.16' });
    await labLoad(lab.name, { keys: 500, leases: 2 });
    const before = await dump(lab);
    const r = await etcdplay(['run', 'playbooks/etcd-downgrade.yml', '-i', lab.inventoryPath, '--yes', '-e', 'etcd_target_version=3.4.23', '-e', 'etcd_restore_with_source_tool=true']);
    assert.is(r.code, 0, r.out);
    console.log(`downgrade with the source tool (3 members, 500 keys): ${r.ms} ms`);
    const s = await labStatus(lab.name);
    assert.equal(s.members.map((m) => `${m.version}/${m.healthy}`), ['3.4.23/true', '3.4.23/true', '3.4.23/true']);
    for (const h of lab.hosts) {
      const d = await dump(lab, h.name);
      assert.equal(d.kvs, before.kvs);
      assert.equal(d.leases, before.leases);
      assert.ok(d.revision >= before.revision + 1_000_000_000, `revision ${d.revision} bumped past ${before.revision}`);
    }
    // writes work and continue from the bumped revision
    const w = await labExec(lab.name, 'etcd1', `ETCDCTL_API=3 etcdctl --endpoints=http://${lab.hosts[0]!.address}:2379 put /after x -w json`);
    assert.is(w.rc, 0, w.stderr);
    assert.match(w.stdout, /"revision":100000\d{4}/);
  } finally {
    if (lab) await labDown(lab.name);
  }
});

test.run();
