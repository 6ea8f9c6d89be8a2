/**
 * The monitor's parsing and exposition, on probe outputs recorded from real etcd 3.5.16 and
 * 3.4.23 (fixtures/: running, stopped, with a NOSPACE alarm raised by a tiny backend quota).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { failedSample, families, oneLine, parseProbe, type MemberState } from '../../../src/monitor/collect.js';
import { escapeLabelValue, renderExposition } from '../../../src/monitor/exposition.js';
import { monitorJson, monitorTable } from '../../../src/report/monitor.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (n: string) => readFileSync(join(FIX, n), 'utf8');
const EP = 'http://127.0.3.77:23791';
const T = 1_700_000_000_000;
const INFO = { version: '0.1.0', startTimeSeconds: 1_700_000_000, residentMemoryBytes: 50_000_000, heapUsedBytes: 10_000_000, intervalSeconds: 15 };
const state = (sample: ReturnType<typeof parseProbe>): MemberState => ({ sample, counters: { probesOk: 3, probesFailed: 1, sshConnects: 1 } });

test('3.5.16 running: versions, leader, sizes, raft, no alarm', () => {
  const s = parseProbe('etcd1', EP, fx('probe-3.5.16.txt'), T, 0.25);
  assert.equal(
    { up: s.up, ssh: s.sshUp, run: s.running, v: s.serverVersion, bin: s.binaryVersion, cv: s.clusterVersion, sv: s.storageVersion, h: s.healthy, l: s.isLeader, id: s.id, db: s.dbSizeBytes, inUse: s.dbSizeInUseBytes, rev: s.revision, ri: s.raftIndex, ra: s.raftAppliedIndex, rt: s.raftTerm, al: s.alarms, err: s.error },
    { up: true, ssh: true, run: true, v: '3.5.16', bin: '3.5.16', cv: '3.5.0', sv: undefined, h: true, l: true, id: '23327718167d6af3', db: 20480, inUse: 16384, rev: 1, ri: 4, ra: 4, rt: 2, al: [], err: undefined },
  );
});

test('3.4.23 running: cluster version 3.4.0, alarm list {} is no alarm', () => {
  const s = parseProbe('etcd1', EP, fx('probe-3.4.23.txt'), T, 0.25);
  assert.is(s.serverVersion, '3.4.23');
  assert.is(s.binaryVersion, '3.4.23');
  assert.is(s.clusterVersion, '3.4.0');
  assert.equal(s.alarms, []);
});

test('stopped member: up 0 with the reason, binary version still known, no status series', () => {
  const s = parseProbe('etcd2', EP, fx('probe-3.5.16-stopped.txt'), T, 2.1);
  assert.is(s.up, false);
  assert.is(s.sshUp, true);
  assert.is(s.running, false);
  assert.is(s.binaryVersion, '3.5.16');
  assert.is(s.serverVersion, undefined);
  assert.is(s.error, 'Failed to get the status of endpoint http://127.0.3.77:23791 (context deadline exceeded)');
  const text = renderExposition(families([state(s)], INFO));
  assert.match(text, '\netcdplay_member_up{member="etcd2"} 0\n');
  assert.match(text, '\netcdplay_member_process_running{member="etcd2"} 0\n');
  assert.match(text, '\netcdplay_probe_success{member="etcd2"} 1\n', 'the probe itself worked: the member is known to be down');
  assert.match(text, '\netcdplay_binary_version_info{member="etcd2",version="3.5.16"} 1\n');
  assert.not.match(text, 'etcdplay_server_version_info{');
  assert.not.match(text, 'etcdplay_raft_index{');
});

test('NOSPACE alarm: the alarm series is 1, CORRUPT 0; the status error is kept', () => {
  const s = parseProbe('etcd1', EP, fx('probe-3.4.23-nospace.txt'), T, 0.3);
  assert.equal(s.alarms, ['NOSPACE']);
  assert.match(s.error ?? '', 'alarm:NOSPACE');
  const text = renderExposition(families([state(s)], INFO));
  assert.match(text, 'etcdplay_member_alarm_active{member="etcd1",alarm="NOSPACE"} 1\n');
  assert.match(text, 'etcdplay_member_alarm_active{member="etcd1",alarm="CORRUPT"} 0\n');
  assert.match(text, 'etcdplay_db_size_bytes{member="etcd1"} 327680\n');
  assert.match(text, 'etcdplay_db_size_in_use_bytes{member="etcd1"} 167936\n');
});

test('unreachable host: ssh_up 0, up 0, probe counters, the error bounded to one line', () => {
  const s = failedSample('etcd3', EP, 'connect ECONNREFUSED 127.0.1.3:22\n' + 'x'.repeat(500), false, T, 0.01);
  assert.ok(s.error!.length <= 200);
  const text = renderExposition(families([state(s)], INFO));
  assert.match(text, 'etcdplay_member_ssh_up{member="etcd3"} 0\n');
  assert.match(text, 'etcdplay_member_up{member="etcd3"} 0\n');
  assert.match(text, 'etcdplay_probes_total{member="etcd3",result="failure"} 1\n');
  assert.match(text, 'etcdplay_probe_success{member="etcd3"} 0\n');
  assert.not.match(text, 'etcdplay_member_process_running{member="etcd3"}');
  assert.is(oneLine('{"level":"warn"}\nreal reason\n[]\n'), 'real reason');
});

test('exposition: HELP and TYPE for every family, names and label values by the format', () => {
  const a = parseProbe('etcd1', EP, fx('probe-3.5.16.txt'), T, 0.25);
  const b = parseProbe('etcd2', EP.replace('77', '78'), fx('probe-3.4.23.txt'), T, 0.5);
  const text = renderExposition(families([state(a), state(b)], INFO));
  const lines = text.trimEnd().split('\n');
  const declared = new Set<string>();
  for (const l of lines) {
    if (l.startsWith('# HELP ')) continue;
    const m = /^# TYPE (\S+) (gauge|counter)$/.exec(l);
    if (m) {
      assert.not.ok(declared.has(m[1]!), `one TYPE line per family: ${m[1]}`);
      declared.add(m[1]!);
      continue;
    }
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(l);
    assert.ok(s, `a sample line: ${l}`);
    assert.ok(declared.has(s![1]!), `declared before its samples: ${l}`);
    assert.ok(!Number.isNaN(Number(s![3])), l);
    if (/_total$/.test(s![1]!)) assert.match(text, `# TYPE ${s![1]} counter`);
  }
  for (const n of declared) if (n.endsWith('_info')) assert.match(text, `# TYPE ${n} gauge`);
  assert.match(text, 'etcdplay_server_version_info{member="etcd1",version="3.5.16"} 1\n');
  assert.match(text, 'etcdplay_server_version_info{member="etcd2",version="3.4.23"} 1\n');
  assert.match(text, 'etcdplay_cluster_version_info{member="etcd1",version="3.5.0"} 1\n');
  assert.match(text, 'etcdplay_member_info{member="etcd1",endpoint="http://127.0.3.77:23791",member_id="23327718167d6af3",cluster_id="901d569c4ca3c329"} 1\n');
  assert.match(text, 'etcdplay_member_is_leader{member="etcd1"} 1\n');
  assert.match(text, 'etcdplay_mvcc_revision{member="etcd1"} 1\n');
  assert.match(text, 'etcdplay_raft_term{member="etcd2"} 2\n');
  assert.match(text, 'etcdplay_probe_duration_seconds{member="etcd2"} 0.5\n');
  assert.match(text, 'etcdplay_probe_timestamp_seconds{member="etcd1"} 1700000000\n');
  assert.match(text, 'etcdplay_monitor_info{version="0.1.0",interval="15s"} 1\n');
  assert.match(text, '\nprocess_resident_memory_bytes 50000000\n');
  assert.not.match(text, 'etcdplay_storage_version_info{', 'no storage version before etcd 3.6');
  assert.is(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});

test('--once table and JSON', () => {
  const a = parseProbe('etcd1', EP, fx('probe-3.5.16.txt'), T, 0.25);
  const b = parseProbe('etcd2', EP, fx('probe-3.5.16-stopped.txt'), T, 2);
  const t = monitorTable([state(a), state(b)]);
  const lines = t.split('\n');
  assert.match(lines[0]!, /^MEMBER\s+ENDPOINT\s+UP\s+HEALTHY\s+LEADER\s+VERSION\s+BINARY\s+CLUSTER/);
  assert.match(lines[1]!, /^etcd1\s+http:\S+\s+yes\s+yes\s+yes\s+3\.5\.16\s+3\.5\.16\s+3\.5\.0\s+-\s+20 kB\s+1\s+2\s+4\s+none\s+250 ms$/);
  assert.match(lines[2]!, /^etcd2\s+http:\S+\s+no\s+-\s+-\s+-\s+3\.5\.16\s+-/);
  assert.match(t, '\netcd2: Failed to get the status of endpoint');
  const j = JSON.parse(monitorJson([state(a), state(b)])) as { members: { member: string; up: boolean; serverVersion?: string }[] };
  assert.equal(j.members.map((m) => [m.member, m.up, m.serverVersion]), [['etcd1', true, '3.5.16'], ['etcd2', false, undefined]]);
});

test.run();
