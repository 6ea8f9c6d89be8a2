/**
 * Fault injection around the snapshot distribution (lab t-faults-d: 3 x etcd 3.5.16, 300 keys):
 * the run must stop before any stop step, etcd healthy everywhere with every key.
 *   2. etcd2's sshd killed while the snapshot is being sent to it (its sessions killed, its
 *      listener frozen so it cannot reconnect).
 *   3. etcd2's snapshot copy corrupted after the distribution checked it: the sha256 check just
 *      before the stop (playbook task) fails, nothing is stopped.
 *   7. etcd2's backup dir too small for the snapshot (a 16 KiB tmpfs mounted inside the host).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lab } from '../../src/lab/index.js';
import { labDown, labExec } from '../integration/etcd/lab-helpers.js';
import { assertCluster, faultLab, dgArgs, liveRun, ranOn, sshdPid } from './faults-lib.js';

const NAME = 't-faults-d';

test('faults: sshd killed during the distribution, backup dir too small', async () => {
  let lab: Lab | undefined;
  const t0 = Date.now();
  let frozen: number | undefined;
  try {
    const start = await faultLab(NAME);
    lab = start.lab;
    const before = start.before;
    const l = lab;
    const e2 = l.hosts[1]!;

    // 2. kill etcd2's ssh sessions when the distribution starts on it
    let t = Date.now();
    const r2 = liveRun(dgArgs(l), async (e, r) => {
      if (e.type === 'host.start' && e.host === 'etcd2' && r.names.get(e.taskId) === 'Snapshot to every member' && !frozen) {
        frozen = sshdPid(l, e2);
        process.kill(frozen, 'SIGSTOP');
        await labExec(l.name, e2.name, "pkill -KILL -f '^sshd: root' ; true");
      }
    });
    const o2 = await r2.done;
    if (frozen) process.kill(frozen, 'SIGCONT');
    frozen = undefined;
    assert.is.not(o2.code, 0, o2.out.slice(-2000) + o2.err);
    assert.equal(ranOn(r2, 'Stop etcd everywhere'), [], 'no stop step ran');
    assert.match(o2.out, /"host":"etcd2","status":"(unreachable|failed)"/);
    await assertCluster(l, '3.5.16', before, '2. sshd killed during distribution');
    // etcd2's lock could not be released (the host was gone): it is reported, and stays until broken
    const lk = await labExec(l.name, e2.name, 'cat /var/lib/etcdplay/lock/owner 2>/dev/null; rm -rf /var/lib/etcdplay/lock');
    console.log(`2. sshd killed during distribution: stopped before the stop step, exit ${o2.code}, ${o2.ms} ms (${Date.now() - t} ms with checks); etcd2 lock left: ${lk.stdout.trim() ? 'yes (reported)' : 'no'}`);

    // 3. etcd2's copy corrupted after the distribution verified it (one byte flipped, same size).
    // The run is paused (SIGSTOP) the moment etcd2's copy is reported done, so that the corruption
    // lands before the next task can look at the file: etcdplay moves on within milliseconds.
    t = Date.now();
    const r3 = liveRun(dgArgs(l), async (e, r) => {
      if (e.type === 'host.end' && e.host === 'etcd2' && r.names.get(e.taskId) === 'Snapshot to every member') {
        r.child.kill('SIGSTOP');
        try {
          await labExec(l.name, e2.name, 'f=$(ls -t /var/backups/etcd/*.db | head -n1); printf Z | dd of="$f" bs=1 seek=4096 conv=notrunc 2>/dev/null; echo "$f"');
        } finally {
          r.child.kill('SIGCONT');
        }
      }
    });
    const o3 = await r3.done;
    assert.is(o3.code, 2, o3.out.slice(-2000) + o3.err);
    assert.equal(ranOn(r3, 'Stop etcd everywhere'), [], 'no stop step ran');
    const bad3 = r3.events.filter((e) => e.type === 'host.end' && e.status === 'failed').map((e) => `${(e as { host: string }).host}: ${r3.names.get((e as { taskId: string }).taskId)}`);
    assert.equal(bad3, ['etcd2: Snapshot still intact on every member (sha256, just before the stop)']);
    await assertCluster(l, '3.5.16', before, '3. corrupted copy');
    console.log(`3. corrupted snapshot copy detected before the stop: ${o3.ms} ms (${Date.now() - t} ms with checks)`);

    // 7. a 16 KiB tmpfs on etcd2's backup dir
    t = Date.now();
    const m = await labExec(l.name, e2.name, 'mkdir -p /var/backups/etcd && mount -t tmpfs -o size=16k tmpfs /var/backups/etcd && echo MOUNTED');
    assert.match(m.stdout, 'MOUNTED', m.stderr);
    try {
      const r7 = liveRun(dgArgs(l));
      const o7 = await r7.done;
      assert.is.not(o7.code, 0, o7.out.slice(-2000) + o7.err);
      assert.equal(ranOn(r7, 'Stop etcd everywhere'), [], 'no stop step ran');
      const failedAt = r7.events.filter((e) => e.type === 'host.end' && e.host === 'etcd2' && (e.status === 'failed' || e.status === 'unreachable')).map((e) => r7.names.get((e as { taskId: string }).taskId));
      console.log(`7. backup dir too small on etcd2: stopped at ${JSON.stringify(failedAt)}, exit ${o7.code}, ${o7.ms} ms`);
      assert.equal(failedAt, ['Disk space for the snapshot in the backup dir'], 'refused in preflight');
      assert.equal(ranOn(r7, 'Snapshot from the leader'), [], 'no snapshot taken');
    } finally {
      await labExec(l.name, e2.name, 'umount /var/backups/etcd');
    }
    await assertCluster(l, '3.5.16', before, '7. small backup dir');
    console.log(`7. total ${Date.now() - t} ms`);
  } finally {
    if (frozen) try { process.kill(frozen, 'SIGCONT'); } catch { /* gone */ }
    await labDown(NAME).catch(() => undefined);
    console.log(`faults-distribute total: ${Date.now() - t0} ms`);
  }
});

test.run();
