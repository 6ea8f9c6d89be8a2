/**
 * Fault injection, recovery half (lab t-faults-r: 3 x etcd 3.5.16, 300 keys, 2 leases):
 *   4. etcd cannot start after the restore on one host (its peer port taken by a listener inside
 *      it): any_errors_fatal sends every host to the rescue at once (the health wait never
 *      starts); the rescue brings 3.5.16 and the original data back everywhere.
 *   6. a second run while the first holds the cluster lock is refused, naming the holder.
 *   5. SIGINT to etcdplay right after the stop step: exit 130, resume hint, lock released;
 *      `--resume RUN_ID` completes the downgrade with every key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readJournal } from '../../src/engine/journal.js';
import { defaultRunDir } from '../../src/engine/runid.js';
import type { Lab } from '../../src/lab/index.js';
import { labDown, labExec } from '../integration/etcd/lab-helpers.js';
import { assertCluster, faultLab, dgArgs, isTask, liveRun, ranOn, runIdOf } from './faults-lib.js';

const NAME = 't-faults-r';

test('faults: rescue on a failed start, lock refusal, interrupt + resume', async () => {
  let lab: Lab | undefined;
  const t0 = Date.now();
  try {
    const start = await faultLab(NAME);
    lab = start.lab;
    const before = start.before;
    assert.is(before.kvs.length, 300);
    const l = lab;
    const e2 = l.hosts[1]!;

    let t = Date.now();
    if (!process.env.FAULTS_SKIP4) {
    // 4. peer port of etcd2 taken right after the restore; freed when the rescue starts
    const grab = `setsid perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "${e2.address}:2380", Listen => 5, ReuseAddr => 1) or die "bind: $!"; open(my $f, ">", "/run/grab.pid"); print $f $$; close $f; sleep 600' </dev/null >/dev/null 2>&1 & sleep 0.5; cat /run/grab.pid`;
    const bad = liveRun(dgArgs(l, '-e', 'etcd_wait_timeout=20'), async (e, r) => {
      // The run is paused (SIGSTOP) from etcd2's restore result until the port is taken: the
      // start follows within milliseconds.
      if (e.type === 'host.end' && e.host === 'etcd2' && r.names.get(e.taskId) === 'Restore the snapshot with the target version\'s tool') {
        r.child.kill('SIGSTOP');
        try {
          const g = await labExec(l.name, e2.name, grab);
          assert.ok(/^\d+/.test(g.stdout.trim()), `listener started: ${g.stdout} ${g.stderr}`);
        } finally {
          r.child.kill('SIGCONT');
        }
      }
      if (isTask(e, r, 'task.start', 'Stop etcd (rescue)')) await labExec(l.name, e2.name, 'kill $(cat /run/grab.pid) 2>/dev/null; rm -f /run/grab.pid; true');
    });
    const b = await bad.done;
    if (process.env.FAULTS_DEBUG) (await import('node:fs')).writeFileSync('/tmp/faults-bad.jsonl', b.out + '\n----\n' + b.err);
    assert.is(b.code, 2, b.out.slice(-3000) + b.err);
    assert.match(b.out, 'were put back');
    assert.equal(ranOn(bad, 'Wait until every member is healthy on the target version'), [], 'no host waited for the health of a cluster that cannot come up');
    assert.equal(ranOn(bad, 'Stop etcd (rescue)').sort(), ['etcd1', 'etcd2', 'etcd3'], 'every host of the batch ran the rescue');
    await assertCluster(l, '3.5.16', before, 'after the rescue');
    assert.not.ok(existsSync(join(defaultRunDir(runIdOf(bad)), 'x')));
    const lockLeft = await labExec(l.name, 'etcd1', 'test -e /var/lib/etcdplay/lock && echo LOCKED; cat /var/lib/etcdplay/runs/*.json');
    assert.not.match(lockLeft.stdout, 'LOCKED', 'lock released after a failed run');
    assert.match(lockLeft.stdout, `"runId":"${runIdOf(bad)}"`, 'the host keeps a marker of the run');
    console.log(`4. start failure after restore -> rescue everywhere: ${b.ms} ms`);
    }

    // 6 + 5. a concurrent run is refused; SIGINT right after the stop; resume
    t = Date.now();
    let secondRun: ReturnType<typeof liveRun> | undefined;
    let interruptedAt = '';
    const first = liveRun(dgArgs(l), async (e, r) => {
      // The second run is refused within a second or two; the first (lock held) is paused
      // meanwhile, or it may reach the stop and its interrupt, and release the lock, first.
      if (isTask(e, r, 'task.start', 'Gather etcd facts (the original version and data dir, for the rescue)') && !secondRun) {
        r.child.kill('SIGSTOP');
        try {
          secondRun = liveRun(dgArgs(l));
          await secondRun.done;
        } finally {
          r.child.kill('SIGCONT');
        }
      }
      if (isTask(e, r, 'task.end', 'Stop etcd everywhere') && !interruptedAt) {
        interruptedAt = new Date().toISOString();
        r.child.kill('SIGINT');
      }
    });
    const a = await first.done;
    const second = secondRun ? await secondRun.done : undefined;
    if (process.env.FAULTS_DEBUG) (await import('node:fs')).writeFileSync('/tmp/faults-first.jsonl', a.out + '\n----\n' + a.err + '\n====\n' + (second?.out ?? '') + '\n----\n' + (second?.err ?? ''));
    const runId = runIdOf(first);
    assert.ok(second, 'the second run was started');
    assert.is(second!.code, 2, second!.out + second!.err);
    assert.match(second!.err + second!.out, `locked by run ${runId}`);
    assert.match(second!.err + second!.out, 'nothing was changed');
    console.log(`6. concurrent run refused by the lock (holder named)`);
    assert.is(a.code, 130, a.out.slice(-2000) + a.err);
    assert.match(a.err, `etcdplay run --resume ${runId}`);
    assert.match(a.err, 'etcd-rollback.yml');
    const j = readJournal(defaultRunDir(runId))!;
    assert.is(j.status, 'interrupted');
    assert.ok(j.hosts.etcd1!.registered.snap, 'snapshot result journaled');
    const state = await labExec(l.name, 'etcd1', 'pgrep -x etcd >/dev/null && echo RUNNING; test -e /var/lib/etcdplay/lock && echo LOCKED; true');
    assert.not.match(state.stdout, 'RUNNING', 'stopped when interrupted');
    assert.not.match(state.stdout, 'LOCKED', 'lock released on interrupt');

    const res = liveRun(['run', '--resume', runId, '--yes']);
    const rr = await res.done;
    assert.is(rr.code, 0, rr.out.slice(-3000) + rr.err);
    assert.is(runIdOf(res), runId);
    assert.equal(ranOn(res, 'Snapshot from the leader'), [], 'the snapshot was not taken again');
    assert.equal(ranOn(res, 'Gather etcd facts (the original version and data dir, for the rescue)'), [], 'facts restored, not re-gathered');
    await assertCluster(l, '3.4.23', before, 'after interrupt + resume');
    assert.is(readJournal(defaultRunDir(runId))!.status, 'ok');
    console.log(`5. interrupt after the stop + resume: ${a.ms} + ${rr.ms} ms (${Date.now() - t} ms with checks)`);
  } finally {
    await labDown(NAME).catch(() => undefined);
    console.log(`faults-recover total: ${Date.now() - t0} ms`);
  }
});

test.run();
