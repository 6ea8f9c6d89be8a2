/**
 * Issue 15 point 7 (the lock-naming part): the run lock is per etcd cluster, not per host. Two
 * clusters on the same host (kubespray's events cluster: unit etcd-events) have two locks: a run
 * on one does not block a run on the other; a second run on the same cluster is refused naming
 * the cluster. The built CLI against a real sshd, lock root in a temp dir (etcdplay_lock_root).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir, varsFor } from '../connection/_helpers.js';
import { cli, cliAsync } from './_cli.js';

let tmp: ReturnType<typeof tempDir>;
let sshd: Sshd;
const f = (n: string) => join(tmp.dir, n);

test.before(async () => {
  tmp = tempDir('etcdplay-clock-');
  sshd = await startSshd({ address: '127.0.0.66', users: ['root'] });
  const v = { ...varsFor(sshd), etcdplay_lock_root: f('state') };
  writeFileSync(f('inv.yml'), `all:\n  hosts:\n    etcd1:\n${Object.entries(v).map(([k, x]) => `      ${k}: ${JSON.stringify(x)}`).join('\n')}\n`);
  writeFileSync(f('long.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: hold\n      command: sleep 20\n`);
  writeFileSync(f('look.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: look\n      shell: cat ${f('state')}/lock-etcd-events/owner ${f('state')}/lock/owner\n`);
});
test.after(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

test('a run on cluster etcd holds <root>/lock; a run on etcd-events on the same host is not blocked; a second etcd run is refused naming the cluster', async () => {
  const holder = cliAsync(tmp.dir, ['run', f('long.yml'), '-i', f('inv.yml')]);
  for (let i = 0; i < 600 && !existsSync(f('state/lock/owner')); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(f('state/lock/owner')), 'the first run took <root>/lock');
  assert.is(JSON.parse(readFileSync(f('state/lock/owner'), 'utf8')).cluster, 'etcd');

  const second = cli(tmp.dir, ['run', f('long.yml'), '-i', f('inv.yml')]);
  assert.is(second.code, 2, second.out + second.err);
  assert.match(second.err, "another etcdplay run holds the lock of cluster 'etcd'");

  // Both locks held at once: the events run prints its own owner and the etcd run's.
  const events = cli(tmp.dir, ['run', f('look.yml'), '-i', f('inv.yml'), '-e', 'etcd_service=etcd-events', '-v']);
  assert.is(events.code, 0, events.out + events.err);
  assert.match(events.out, '"cluster":"etcd-events"');
  assert.match(events.out, '"cluster":"etcd"');

  const first = await holder;
  assert.is(first.code, 0, first.out + first.err);
  assert.not.ok(existsSync(f('state/lock')), 'released');
  assert.not.ok(existsSync(f('state/lock-etcd-events')), 'released');
});

test('a cluster name that cannot name a lock refuses the run before any change', () => {
  const r = cli(tmp.dir, ['run', f('long.yml'), '-i', f('inv.yml'), '-e', 'etcdplay_cluster=../x']);
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.out + r.err, 'cannot name a lock');
});

test.run();
