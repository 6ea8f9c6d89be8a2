/**
 * The per-cluster run lock with the real engine (LocalConnection hosts; the lock dir is set with
 * etcdplay_lock_dir, as local hosts are not locked otherwise): taken and released, a second run
 * refused naming the holder, a stale holder explained with --break-lock, resume takes it over.
 */
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterLock, staleReason } from '../../../src/engine/lock.js';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';

const PB = `- hosts: nodes
  gather_facts: false
  tasks:
    - name: look
      shell: cat @DIR@/lock/owner
      register: owner
`;

const inv = (dir: string) => localInventory(2).replace('all:\n  vars:\n    ansible_connection: local\n', `all:\n  vars:\n    ansible_connection: local\n    etcdplay_lock_dir: ${dir}/lock\n`);

test('the lock is held during the run and released after it, with a marker of the run', async () => {
  const dir = tempDir();
  try {
    const r = await runYaml(PB, inv(dir), { dir, runId: 'run-a' });
    assert.is(r.exitCode, 0, JSON.stringify(r.events.filter((e) => e.type === 'warning')));
    const owner = JSON.parse(String(r.result('look', 'h1')!.stdout)) as { runId: string; pid: number; workstation: string; playbook: string };
    assert.is(owner.runId, 'run-a');
    // taking the lock is a note, not a warning (nothing is wrong)
    assert.equal(r.events.filter((e) => e.type === 'warning'), []);
    assert.ok(r.events.some((e) => e.type === 'note' && /^run lock taken on h1, h2$|^run lock taken on h2, h1$/.test(e.message)));
    assert.is(owner.pid, process.pid);
    assert.is(owner.workstation, hostname());
    assert.not.ok(existsSync(join(dir, 'lock')), 'released');
    const marker = JSON.parse(readFileSync(join(dir, 'runs', 'run-a.json'), 'utf8')) as { status: string; lastCompleted: { name: string } };
    assert.is(marker.status, 'ok');
    assert.is(marker.lastCompleted.name, 'look');
  } finally {
    cleanup(dir);
  }
});

test('a second run is refused, naming the holder; nothing runs; --check takes no lock', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'lock'));
    const holder = { runId: 'other-run', workstation: hostname(), pid: process.pid, time: new Date().toISOString(), playbook: 'x.yml', user: 'alice' };
    writeFileSync(join(dir, 'lock', 'owner'), JSON.stringify(holder));
    const r = await runYaml(PB, inv(dir), { dir, runId: 'run-b' });
    assert.is(r.exitCode, 2);
    assert.equal(r.taskNames(), []);
    const w = r.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message).join('\n');
    assert.match(w, 'locked by run other-run (x.yml) by alice@');
    assert.match(w, 'wait until that run ends');
    assert.is(JSON.parse(readFileSync(join(dir, 'lock', 'owner'), 'utf8')).runId, 'other-run', 'the holder keeps its lock');
    const c = await runYaml(`- hosts: nodes\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n`, inv(dir), { dir, check: true });
    assert.is(c.exitCode, 0);
  } finally {
    cleanup(dir);
  }
});

test('a stale lock is explained with --break-lock, never broken silently; --break-lock and resume take it', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'lock'));
    const holder = { runId: 'dead-run', workstation: hostname(), pid: 2 ** 22 + 12345, time: new Date().toISOString(), playbook: 'x.yml' };
    writeFileSync(join(dir, 'lock', 'owner'), JSON.stringify(holder));
    const r = await runYaml(PB, inv(dir), { dir, runId: 'run-c', commandHint: 'etcdplay run x.yml -i inv' });
    assert.is(r.exitCode, 2);
    const w = r.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message).join('\n');
    assert.match(w, `process ${holder.pid} on ${hostname()} is gone`);
    assert.match(w, 'etcdplay run --resume dead-run');
    assert.match(w, 'etcdplay run x.yml -i inv --break-lock');
    assert.ok(existsSync(join(dir, 'lock', 'owner')));
    // --break-lock
    const b = await runYaml(PB, inv(dir), { dir, runId: 'run-d', breakLock: true });
    assert.is(b.exitCode, 0, JSON.stringify(b.events.filter((e) => e.type === 'warning' || e.type === 'host.end')));
    assert.is(JSON.parse(String(b.result('look', 'h1')!.stdout)).runId, 'run-d');
    // resume of the holder takes its own lock over
    mkdirSync(join(dir, 'lock'));
    writeFileSync(join(dir, 'lock', 'owner'), JSON.stringify({ ...holder, runId: 'run-e' }));
    const e = await runYaml(PB, inv(dir), { dir, runId: 'run-e', resume: { version: 1, runId: 'run-e', playbook: { file: '', sha256: '' }, inventory: [], extraVars: {}, secretVars: [], options: {}, check: false, status: 'interrupted', startedAt: '', updatedAt: '', attempts: 1, hosts: {} } });
    assert.is(e.exitCode, 0);
    assert.not.ok(existsSync(join(dir, 'lock')));
  } finally {
    cleanup(dir);
  }
});

