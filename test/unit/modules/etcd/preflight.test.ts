/**
 * etcd_preflight judged on the raw output of its own script, captured from real lab clusters
 * (etcd 3.5.16 on 127.0.2.x, 3.4.23 on 127.0.3.x; fixtures/preflight/*.txt):
 *   healthy   3 members, nothing wrong
 *   busy      under a put loop: applied indexes 227/227/228 (the old gate, identical raft
 *             indexes, refused this)
 *   down      etcd3 stopped (`service etcd stop`)
 *   learner   `member add etcd4 --peer-urls=http://127.0.N.14:2380 --learner` (never started)
 *   extra     `member add etcd4 --peer-urls=http://127.0.2.14:2380` (voter, never started)
 *   nospace   ETCD_QUOTA_BACKEND_BYTES=200000 on one member, 50 kB values until NOSPACE
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlanContext, StepOutcome } from '../../../../src/modules/module.js';
import type { CommandStep } from '../../../../src/model/step.js';
import { judgePreflight, splitSections, compareMembership, etcdPreflightModule, refusalLine } from '../../../../src/modules/etcd/preflight.js';
import { parseAlarmList, parseHealthText } from '../../../../src/modules/etcd/parse.js';
import { memberFromVars } from '../../../../src/modules/etcd/common.js';

const fx = (name: string) => readFileSync(resolve(import.meta.dirname, 'fixtures/preflight', `${name}.txt`), 'utf8');
const hosts = ['etcd1', 'etcd2', 'etcd3'];
function ctx(net: number, override: Record<string, Record<string, unknown>> = {}, inv = hosts): PlanContext {
  const hostvars: Record<string, Record<string, unknown>> = {};
  inv.forEach((h, k) => (hostvars[h] = { inventory_hostname: h, etcd_name: h, etcd_address: `127.0.${net}.${11 + k}`, ...override[h] }));
  return { host: inv[0]!, vars: { ...hostvars[inv[0]!], groups: { etcd: inv } }, hostvars, check: false };
}
const netOf = (name: string) => (name.startsWith('35') ? 2 : 3);
function run(name: string, args: Record<string, unknown> = {}, c = ctx(netOf(name))) {
  const step = etcdPreflightModule.plan(args, c)[0]!;
  const outcome: StepOutcome = { step, status: 'ran', rc: 0, stdout: fx(name), stderr: '', changed: false };
  return etcdPreflightModule.interpret!(args, [outcome], c);
}
const data = (r: ReturnType<typeof run>) => r.data as { refusals: string[]; [k: string]: any };

test('healthy 3.5.16 and 3.4.23 clusters pass, with the table and both membership columns', () => {
  for (const name of ['35-healthy', '34-healthy']) {
    const r = run(name);
    assert.is(r.failed, false, `${name}: ${r.msg}`);
    assert.equal(data(r).refusals, []);
    assert.is(data(r).rows.length, 3);
    assert.is(data(r).members.length, 3);
    assert.equal(data(r).alarms, []);
    assert.match(String(r.msg), /^preflight passed: 3 member\(s\) healthy, leader etcd[123], no alarms/);
    assert.match(String(r.stdout), /\|\s+ENDPOINT\s+\|/);
    assert.match(String(r.stdout), /NAME\s+LIVE \(member list\)\s+INVENTORY \(group etcd\)/);
    assert.match(String(r.stdout), 'preflight passed');
  }
  const r = run('34-healthy');
  assert.is(data(r).leaderId, '9a67d57116ef2a35'); // 11126096086134893109: every digit kept
  assert.is(data(r).leader, 'http://127.0.3.12:2379');
  assert.ok(data(r).members.some((m: { id: string }) => m.id === 'fa175d6f19d2a3c8'), 'member id 18020975165702317000 exact');
});

test('a busy cluster with slightly different applied indexes passes; a lag beyond max_applied_lag is refused', () => {
  const r = run('35-busy');
  assert.is(r.failed, false, String(r.msg));
  assert.ok(new Set(data(r).rows.map((x: { raftAppliedIndex: number }) => x.raftAppliedIndex)).size > 1, 'the fixture has different indexes');
  // the same real output with the leader (etcd1) and etcd3 moved 1500 entries ahead: etcd2 lags by ~1500
  const ahead = (text: string, id: string) => text.replace(new RegExp(`("member_id":${id}[^}]*\\}[^}]*?"raftIndex":)(\\d+)(,"raftTerm":\\d+,"raftAppliedIndex":)(\\d+)`), (_m, a, b, c2, d) => `${a}${Number(b) + 1500}${c2}${Number(d) + 1500}`);
  const behind = ahead(ahead(fx('35-busy'), '719736833087069522'), '14066335222682560359');
  const c = ctx(2);
  const v = judgePreflight({ sections: splitSections(behind), endpoints: c.hostvars ? hosts.map((h) => memberFromVars(h, c.hostvars![h]!).clientUrl) : [], inventory: hosts.map((h) => memberFromVars(h, c.hostvars![h]!)), group: 'etcd', maxAppliedLag: 1000, checkMembership: true });
  assert.equal(v.refusals.length, 1);
  assert.match(v.refusals[0]!, /^etcd2: applied index \d+ lags the leader's \(\d+\) by 150\d, more than max_applied_lag 1000$/);
  const loose = judgePreflight({ sections: splitSections(behind), endpoints: [], inventory: hosts.map((h) => memberFromVars(h, c.hostvars![h]!)), group: 'etcd', maxAppliedLag: 2000, checkMembership: true });
  assert.equal(loose.refusals, []);
});

test('a stopped member: not answering, with the reason etcdctl gave', () => {
  const r = run('35-down');
  assert.is(r.failed, true);
  assert.equal(data(r).refusals, ['etcd3: not answering (http://127.0.2.13:2379: failed to commit proposal: context deadline exceeded)']);
  assert.is(r.msg, 'preflight refused: 1 problem: etcd3: not answering (http://127.0.2.13:2379: failed to commit proposal: context deadline exceeded)');
});

test('NOSPACE: the alarm with the member it is on (3.5 health reports it too: not listed twice); 3.4 prints {"alarms":…} without header', () => {
  const r = run('35-nospace');
  assert.is(r.failed, true);
  assert.equal(data(r).refusals, ['etcd3: alarm NOSPACE']);
  assert.equal(data(r).alarms, [{ memberId: 'c335a95bbf8f2767', alarm: 'NOSPACE', member: 'etcd3' }]);
  const r4 = run('34-nospace');
  assert.equal(data(r4).refusals, ['etcd2: alarm NOSPACE']);
});

test('a learner (3.5.16 and 3.4.23): refused as a learner and as a member the inventory does not have; both sides printed', () => {
  for (const [name, net] of [['35-learner', 2], ['34-learner', 3]] as const) {
    const r = run(name);
    assert.is(r.failed, true);
    const id = data(r).members.find((m: { isLearner: boolean }) => m.isLearner).id;
    assert.equal(data(r).refusals, [
      `unstarted member ${id}: is a learner (http://127.0.${net}.14:2380); promote or remove it first`,
      `unstarted member ${id} (http://127.0.${net}.14:2380) is not in inventory group etcd`,
    ]);
    assert.match(String(r.stdout), new RegExp(`\\(${id}\\)\\s+http://127.0.${net}.14:2380 \\(learner\\) \\(unstarted\\)\\s+-`));
  }
  // the learner is refused even without the membership check; the stranger is not
  const r = run('35-learner', { check_membership: false });
  assert.is(data(r).refusals.length, 1);
  assert.match(data(r).refusals[0], 'is a learner');
});

test('a live member not in the inventory; an inventory member not in the live list; a peer URL mismatch', () => {
  const r = run('35-extra');
  assert.match(data(r).refusals.join('\n'), /^unstarted member [0-9a-f]+ \(http:\/\/127.0.2.14:2380\) is not in inventory group etcd$/);
  assert.is(run('35-extra', { check_membership: 'false' }).failed, false);
  // the same member once started has its name (edited copy of the capture)
  const named = fx('35-extra').replace(/\{"ID":(\d+),"peerURLs":\["http:\/\/127.0.2.14:2380"\]\}/, '{"ID":$1,"name":"etcd4","peerURLs":["http://127.0.2.14:2380"],"clientURLs":["http://127.0.2.14:2379"]}');
  const c = ctx(2);
  const inv = hosts.map((h) => memberFromVars(h, c.hostvars![h]!));
  const v = judgePreflight({ sections: splitSections(named), endpoints: inv.map((m) => m.clientUrl), inventory: inv, group: 'etcd', maxAppliedLag: 1000, checkMembership: true });
  assert.equal(v.refusals, ['live member etcd4 (http://127.0.2.14:2380) is not in inventory group etcd']);
  assert.match(compareMembership(v.members, inv, 'etcd').text, /etcd4\s+http:\/\/127.0.2.14:2380\s+-/);
  const four = ctx(2, {}, ['etcd1', 'etcd2', 'etcd3', 'etcd4']);
  const m = run('35-healthy', {}, four);
  assert.ok(data(m).refusals.includes('inventory member etcd4 (http://127.0.2.14:2380) is not in the live member list'), data(m).refusals.join('\n'));
  assert.ok(data(m).refusals.includes('etcd4: not answering (http://127.0.2.14:2379)'));
  const moved = run('35-healthy', {}, ctx(2, { etcd2: { etcd_peer_url: 'https://10.0.0.2:2380' } }));
  assert.equal(data(moved).refusals, ['etcd2: peer URLs differ: live http://127.0.2.12:2380, inventory https://10.0.0.2:2380']);
  assert.match(String(moved.stdout), /etcd2\s+http:\/\/127.0.2.12:2380\s+https:\/\/10.0.0.2:2380/);
  const renamed = run('35-healthy', {}, ctx(2, { etcd3: { etcd_name: 'db3' } }));
  assert.equal(data(renamed).refusals, ['live member etcd3 has the peer URL of inventory member db3 (http://127.0.2.13:2380): names differ']);
});

test('no leader and two leaders are refused', () => {
  const none = fx('35-healthy').replace(/"leader":\d+/g, '"leader":0');
  const c = ctx(2);
  const inv = hosts.map((h) => memberFromVars(h, c.hostvars![h]!));
  const base = { endpoints: inv.map((m) => m.clientUrl), inventory: inv, group: 'etcd', maxAppliedLag: 1000, checkMembership: true };
  assert.equal(judgePreflight({ ...base, sections: splitSections(none) }).refusals, ['no leader: no member reports one']);
  let k = 0;
  const two = fx('35-healthy').replace(/"leader":\d+/g, (s) => (k++ === 2 ? '"leader":15285332193124263735' : s));
  assert.match(judgePreflight({ ...base, sections: splitSections(two) }).refusals.join('\n'), /^more than one leader seen: etcd1 follows etcd1, etcd2 follows etcd1, etcd3 follows etcd2$/);
});

test('args from templates or k=v text: "0", "false"', () => {
  const r = run('35-busy', { max_applied_lag: '0', check_membership: 'false' });
  assert.is(data(r).maxAppliedLag, 0);
  assert.is(data(r).checkMembership, false);
  assert.equal(data(r).refusals, [], 'etcd3 is one entry ahead of the leader (228 vs 227): not a lag');
});

test('no etcdctl on the host: one refusal saying so, not every member "not answering"', () => {
  const text = ['status', 'alarms', 'members'].map((n) => `#etcdplay ${n} 127 -\netcdplay: 3: etcdctl: not found\n`).join('') + hosts.map((h, k) => `#etcdplay health 127 http://127.0.2.${11 + k}:2379\netcdplay: 3: etcdctl: not found\n`).join('');
  const c = ctx(2);
  const v = judgePreflight({ sections: splitSections(text), endpoints: [], inventory: hosts.map((h) => memberFromVars(h, c.hostvars![h]!)), group: 'etcd', maxAppliedLag: 1000, checkMembership: true });
  assert.equal(v.refusals, ['etcdctl cannot be run on the host running the preflight: etcdplay: 3: etcdctl: not found']);
});

test('one readable line: count and every refusal', () => {
  assert.is(refusalLine(['etcd3: alarm NOSPACE', 'live member etcd4 (https://10.0.0.4:2380) is not in inventory group etcd']), 'preflight refused: 2 problems: etcd3: alarm NOSPACE; live member etcd4 (https://10.0.0.4:2380) is not in inventory group etcd');
});

test('membership text lists both sides', () => {
  const c = ctx(2);
  const { text } = compareMembership([{ id: 'a', name: 'etcd1', peerURLs: ['http://127.0.2.11:2380'], clientURLs: [], isLearner: false }], hosts.map((h) => memberFromVars(h, c.hostvars![h]!)), 'etcd');
  assert.is(text.split('\n').length, 4);
  assert.match(text, /etcd3\s+-\s+http:\/\/127.0.2.13:2380/);
});

test('parsers: alarm list in both formats, health text with its exit code', () => {
  assert.equal(parseAlarmList('memberID:14066335222682560359 alarm:NOSPACE \n'), [{ memberId: 'c335a95bbf8f2767', alarm: 'NOSPACE' }]);
  assert.equal(parseAlarmList('{}\n'), []);
  assert.equal(parseAlarmList('{"alarms":[{"memberID":11126096086134893109,"alarm":2}]}'), [{ memberId: '9a67d57116ef2a35', alarm: 'CORRUPT' }]);
  assert.equal(parseHealthText('http://a:2379', 0, 'http://a:2379 is healthy: successfully committed proposal: took = 4.9ms\n'), { endpoint: 'http://a:2379', health: true });
  assert.equal(parseHealthText('http://a:2379', 1, '{"level":"warn"}\nhttp://a:2379 is unhealthy: failed to commit proposal: context deadline exceeded\nError: unhealthy cluster\n'), { endpoint: 'http://a:2379', health: false, error: 'failed to commit proposal: context deadline exceeded' });
  assert.equal(parseHealthText('http://a:2379', 127, 'sh: etcdctl: not found\n'), { endpoint: 'http://a:2379', health: false, error: 'sh: etcdctl: not found' });
});

test('plan: one read-only command, endpoints as a positional argument', () => {
  const [s] = etcdPreflightModule.plan({}, ctx(2)) as CommandStep[];
  assert.is(s!.mutates, false);
  const argv = (s!.command as { argv: string[] }).argv;
  assert.equal(argv.slice(3), ['etcdplay', 'http://127.0.2.11:2379,http://127.0.2.12:2379,http://127.0.2.13:2379']);
});

test.run();
