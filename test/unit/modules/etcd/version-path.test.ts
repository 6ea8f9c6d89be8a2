import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inPlaceSwapError, planVersionPath } from '../../../../src/modules/etcd/version-path.js';

const p = (current: string[], target: string, extra: Record<string, unknown> = {}) => planVersionPath({ current, target, ...extra });

test('same minor, lower patch: patch-rolling', () => {
  const r = p(['3.5.30', '3.5.30', '3.5.30'], '3.5.16');
  assert.ok(r.ok);
  assert.is(r.method, 'patch-rolling');
  assert.is(r.next, '3.5.16');
  assert.is(r.steps.length, 1);
  assert.match(r.summary, '3.5.30 -> 3.5.16: patch-rolling');
});

test('package version strings are understood', () => {
  const r = p(['3.5.30-2'], '3.5.16-4');
  assert.ok(r.ok);
  assert.is(r.method, 'patch-rolling');
});

test('one minor down: offline snapshot restore by default', () => {
  const r = p(['3.5.16', '3.5.16', '3.5.16'], '3.4.23');
  assert.ok(r.ok);
  assert.is(r.method, 'snapshot-restore');
  assert.is(r.steps[0]!.from, '3.5.16');
  assert.is(r.steps[0]!.to, '3.4.23');
  assert.is(r.clusterVersion, '3.5.0');
});

test('3.5 -> 3.4.32+ online: rolling with --next-cluster-version-compatible', () => {
  const r = p(['3.5.16'], '3.4.32', { prefer: 'online' });
  assert.ok(r.ok);
  assert.is(r.method, 'rolling-compatible');
});

test('3.5 -> 3.4.23 online falls back to snapshot-restore with a note', () => {
  const r = p(['3.5.16'], '3.4.23', { prefer: 'online' });
  assert.ok(r.ok);
  assert.is(r.method, 'snapshot-restore');
  assert.match(r.notes.join(' '), '3.4.32');
});

test('rolling 3.5 -> 3.4.32 is refused with auth enabled when forced', () => {
  const r = p(['3.5.16'], '3.4.33', { method: 'rolling-compatible', authEnabled: true });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'auth');
});

test('forcing rolling-compatible to 3.4.23 is refused: needs 3.4.32', () => {
  const r = p(['3.5.16'], '3.4.23', { method: 'rolling-compatible' });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), '3.4.32');
});

test('3.6 -> 3.5: downgrade API', () => {
  const r = p(['3.6.4', '3.6.4', '3.6.4'], '3.5.21');
  assert.ok(r.ok);
  assert.is(r.method, 'downgrade-api');
});

test('3.6 -> 3.5 offline: refused as not proven; planned with a note when allowUnprovenRestore', () => {
  const no = p(['3.6.4'], '3.5.21', { prefer: 'offline', method: 'snapshot-restore' });
  assert.not.ok(no.ok);
  assert.match(String(no.reason), 'not proven');
  assert.match(String(no.reason), 'downgrade API');
  const r = p(['3.6.4'], '3.5.21', { prefer: 'offline', method: 'snapshot-restore', allowUnprovenRestore: true });
  assert.ok(r.ok);
  assert.is(r.method, 'snapshot-restore');
  assert.match(r.notes.join(' '), '#13070');
});

test('downgrade API is refused for 3.5 members', () => {
  const r = p(['3.5.16'], '3.4.23', { method: 'downgrade-api' });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'from etcd 3.6');
});

test('in-place swap across minors is refused with etcd\'s own error', () => {
  const r = p(['3.5.16', '3.5.16'], '3.4.23', { method: 'patch-rolling' });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'cluster cannot be downgraded (current version: 3.4.23 is lower than determined cluster version: 3.5)');
});

test('inPlaceSwapError matches the message etcd 3.4.23 prints', () => {
  assert.is(inPlaceSwapError('3.4.23', '3.5.0'), 'cluster cannot be downgraded (current version: 3.4.23 is lower than determined cluster version: 3.5)');
});

test('two minors down: refused with the steps, unless multi-step allowed', () => {
  const r = p(['3.5.16'], '3.3.27', { available: ['3.3.27', '3.4.23-4+b4', '3.5.16-4'] });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'one minor at a time');
  assert.is(r.steps.length, 2);
  assert.is(r.steps[0]!.to, '3.4.23');
  const m = p(['3.5.16'], '3.3.27', { available: ['3.3.27', '3.4.23'], allowMultiStep: true });
  assert.ok(m.ok);
  assert.is(m.method, 'multi-step');
  assert.is(m.next, '3.4.23');
});

test('two minors down without an intermediate version available: refused', () => {
  const r = p(['3.5.16'], '3.3.27', { available: ['3.3.27', '3.5.16'] });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'no 3.4.x');
});

test('target not available from the package manager: refused', () => {
  const r = p(['3.5.16'], '3.4.22', { available: ['3.4.23-4+b4', '3.5.16-4', '3.5.30-2'] });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'not available');
  assert.match(String(r.reason), '3.4.23-4+b4');
});

test('upgrades are refused', () => {
  assert.not.ok(p(['3.4.23'], '3.5.16').ok);
  const r = p(['3.5.16'], '3.5.30');
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'upgrade');
});

test('nothing to do when every member runs the target', () => {
  const r = p(['3.5.16', '3.5.16'], '3.5.16');
  assert.ok(r.ok);
  assert.is(r.method, 'none');
  assert.is(r.steps.length, 0);
});

test('mixed minors are refused, mixed patches are fine', () => {
  const r = p(['3.5.16', '3.4.23'], '3.4.23');
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'different minor');
  const m = p(['3.5.30', '3.5.16'], '3.5.16');
  assert.ok(m.ok);
  assert.is(m.method, 'patch-rolling');
});

test('a cluster version above the target minor blocks a patch swap', () => {
  const r = p(['3.4.23'], '3.4.20', { clusterVersion: '3.5.0' });
  assert.not.ok(r.ok);
  assert.match(String(r.reason), 'cluster cannot be downgraded');
});

test('bad input: refused with the reason', () => {
  assert.match(String(p(['3.5.16'], 'latest').reason), 'not a version');
  assert.match(String(p([], '3.4.23').reason), 'no member versions');
  assert.match(String(p(['garbage'], '3.4.23').reason), 'not a version');
  assert.match(String(p(['2.3.8'], '3.4.23').reason), 'major');
});

test.run();
