import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarize } from '../../../src/report/summary.js';
import { formatSummary, duration } from '../../../src/report/summary-text.js';
import { formatStatusView, statusSnapshots } from '../../../src/report/etcd-status.js';
import { buildTimeline } from '../../../src/report/timeline.js';
import { PlainReporter } from '../../../src/report/plain.js';
import { downgradeEvents } from './fixture-run.js';

test('summary of a downgrade, from its events alone', () => {
  const s = summarize(downgradeEvents());
  assert.is(s.outcome, 'ok');
  assert.is(s.totalMs, 8210);
  const e = s.etcd!;
  assert.equal(e.path?.method, 'snapshot-restore');
  assert.equal(e.members, [
    { host: 'etcd1', endpoint: 'http://127.0.1.11:2379', from: '3.5.16', to: '3.4.23' },
    { host: 'etcd2', endpoint: 'http://127.0.1.12:2379', from: '3.5.16', to: '3.4.23' },
  ]);
  assert.equal(e.before, { keys: 300, revision: 2001 });
  assert.equal(e.after, { keys: 300, revision: 2002 });
  assert.equal(e.snapshot?.on, ['etcd1', 'etcd2']);
  assert.is(e.snapshot?.host, 'etcd1');
  assert.equal(e.asides.map((a) => a.host), ['etcd1', 'etcd2']);
  // down: from the start of the stop (+1.9 s... after facts, status, path, snapshot, copy) to the end of the healthy gate
  assert.equal(e.down, { from: 1900, to: 8000, ms: 6100, stoppedOn: ['etcd1', 'etcd2'] });
  assert.is(e.rollback.command, 'etcdplay run playbooks/etcd-rollback.yml -i /lab/inventory.ini -e etcd_rollback_backup=/var/lib/etcd/default.etcdplay-20261205T000000Z-abcdef --yes');
  const text = formatSummary(s);
  for (const l of ['outcome    succeeded (exit 0)', 'members    etcd1 3.5.16 -> 3.4.23, etcd2 3.5.16 -> 3.4.23', 'data       before: 300 keys, revision 2001; after: 300 keys, revision 2002', 'etcd down  6.10s (first stop +0:02, healthy +0:08)', 'total      8.21s']) {
    assert.ok(text.includes(l), `${l}\n---\n${text}`);
  }
});

test('summary: a failed gate, no rescue: etcd down with no end, rollback offered', () => {
  const s = summarize(downgradeEvents({ failWait: true }));
  assert.is(s.outcome, 'failed');
  assert.is(s.failures.length, 2);
  assert.match(s.failures[0]!.output, 'etcd exited after start');
  assert.is(s.etcd!.down!.to, undefined);
  assert.match(formatSummary(s), /etcd down\s+since \+0:02: no passing health gate/);
  assert.ok(s.etcd!.rollback.command);
});

test('summary: a run recorded without `at` is estimated from the durations', () => {
  const tl = buildTimeline(downgradeEvents({ noAt: true }));
  assert.ok(tl.estimated);
  assert.is(tl.tasks[1]!.start, 500, 'each task after the one before');
  const s = summarize(downgradeEvents({ noAt: true }));
  assert.is(s.etcd!.down!.ms, 6100);
  assert.equal(summarize([]).etcd, undefined);
  assert.is(summarize([]).outcome, 'unfinished');
});

test('status tables: changes against the previous table of the run', () => {
  const views = statusSnapshots(downgradeEvents());
  assert.equal(views.map((v) => v.changed), [[], ['version', 'leader', 'member ids'], ['revision']]);
  const text = formatStatusView(views[1]!);
  assert.match(text, 'etcd status [Wait until every member is healthy]: 2 member(s), leader etcd2; changed since [Cluster status before]: version, leader, member ids');
  assert.match(text, /etcd1\s+cc \(new id\)\s+3\.4\.23 \(was 3\.5\.16\)\s+- \(was leader\)/);
  assert.match(text, /etcd2\s+dd \(new id\)\s+3\.4\.23 \(was 3\.5\.16\)\s+leader \(new\)/);
  assert.match(formatStatusView(views[2]!), /2002 \(was 2001\)/);
  assert.match(formatStatusView(views[0]!), 'first table of this run');
});

test('plain view: the tables after their tasks, the summary after the recap', () => {
  let out = '';
  const r = new PlainReporter({ write: (s) => (out += s) });
  for (const e of downgradeEvents()) r.handle(e);
  const recap = out.indexOf('PLAY RECAP');
  assert.ok(out.indexOf('etcd status [Cluster status before]') > out.indexOf('TASK [Cluster status before]'));
  assert.ok(out.indexOf('etcd status [Cluster status after]') < recap);
  assert.ok(out.indexOf('CLUSTER SUMMARY') > recap);
  assert.match(out, /rollback\s+etcdplay run playbooks\/etcd-rollback\.yml/);
});

test('duration', () => {
  assert.is(duration(850), '0.85s');
  assert.is(duration(72_300), '1m 12.3s');
  assert.is(duration(3_725_000), '1h 02m 05s');
});

test.run();
