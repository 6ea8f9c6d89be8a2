/**
 * No acknowledged write is lost (issue 11), end to end in the lab: 3 members of etcd 3.5.16 with
 * TLS and 2 control-plane hosts whose `kube-apiserver` writes continuously (a key per write, each
 * acknowledged write logged on its host). In this order, on one lab:
 *   1. preflight refusals, nothing changed: the inventory lacks a live member; a learner not in
 *      the inventory; an active NOSPACE alarm; no leader;
 *   2. an unfenced writer (cp2 taken out of kube_control_plane) -> the revision guard aborts
 *      before the stop, naming the lost revisions; nothing changed; cp1's writer started again;
 *   3. a failure after the restore -> the rescue: original version and data, writers running,
 *      no acknowledged write missing;
 *   4. the downgrade to 3.4.23: writers stopped before the snapshot (no write acknowledged while
 *      fenced), running again after; no acknowledged write missing; revision >= the snapshot's;
 *      member IDs new; every other key, value and lease identical.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { labLoad, labWrites, type Lab } from '../../src/lab/index.js';
import { ctlPrefix, dump, etcdplay, labDown, labExec, labStatus, labUpWhenFree, type Dump } from '../integration/etcd/lab-helpers.js';
import { isTask, liveRun, sleep } from './faults-lib.js';

const NAME = 't-etcd-fence';
const WRITES = '/registry/etcdplay-writes/';
const CPS = ['cp1', 'cp2'];

/** Keys other than the writers', and the leases. */
function userData(d: Dump): { kvs: Dump['kvs']; leases: string[] } {
  return { kvs: d.kvs.filter((k) => !k.key.startsWith(WRITES)), leases: d.leases };
}

async function versions(lab: Lab): Promise<string[]> {
  const s = await labStatus(lab.name);
  return s.members.map((m) => `${m.version ?? '?'}/${m.healthy ? 'healthy' : 'unhealthy'}`);
}

async function waitHealthy(lab: Lab, version: string): Promise<void> {
  let v: string[] = [];
  for (let i = 0; i < 40; i++) {
    v = await versions(lab);
    if (v.every((x) => x === `${version}/healthy`)) return;
    await sleep(500);
  }
  assert.equal(v, lab.hosts.map(() => `${version}/healthy`), 'cluster healthy');
}

async function memberIds(lab: Lab): Promise<string[]> {
  return (await labStatus(lab.name)).members.map((m) => m.memberId ?? '?').sort();
}

/** Acknowledged writes logged on a control-plane host so far. */
async function acked(lab: Lab, cp: string): Promise<number> {
  const r = await labExec(lab.name, cp, 'cat /var/lib/kube-apiserver/acked.log 2>/dev/null | wc -l');
  return Number(r.stdout.trim());
}

async function writerRunning(lab: Lab, cp: string): Promise<boolean> {
  return (await labExec(lab.name, cp, 'service kube-apiserver status >/dev/null 2>&1')).rc === 0;
}

/** The writers are running and acknowledging writes again. */
async function assertWritersBack(lab: Lab, what: string): Promise<void> {
  for (const cp of CPS) {
    assert.ok(await writerRunning(lab, cp), `${what}: kube-apiserver runs on ${cp}`);
    const n = await acked(lab, cp);
    let m = n;
    for (let i = 0; i < 40 && m <= n; i++) { await sleep(250); m = await acked(lab, cp); }
    assert.ok(m > n, `${what}: ${cp} acknowledges writes again (${n} -> ${m})`);
  }
}

async function assertNoneMissing(lab: Lab, what: string): Promise<void> {
  const w = await labWrites(lab.name);
  assert.ok(w.acked > 0, `${what}: some writes were acknowledged`);
  assert.is(w.missing, 0, `${what}: acknowledged writes missing from the cluster: ${JSON.stringify(w)}`);
}

/** Data dirs moved aside and packages: what a refused run must leave as it was. */
async function footprint(lab: Lab): Promise<string[]> {
  return Promise.all(lab.hosts.map(async (h) => (await labExec(lab.name, h.name, "ls -A /var/lib/etcd; dpkg-query -W -f '${Version}' etcd-server")).stdout));
}

/** A copy of the lab inventory, changed by `edit`. */
function inventoryWith(lab: Lab, file: string, edit: (inv: any) => void): string {
  const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
  edit(inv);
  const path = `${lab.dir}/${file}`;
  writeFileSync(path, stringify(inv));
  return path;
}

