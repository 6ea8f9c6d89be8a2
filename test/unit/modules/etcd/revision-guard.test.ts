/** etcd_revision_guard: the judgement, and the module on `endpoint status -w json` captured from a real 3.5.16 lab. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlanContext, StepOutcome } from '../../../../src/modules/module.js';
import type { CommandStep } from '../../../../src/model/step.js';
import { etcdRevisionGuardModule, judgeRevisions } from '../../../../src/modules/etcd/revision-guard.js';
import { splitSections } from '../../../../src/modules/etcd/preflight.js';

// The status section of the healthy 3.5.16 capture (the same revision on 127.0.2.11-13).
const STATUS = splitSections(readFileSync(resolve(import.meta.dirname, 'fixtures/preflight/35-healthy.txt'), 'utf8')).find((s) => s.name === 'status')!.text;
const REV = Number(/"revision":(\d+)/.exec(STATUS)![1]);
const hosts = ['etcd1', 'etcd2', 'etcd3'];
const hostvars: Record<string, Record<string, unknown>> = {};
hosts.forEach((h, k) => (hostvars[h] = { inventory_hostname: h, etcd_name: h, etcd_address: `127.0.2.${11 + k}` }));
const ctx: PlanContext = { host: 'etcd1', vars: { ...hostvars.etcd1, groups: { etcd: hosts } }, hostvars, check: false };
function run(args: Record<string, unknown>, stdout = STATUS) {
  const step = etcdRevisionGuardModule.plan(args as never, ctx)[0]!;
  const outcome: StepOutcome = { step, status: 'ran', rc: 0, stdout, stderr: '', changed: false };
  return etcdRevisionGuardModule.interpret!(args as never, [outcome], ctx);
}
const rows = (...revs: number[]) => revs.map((revision, k) => ({ endpoint: `http://127.0.2.${11 + k}:2379`, revision }));

test('unchanged: the revision of the snapshot everywhere passes', () => {
  const r = run({ revision: REV });
  assert.is(r.failed, false, String(r.msg));
  assert.equal(r.data, { revision: REV, revisions: { 'http://127.0.2.11:2379': REV, 'http://127.0.2.12:2379': REV, 'http://127.0.2.13:2379': REV }, max: REV, lost: 0, mode: 'unchanged' });
});

test('unchanged: writes after the snapshot fail with the count and what to do', () => {
  const r = run({ revision: REV - 3 });
  assert.is(r.failed, true);
  assert.is(r.msg, `3 revisions were written after the snapshot (snapshot at ${REV - 3}, cluster now at ${REV}): a writer is still running, so stopping etcd now would lose them. Fence every writer (inventory group kube_control_plane, etcd_fence_units) and run again, or set etcd_allow_lost_writes=true to accept the loss.`);
  assert.is((r.data as { lost: number }).lost, 3);
  assert.match(judgeRevisions(rows(11, 10), 10, 'unchanged', false).msg, /^1 revision was written after the snapshot \(snapshot at 10, cluster now at 11\)/);
});

test('unchanged on a real busy cluster (a put loop running: 149/149/150): the newest member counts', () => {
  const busy = splitSections(readFileSync(resolve(import.meta.dirname, 'fixtures/preflight/35-busy.txt'), 'utf8')).find((s) => s.name === 'status')!.text;
  const r = run({ revision: 149 }, busy);
  assert.is(r.failed, true);
  assert.match(String(r.msg), /^1 revision was written after the snapshot \(snapshot at 149, cluster now at 150\)/);
});

test('unchanged + allow_lost_writes (boolean or template string): succeeds, the loss visible', () => {
  for (const allow of [true, 'true', 'True']) {
    const r = run({ revision: REV - 3, allow_lost_writes: allow });
    assert.is(r.failed, false);
    assert.equal(r.data, { revision: REV - 3, revisions: { 'http://127.0.2.11:2379': REV, 'http://127.0.2.12:2379': REV, 'http://127.0.2.13:2379': REV }, max: REV, lost: 3, mode: 'unchanged', allowedLoss: true });
    assert.match(String(r.msg), /^WARNING: 3 revisions were written after the snapshot .*WILL BE LOST/);
    assert.equal(r.warnings, [r.msg]);
  }
  for (const allow of [false, 'false', 'False', '']) assert.is(run({ revision: REV - 3, allow_lost_writes: allow }).failed, true, String(allow));
});

test('unchanged: a member below the snapshot is a failure too', () => {
  const v = judgeRevisions(rows(10, 9, 10), 10, 'unchanged', true);
  assert.is(v.ok, false);
  assert.match(v.msg, "below the snapshot's revision 10: http://127.0.2.12:2379 at 9");
});

test('not_behind: every member at or past the snapshot; otherwise the members behind are named', () => {
  assert.is(run({ revision: REV, mode: 'not_behind' }).failed, false);
  assert.is(run({ revision: REV - 5, mode: 'not_behind' }).failed, false);
  const r = run({ revision: REV + 1, mode: 'not_behind' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), `behind the snapshot (revision ${REV + 1}): http://127.0.2.11:2379 at ${REV}, http://127.0.2.12:2379 at ${REV}, http://127.0.2.13:2379 at ${REV}`);
  assert.ok(judgeRevisions(rows(1000000052, 1000000052), 52, 'not_behind', false).ok, 'bumped revision after a restore');
});

test('a member that does not answer fails the guard', () => {
  const two = STATUS.replace(/,\{"Endpoint":"http:\/\/127\.0\.2\.13:2379".*\}\]/, ']');
  const r = run({ revision: REV }, two);
  assert.is(r.failed, true);
  assert.match(String(r.msg), 'revision guard: members not answering: http://127.0.2.13:2379');
});

test('plan: the etcd_status read, read-only, described with the snapshot revision', () => {
  const [s] = etcdRevisionGuardModule.plan({ revision: 52, mode: 'not_behind' }, ctx) as CommandStep[];
  assert.is(s!.mutates, false);
  assert.is(s!.description, 'revision of every member vs the snapshot\'s 52 (not_behind)');
  assert.equal((s!.command as { argv: string[] }).argv.slice(3), ['etcdplay', 'http://127.0.2.11:2379,http://127.0.2.12:2379,http://127.0.2.13:2379']);
});

test('an empty cluster: its snapshot says revision 0, the server revision 1; no write was lost', () => {
  assert.ok(judgeRevisions(rows(1, 1, 1), 0, 'unchanged', false).ok);
  assert.ok(judgeRevisions(rows(1, 1, 1), 0, 'not_behind', false).ok);
  assert.not.ok(judgeRevisions(rows(2, 2, 2), 0, 'unchanged', false).ok, 'one write after the empty snapshot is one lost write');
});

test.run();