test('staleReason: gone process on this workstation, age, or neither', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  assert.match(String(staleReason({ runId: 'a', workstation: 'elsewhere', pid: 1, time: '2026-01-01T00:00:00Z', playbook: '' }, now, 12, 'here')), 'older than 12 hours');
  assert.is(staleReason({ runId: 'a', workstation: 'elsewhere', pid: 1, time: '2026-01-01T20:00:00Z', playbook: '' }, now, 12, 'here'), undefined);
  assert.is(staleReason({ runId: 'a', workstation: 'here', pid: process.pid, time: '2026-01-01T20:00:00Z', playbook: '' }, now, 12, 'here'), undefined);
  assert.match(String(staleReason(undefined)), 'missing');
});

test('a lock dir given with a trailing slash, under parents that do not exist yet: taken, released, marker beside it', async () => {
  const dir = tempDir();
  try {
    const deep = join(dir, 'a', 'b', 'lock');
    const invText = localInventory(2).replace('all:\n  vars:\n    ansible_connection: local\n', `all:\n  vars:\n    ansible_connection: local\n    etcdplay_lock_dir: ${deep}//\n`);
    const r = await runYaml(PB.replace('@DIR@/lock/owner', `${deep}/owner`), invText, { dir, runId: 'run-deep' });
    assert.is(r.exitCode, 0, JSON.stringify(r.events.filter((e) => e.type === 'warning')));
    assert.is((JSON.parse(String(r.result('look', 'h2')!.stdout)) as { runId: string }).runId, 'run-deep');
    assert.not.ok(existsSync(deep), 'released');
    assert.is((JSON.parse(readFileSync(join(dir, 'a', 'b', 'runs', 'run-deep.json'), 'utf8')) as { status: string }).status, 'ok');
  } finally {
    cleanup(dir);
  }
});

const warnings = (r: { events: { type: string }[] }): string => r.events.filter((e) => e.type === 'warning').map((e) => (e as { message?: string }).message).join('\n');

test('--break-lock refuses to break the lock of a live holder on this workstation (its pid runs)', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'lock'));
    const holder = { runId: 'live-run', workstation: hostname(), pid: process.pid, time: new Date(Date.now() - 13 * 3600_000).toISOString(), playbook: 'x.yml', lease: 120 };
    writeFileSync(join(dir, 'lock', 'owner'), JSON.stringify(holder));
    const r = await runYaml(PB, inv(dir), { dir, runId: 'run-f', breakLock: true, commandHint: 'etcdplay run x.yml -i inv' });
    assert.is(r.exitCode, 2, warnings(r));
    assert.equal(r.taskNames(), []);
    assert.match(warnings(r), `alive: process ${process.pid} is running on this workstation`);
    assert.match(warnings(r), '--break-lock refused');
    assert.is(JSON.parse(readFileSync(join(dir, 'lock', 'owner'), 'utf8')).runId, 'live-run', 'the live holder keeps its lock');
  } finally {
    cleanup(dir);
  }
});