/**
 * A run whose fence and unfence are watched: the writers' acknowledged writes are counted when the
 * fence ends and when the unfence starts, and must be equal (none acknowledged while fenced).
 */
async function runFenced(lab: Lab, args: string[], what: string): Promise<{ code: number; out: string; err: string }> {
  const seen: { fenced?: number[]; unfencing?: number[] } = {};
  const count = () => Promise.all(CPS.map((cp) => acked(lab, cp)));
  const run = liveRun(args, async (e, r) => {
    if (isTask(e, r, 'task.end', 'Fence the writers (stop the API servers)')) seen.fenced = await count();
    if (e.type === 'task.start' && (r.names.get(e.taskId) ?? '').startsWith('Unfence the writers')) seen.unfencing = await count();
  });
  const done = await run.done;
  console.log(`${what} with 2 fenced API servers (TLS): ${done.ms} ms, exit ${done.code}`);
  if (done.code === 0) {
    assert.ok(seen.fenced && seen.unfencing, `${what}: the fence and unfence tasks ran`);
    assert.equal(seen.unfencing, seen.fenced, `${what}: no write was acknowledged while the writers were fenced`);
  }
  return done;
}

const dg = (inv: string, ...extra: string[]) => ['run', 'playbooks/etcd-downgrade.yml', '-i', inv, '-e', 'etcd_target_version=3.4.23', '--yes', ...extra];

