/**
 * Real etcd 3.5.16 and 3.4.23 on loopback (no SSH): the module command lines and parsers against
 * the real binaries. 3.5.16 cluster with keys and a lease -> etcd_snapshot_save -> stop -> move
 * aside -> etcd_snapshot_restore with 3.4.23's etcdctl (and, second, 3.5.16's etcdutl with a
 * revision bump) -> start -> etcd_wait_healthy + etcd_verify_data: every key, value and lease equal.
 * Also pins the failure of the in-place binary swap.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, cpSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Cluster, ctl, ctxFor, etcdBins, members, runModule, tmpBase, waitHealthy, type Bins } from './helpers.js';
import { etcdStatusModule } from '../../../src/modules/etcd/status.js';
import { etcdSnapshotSaveModule } from '../../../src/modules/etcd/snapshot-save.js';
import { etcdDataMoveAsideModule } from '../../../src/modules/etcd/data-dir.js';
import { etcdSnapshotRestoreModule } from '../../../src/modules/etcd/snapshot-restore.js';
import { etcdWaitHealthyModule } from '../../../src/modules/etcd/wait-healthy.js';
import { etcdVerifyDataModule } from '../../../src/modules/etcd/verify-data.js';
import { etcdVersionPathModule } from '../../../src/modules/etcd/version-path-module.js';
import { inPlaceSwapError } from '../../../src/modules/etcd/version-path.js';

let bins: Record<string, Bins>;
const base = tmpBase('restore');
const ms = members(base, '127.0.3', 3);
const eps = ms.map((m) => m.clientUrl).join(',');
let manifestFile = '';
const KEYS = 150;

function dump(b: Bins): string {
  const r = ctl(b, ['--endpoints', ms[0]!.clientUrl, 'get', '', '--prefix', '--hex']);
  assert.is(r.rc, 0, r.stderr);
  return r.stdout;
}

test.before(async () => {
  bins = await etcdBins(['3.4.23', '3.5.16']);
});

test.after(() => {
  rmSync(base, { recursive: true, force: true });
});

test('3.5.16 -> 3.4.23 through etcd_snapshot_save / move aside / etcd_snapshot_restore', async () => {
  const src = new Cluster(ms, bins['3.5.16']!, 'orig');
  let restored: Cluster | undefined;
  try {
    src.start();
    await waitHealthy(bins['3.5.16']!, ms);
    const puts = Array.from({ length: KEYS }, (_, i) => `put /reg/k${i} "value ${i} $(x)"`).join('\n');
    void puts;
    for (let i = 0; i < KEYS; i++) assert.is(ctl(bins['3.5.16']!, ['--endpoints', eps, 'put', `/reg/k${String(i).padStart(4, '0')}`, `value ${i} ${'x'.repeat(i % 50)}`]).rc, 0);
    const lease = ctl(bins['3.5.16']!, ['--endpoints', eps, 'lease', 'grant', '3600']).stdout.split(/\s+/)[1]!;
    assert.is(ctl(bins['3.5.16']!, ['--endpoints', eps, 'put', '/leased/a', 'x', `--lease=${lease}`]).rc, 0);
    ctl(bins['3.5.16']!, ['--endpoints', eps, 'put', '/bin', '\u0001\u0002\u00ff binary']);
    const before = dump(bins['3.5.16']!);

    const st = await runModule(etcdStatusModule, {}, ctxFor(ms, 0), bins['3.5.16']!);
    assert.not.ok(st.failed, st.msg);
    const rows = (st.data as { rows: { version: string; isLeader: boolean }[] }).rows;
    assert.is(rows.length, 3);
    assert.is(rows.filter((r) => r.isLeader).length, 1);
    assert.ok(rows.every((r) => r.version === '3.5.16'));
    assert.match(String(st.stdout), /ENDPOINT .* ID .* VERSION .* DB SIZE .* IS LEADER .* RAFT TERM .* RAFT INDEX/);

    const vp = await runModule(etcdVersionPathModule, { target: '3.4.23', check_available: false, allowed_methods: ['snapshot-restore'] }, ctxFor(ms, 0), bins['3.5.16']!);
    assert.not.ok(vp.failed, vp.msg);
    assert.is((vp.data as { method: string }).method, 'snapshot-restore');
    const vp2 = await runModule(etcdVersionPathModule, { target: '3.4.23', check_available: false, method: 'patch-rolling' }, ctxFor(ms, 0), bins['3.5.16']!);
    assert.ok(vp2.failed);
    assert.match(String(vp2.msg), 'cluster cannot be downgraded (current version: 3.4.23 is lower than determined cluster version: 3.5)');

    const snap = await runModule(etcdSnapshotSaveModule, { backup_dir: join(base, 'backup') }, ctxFor(ms, 0), bins['3.5.16']!);
    assert.not.ok(snap.failed, `${snap.msg}\n${snap.stderr}`);
    assert.ok(snap.changed);
    const man = snap.data as Record<string, any>;
    manifestFile = `${man.file}.json`;
    assert.ok(existsSync(man.file));
    assert.is((spawnSync('stat', ['-c', '%a', man.file], { encoding: 'utf8' }).stdout.trim()), '600');
    assert.equal(JSON.parse(readFileSync(manifestFile, 'utf8')), man);
    assert.is(man.keyCount, KEYS + 2);
    assert.is(man.sourceVersion, '3.5.16');
    assert.is(man.leases.length, 1);
    assert.is(man.status.revision, man.revision);
    assert.match(man.sha256, /^[0-9a-f]{64}$/);
    assert.is(spawnSync('sha256sum', [man.file], { encoding: 'utf8' }).stdout.split(' ')[0], man.sha256);

    await src.stop();
    // the in-place binary swap fails with etcd's own message
    const copy = join(base, 'inplace');
    cpSync(ms[0]!.dataDir, copy, { recursive: true });
    const inplace = spawnSync(join(bins['3.4.23']!.bin, 'etcd'), ['--name', 'etcd1', '--data-dir', copy, '--listen-client-urls', 'http://127.0.3.31:2379', '--advertise-client-urls', 'http://127.0.3.31:2379', '--listen-peer-urls', 'http://127.0.3.31:2380', '--initial-advertise-peer-urls', 'http://127.0.3.31:2380', '--initial-cluster', 'etcd1=http://127.0.3.31:2380'], { encoding: 'utf8', timeout: 30_000 });
    assert.ok(inplace.stderr.includes(inPlaceSwapError('3.4.23', '3.5.0')), inplace.stderr.slice(-500));

    for (let i = 0; i < 3; i++) {
      const a = await runModule(etcdDataMoveAsideModule, { suffix: 'test1' }, ctxFor(ms, i), bins['3.4.23']!);
      assert.not.ok(a.failed, a.msg);
      assert.ok(a.changed);
      assert.not.ok(existsSync(ms[i]!.dataDir));
      assert.ok(existsSync(`${ms[i]!.dataDir}.etcdplay-test1/member`));
      // a second move finds nothing to move
      const again = await runModule(etcdDataMoveAsideModule, { suffix: 'test1' }, ctxFor(ms, i), bins['3.4.23']!);
      assert.not.ok(again.failed);
      assert.not.ok(again.changed);
    }
    for (let i = 0; i < 3; i++) {
      const r = await runModule(etcdSnapshotRestoreModule, { snapshot: man.file }, ctxFor(ms, i), bins['3.4.23']!);
      assert.not.ok(r.failed, `${r.msg}\n${r.stderr}`);
      const d = r.data as Record<string, any>;
      assert.is(d.tool, 'etcdctl');
      assert.is(d.toolVersion, '3.4.23');
      assert.is(d.bumpSupported, false);
      assert.is(d.selinux, 'disabled');
      assert.ok(existsSync(join(ms[i]!.dataDir, 'member', 'snap', 'db')));
      // restoring again is refused: member/ exists
      const again = await runModule(etcdSnapshotRestoreModule, { snapshot: man.file }, ctxFor(ms, i), bins['3.4.23']!);
      assert.ok(again.failed);
      assert.match(String(again.msg), 'member exists');
    }
    restored = new Cluster(ms, bins['3.4.23']!, 'restored');
    restored.start();
    const wh = await runModule(etcdWaitHealthyModule, { version: '3.4.23', manifest: manifestFile, timeout: 60, interval: 0.5 }, ctxFor(ms, 0), bins['3.4.23']!);
    assert.not.ok(wh.failed, wh.msg);
    assert.is((wh.data as any).keyCount, KEYS + 2);
    const vd = await runModule(etcdVerifyDataModule, { manifest: manifestFile }, ctxFor(ms, 1), bins['3.4.23']!);
    assert.not.ok(vd.failed, vd.msg);
    assert.is(dump(bins['3.4.23']!), before);
    const lst = ctl(bins['3.4.23']!, ['--endpoints', eps, 'lease', 'list']).stdout;
    assert.ok(lst.includes(man.leases[0]), lst);
    // a wrong version is reported
    const wrong = await runModule(etcdWaitHealthyModule, { version: '3.5.16', timeout: 2, interval: 0.5 }, ctxFor(ms, 0), bins['3.4.23']!);
    assert.ok(wrong.failed);
    assert.match(String(wrong.msg), 'runs 3.4.23, want 3.5.16');
    // a changed key is reported by verify
    ctl(bins['3.4.23']!, ['--endpoints', eps, 'put', '/reg/k0000', 'changed']);
    const vd2 = await runModule(etcdVerifyDataModule, { manifest: manifestFile }, ctxFor(ms, 1), bins['3.4.23']!);
    assert.ok(vd2.failed);
    assert.match(String(vd2.msg), 'keys/values differ');
  } finally {
    await src.stop();
    await restored?.stop();
  }
});

test('etcdutl 3.5.16 restore bumps the revision and keeps every key (then move back = rollback)', async () => {
  let c: Cluster | undefined;
  try {
    for (let i = 0; i < 3; i++) {
      const a = await runModule(etcdDataMoveAsideModule, { suffix: 'test2' }, ctxFor(ms, i), bins['3.5.16']!);
      assert.not.ok(a.failed, a.msg);
      const man = JSON.parse(readFileSync(manifestFile, 'utf8'));
      const r = await runModule(etcdSnapshotRestoreModule, { snapshot: man.file }, ctxFor(ms, i), bins['3.5.16']!);
      assert.not.ok(r.failed, `${r.msg}\n${r.stderr}`);
      assert.is((r.data as any).tool, 'etcdutl');
      assert.is((r.data as any).bumpedBy, 1_000_000_000);
    }
    c = new Cluster(ms, bins['3.5.16']!, 'restored2');
    c.start();
    const wh = await runModule(etcdWaitHealthyModule, { version: '3.5.16', manifest: manifestFile, timeout: 60, interval: 0.5 }, ctxFor(ms, 0), bins['3.5.16']!);
    assert.not.ok(wh.failed, wh.msg);
    assert.ok(Number((wh.data as any).revision) > 1_000_000_000);
    const vd = await runModule(etcdVerifyDataModule, { manifest: manifestFile }, ctxFor(ms, 2), bins['3.5.16']!);
    assert.not.ok(vd.failed, vd.msg);
    await c.stop();
    // rollback: the original (3.5.16) data dirs come back
    for (let i = 0; i < 3; i++) {
      const f = await runModule(etcdDataMoveAsideModule, { action: 'find' }, ctxFor(ms, i), bins['3.5.16']!);
      assert.not.ok(f.failed, f.msg);
      assert.ok(String((f.data as any).backup).endsWith('.etcdplay-test2'));
      const b = await runModule(etcdDataMoveAsideModule, { action: 'back', backup: `${ms[i]!.dataDir}.etcdplay-test1` }, ctxFor(ms, i), bins['3.5.16']!);
      assert.not.ok(b.failed, b.msg);
      assert.ok(String((b.data as any).failedAside).includes('.etcdplay-failed-'));
      assert.is((b.data as any).record.etcdVersion, '3.4.23');
    }
    c = new Cluster(ms, bins['3.5.16']!, 'orig');
    c.start('existing');
    const wh2 = await runModule(etcdWaitHealthyModule, { version: '3.5.16', manifest: manifestFile, timeout: 60, interval: 0.5 }, ctxFor(ms, 0), bins['3.5.16']!);
    assert.not.ok(wh2.failed, wh2.msg);
  } finally {
    await c?.stop();
  }
});

test.run();
