/**
 * etcd-status.yml, etcd-backup.yml (with a copy on the workstation) and etcd-restore.yml in the lab
 * (root only): the snapshot, older than the live cluster, is refused without
 * etcd_restore_allow_older=true; with it, keys written after the backup are gone after the
 * restore, everything else is as it was, the old data dirs are kept aside.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { dump, etcdplay, labDown, labExec, labUpWhenFree } from '../integration/etcd/lab-helpers.js';
import { labLoad, type Lab } from '../../src/lab/index.js';

test('status, backup (+ fetch), restore from the workstation copy', async () => {
  let lab: Lab | undefined;
  const fetchDir = mkdtempSync(join(tmpdir(), 'etcdplay-fetch-'));
  try {
    lab = await labUpWhenFree({ name: 't-etcd-br', nodes: 3, etcd: '3.5.16' });
    await labLoad(lab.name, { keys: 400, leases: 1 });
    const before = await dump(lab);
    const st = await etcdplay(['run', 'playbooks/etcd-status.yml', '-i', lab.inventoryPath]);
    assert.is(st.code, 0, st.out);
    assert.match(st.out, /ENDPOINT .* ID .* VERSION .* DB SIZE .* IS LEADER .* RAFT TERM .* RAFT INDEX/);
    const ep3 = `http://${lab.hosts[2]!.address}:2379`.replace(/\./g, '\\.');
    assert.match(st.out, new RegExp(`${ep3} \\| [0-9a-f]+ \\|\\s+3\\.5\\.16 \\|`));

    const bk = await etcdplay(['run', 'playbooks/etcd-backup.yml', '-i', lab.inventoryPath, '-e', `etcd_backup_fetch_dir=${fetchDir}`]);
    assert.is(bk.code, 0, bk.out);
    const files = readdirSync(fetchDir).sort();
    assert.is(files.length, 2, files.join());
    const db = files.find((f) => f.endsWith('.db'))!;
    const manifest = JSON.parse(readFileSync(join(fetchDir, `${db}.json`), 'utf8'));
    assert.is(createHash('sha256').update(readFileSync(join(fetchDir, db))).digest('hex'), manifest.sha256);
    assert.is(manifest.keyCount, 400);
    assert.is(manifest.packageVersion, '3.5.16-4');

    await labExec(lab.name, 'etcd1', `ETCDCTL_API=3 etcdctl --endpoints=http://${lab.hosts[0]!.address}:2379 put /after-backup 1 >/dev/null`);
    // the snapshot is now older than the live cluster: refused before anything is fenced or stopped
    const refused = await etcdplay(['run', 'playbooks/etcd-restore.yml', '-i', lab.inventoryPath, '--yes', '-e', `etcd_snapshot_local=${join(fetchDir, db)}`, '-e', 'etcd_snapshot=/var/backups/etcd/from-workstation.db']);
    assert.is(refused.code, 2, refused.out);
    assert.match(refused.out, /refusing to restore an older snapshot: snapshot revision \d+ .*the live cluster is at revision \d+, 1 revision\(s\) newer.*etcd_restore_allow_older=true/);
    assert.equal((await dump(lab)).kvs.length, before.kvs.length + 1, 'nothing changed');
    // restore from the workstation copy (put), to a new path on every member
    const rs = await etcdplay(['run', 'playbooks/etcd-restore.yml', '-i', lab.inventoryPath, '--yes', '-e', `etcd_snapshot_local=${join(fetchDir, db)}`, '-e', 'etcd_snapshot=/var/backups/etcd/from-workstation.db', '-e', 'etcd_restore_allow_older=true']);
    assert.match(rs.out, /WARNING: snapshot revision \d+ .* is older than the live cluster/);
    assert.is(rs.code, 0, rs.out);
    console.log(`backup ${bk.ms} ms, restore ${rs.ms} ms (3 members, 400 keys)`);
    for (const h of lab.hosts) {
      const d = await dump(lab, h.name);
      assert.equal(d.kvs, before.kvs, `keys on ${h.name}: the one written after the backup is gone`);
      assert.equal(d.leases, before.leases);
      assert.ok(d.revision > 1_000_000_000, 'etcdutl 3.5 bumped the revision');
      const ls = await labExec(lab.name, h.name, 'ls -d /var/lib/etcd/default.etcdplay-*; stat -c %a /var/backups/etcd/from-workstation.db');
      assert.match(ls.stdout, /default\.etcdplay-\d{8}T\d{6}Z/);
      assert.match(ls.stdout, /\n600\n/);
    }
  } finally {
    if (lab) await labDown(lab.name);
    if (existsSync(fetchDir)) rmSync(fetchDir, { recursive: true, force: true });
  }
});

test.run();