test('fenced writers, revision guard, preflight gate, rescue and downgrade with a live control plane (TLS)', async () => {
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: NAME, nodes: 3, etcd: '3.5.16', tls: true, controlPlane: 2 });
    await labLoad(lab.name, { keys: 300, leases: 2 });
    const before = await dump(lab);
    const ids0 = await memberIds(lab);
    const fp0 = await footprint(lab);
    const inv = lab.inventoryPath;

    // 1a. the inventory lacks a member the cluster has
    const lacking = inventoryWith(lab, 'inv-lacking.yml', (i) => { delete i.all.children.etcd.hosts.etcd3; });
    const r1 = await etcdplay(dg(lacking));
    assert.is(r1.code, 2, r1.out);
    assert.match(r1.out, /etcd3/, r1.out);
    assert.match(r1.out, /not in (the )?inventory/i, r1.out);

    // 1b. a learner that is not in the inventory
    const add = await labExec(lab.name, 'etcd1', `${ctlPrefix(lab)} member add t-learner --learner --peer-urls=https://127.0.0.1:2399`);
    assert.is(add.rc, 0, add.stderr);
    const learnerId = /Member\s+([0-9a-f]+)\s+added/.exec(add.stdout)?.[1]; // %16x: a short id is padded with spaces
    assert.ok(learnerId, add.stdout);
    const r2 = await etcdplay(dg(inv));
    assert.is(r2.code, 2, r2.out);
    assert.match(r2.out, /learner/i, r2.out);
    assert.match(r2.out, /127\.0\.0\.1:2399/, 'the learner is named by its peer URL (an unstarted member has no name yet)');
    assert.is((await labExec(lab.name, 'etcd1', `${ctlPrefix(lab)} member remove ${learnerId}`)).rc, 0);

    // 1c. an active NOSPACE alarm (etcd1 restarted with a quota below its db size, then one write)
    await labExec(lab.name, 'etcd1', 'echo ETCD_QUOTA_BACKEND_BYTES=16384 >> /etc/default/etcd && service etcd restart');
    await sleep(1500);
    await labExec(lab.name, 'etcd1', `${ctlPrefix(lab)} put /t/nospace x`);
    let alarms = '';
    for (let i = 0; i < 20 && !/NOSPACE/.test(alarms); i++) { await sleep(250); alarms = (await labExec(lab.name, 'etcd1', `${ctlPrefix(lab)} alarm list`)).stdout; }
    assert.match(alarms, 'NOSPACE');
    const r3 = await etcdplay(dg(inv));
    assert.is(r3.code, 2, r3.out);
    assert.match(r3.out, /NOSPACE/, r3.out);
    await labExec(lab.name, 'etcd1', "sed -i '/^ETCD_QUOTA_BACKEND_BYTES=/d' /etc/default/etcd && service etcd restart");
    await sleep(1500);
    assert.is((await labExec(lab.name, 'etcd1', `${ctlPrefix(lab)} alarm disarm`)).rc, 0);

    // 1d. no leader: two of three members frozen
    await labExec(lab.name, 'etcd2', 'pkill -STOP -x etcd');
    await labExec(lab.name, 'etcd3', 'pkill -STOP -x etcd');
    try {
      await sleep(3000);
      const r4 = await etcdplay(dg(inv, '-e', 'etcd_wait_timeout=10'));
      assert.is(r4.code, 2, r4.out);
      assert.match(r4.out, /leader/i, r4.out);
    } finally {
      await labExec(lab.name, 'etcd2', 'pkill -CONT -x etcd');
      await labExec(lab.name, 'etcd3', 'pkill -CONT -x etcd');
    }
    await waitHealthy(lab, '3.5.16');
    assert.equal(await footprint(lab), fp0, 'the refused runs changed no data dir and no package');
    assert.equal(userData(await dump(lab)).kvs.filter((k) => !k.key.startsWith('/t/')), userData(before).kvs);
    await assertWritersBack(lab, 'after the preflight refusals');
    await assertNoneMissing(lab, 'after the preflight refusals');

    // 2. an unfenced writer: cp2 is not in kube_control_plane, so it writes through the run
    const unfenced = inventoryWith(lab, 'inv-unfenced.yml', (i) => { delete i.all.children.kube_control_plane.hosts.cp2; });
    const g = await etcdplay(dg(unfenced));
    assert.is(g.code, 2, g.out);
    assert.match(g.out, /(\d+) revisions? (were|was) written after the snapshot/, g.out);
    assert.match(g.out, /etcd_allow_lost_writes/, g.out);
    assert.equal(await footprint(lab), fp0, 'the guard stopped the run before anything changed');
    await waitHealthy(lab, '3.5.16');
    await assertWritersBack(lab, 'after the guard');
    await assertNoneMissing(lab, 'after the guard');

    // 3. a failure after the restore (one member cannot start on 3.4) -> rescue
    await labExec(lab.name, 'etcd2', `echo 'DAEMON_ARGS="--experimental-compact-hash-check-enabled"' >> /etc/default/etcd`);
    const bad = await etcdplay(dg(inv, '-e', 'etcd_wait_timeout=20'));
    assert.is(bad.code, 2, bad.out);
    assert.match(bad.out, 'were put back', bad.out);
    await waitHealthy(lab, '3.5.16');
    assert.equal(await memberIds(lab), ids0, 'the rescue put the original members back');
    assert.equal(userData(await dump(lab)).leases, before.leases);
    await assertWritersBack(lab, 'after the rescue');
    await assertNoneMissing(lab, 'after the rescue');
    await labExec(lab.name, 'etcd2', `sed -i '/^DAEMON_ARGS=/d' /etc/default/etcd && service etcd restart >/dev/null`);
    await waitHealthy(lab, '3.5.16');

    // 4. the downgrade, with the writers' acknowledged writes counted while they are fenced
    const pre = userData(await dump(lab));
    const ok = await runFenced(lab, dg(inv), 'downgrade 3.5.16 -> 3.4.23');
    assert.is(ok.code, 0, ok.out + ok.err);
    await waitHealthy(lab, '3.4.23');
    const ids1 = await memberIds(lab);
    for (const id of ids1) assert.not.ok(ids0.includes(id), `member id ${id} is new (a new cluster token)`);
    const after = await dump(lab);
    assert.equal(userData(after), pre, 'every other key, value and lease identical');
    const manifest = await labExec(lab.name, 'etcd1', 'cat "$(ls -1t /var/backups/etcd/*.db.json | head -n1)"');
    const snapRev = Number(JSON.parse(manifest.stdout).revision);
    assert.ok(after.revision >= snapRev, `revision ${after.revision} >= the snapshot's ${snapRev}`);
    await assertWritersBack(lab, 'after the downgrade');
    await assertNoneMissing(lab, 'after the downgrade');

    // 5. the rollback fences the writers too (writes made since the downgrade are lost by design:
    //    the rollback brings back the data of before it)
    const rb = await runFenced(lab, ['run', 'playbooks/etcd-rollback.yml', '-i', inv, '--yes'], 'rollback 3.4.23 -> 3.5.16');
    assert.is(rb.code, 0, rb.out + rb.err);
    await waitHealthy(lab, '3.5.16');
    assert.equal(await memberIds(lab), ids0, 'the original members are back');
    await assertWritersBack(lab, 'after the rollback');
  } finally {
    if (lab) await labDown(lab.name);
  }
});

test.run();