test('a holder on another workstation: its lock is broken only once its heartbeat is older than its lease', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'lock'));
    const holder = { runId: 'far-run', workstation: 'other-workstation', pid: 4242, time: new Date().toISOString(), playbook: 'x.yml', lease: 60 };
    writeFileSync(join(dir, 'lock', 'owner'), JSON.stringify(holder));
    writeFileSync(join(dir, 'lock', 'heartbeat'), '');
    const r = await runYaml(PB, inv(dir), { dir, runId: 'run-g', breakLock: true });
    assert.is(r.exitCode, 2, warnings(r));
    assert.match(warnings(r), /alive: its heartbeat was renewed \d+ s ago \(lease 60 s\)/);
    assert.is(JSON.parse(readFileSync(join(dir, 'lock', 'owner'), 'utf8')).runId, 'far-run');
    const old = (Date.now() - 600_000) / 1000;
    utimesSync(join(dir, 'lock', 'heartbeat'), old, old);
    const plain = await runYaml(PB, inv(dir), { dir, runId: 'run-h' });
    assert.is(plain.exitCode, 2, 'never broken without --break-lock');
    assert.match(warnings(plain), /its holder is dead: its heartbeat stopped: last renewed \d+ s ago, lease 60 s/);
    const b = await runYaml(PB, inv(dir), { dir, runId: 'run-i', breakLock: true });
    assert.is(b.exitCode, 0, warnings(b));
    assert.is(JSON.parse(String(b.result('look', 'h1')!.stdout)).runId, 'run-i');
  } finally {
    cleanup(dir);
  }
});

test('a running holder renews its heartbeat: judged from another workstation mid-run, it is alive', async () => {
  const dir = tempDir();
  try {
    const invText = inv(dir).replace(`etcdplay_lock_dir: ${dir}/lock\n`, `etcdplay_lock_dir: ${dir}/lock\n    etcdplay_lock_lease: 1\n`);
    const long = `- hosts: nodes\n  gather_facts: false\n  tasks:\n    - name: long\n      command: sleep 3\n`;
    const a = runYaml(long, invText, { dir, runId: 'run-long' });
    await new Promise((res) => setTimeout(res, 2200));
    // Seen from elsewhere: the same owner file, another workstation (so only the heartbeat can tell).
    const owner = JSON.parse(readFileSync(join(dir, 'lock', 'owner'), 'utf8')) as { runId: string; lease: number };
    assert.is(owner.runId, 'run-long');
    assert.is(owner.lease, 1);
    writeFileSync(join(dir, 'lock', 'owner'), JSON.stringify({ ...owner, workstation: 'other-workstation' }) + '\n');
    const b = await runYaml(PB, invText, { dir, runId: 'run-breaker', breakLock: true });
    assert.is(b.exitCode, 2, warnings(b));
    assert.match(warnings(b), /alive: its heartbeat was renewed [01] s ago \(lease 1 s\)/);
    const ra = await a;
    assert.is(ra.exitCode, 0, warnings(ra));
    assert.not.ok(existsSync(join(dir, 'lock')), 'released by its holder');
  } finally {
    cleanup(dir);
  }
});

test('clusterLock: one lock per etcd cluster on a host (etcdplay_cluster, else etcd_service, else etcd)', () => {
  assert.equal(clusterLock({}), { cluster: 'etcd', dir: '/var/lib/etcdplay/lock', explicit: false });
  assert.equal(clusterLock({ etcd_service: 'etcd-events' }), { cluster: 'etcd-events', dir: '/var/lib/etcdplay/lock-etcd-events', explicit: false });
  assert.equal(clusterLock({ etcd_service: 'etcd-events', etcdplay_cluster: 'events' }).dir, '/var/lib/etcdplay/lock-events');
  assert.equal(clusterLock({ etcd_service: 'etcd-events', etcdplay_lock_root: '/tmp/x/' }), { cluster: 'etcd-events', dir: '/tmp/x/lock-etcd-events', explicit: true });
  assert.equal(clusterLock({ etcd_service: 'etcd-events', etcdplay_lock_dir: '/l' }), { cluster: 'etcd-events', dir: '/l', explicit: true });
  assert.throws(() => clusterLock({ etcdplay_cluster: '../../etc' }), /cannot name a lock/);
  assert.throws(() => clusterLock({ etcd_service: 'a b' }), /cannot name a lock/);
});

test.run();
