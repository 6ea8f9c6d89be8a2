/** Parsers against output captured from real etcd 3.4.23 / 3.5.16 (see docs/etcd.md). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { humanSize, parseEndpointHealth, parseEndpointStatus, parseMemberList, parseSnapshotStatus, parseToolVersion, parseVersionEndpoint, statusTable } from '../../../../src/modules/etcd/parse.js';
import { hexId, lastJsonLine, parseEtcdJson, quoteBigInts } from '../../../../src/modules/etcd/json.js';

const STATUS_35 = '[{"Endpoint":"http://127.0.0.21:22379","Status":{"header":{"cluster_id":14660230618899659055,"member_id":6453390488990171270,"revision":1,"raft_term":2},"version":"3.5.16","dbSize":20480,"leader":4804348038904668507,"raftIndex":8,"raftTerm":2,"raftAppliedIndex":8,"dbSizeInUse":16384}},{"Endpoint":"http://127.0.0.23:22379","Status":{"header":{"cluster_id":14660230618899659055,"member_id":4804348038904668507,"revision":1,"raft_term":2},"version":"3.5.16","dbSize":20480,"leader":4804348038904668507,"raftIndex":8,"raftTerm":2,"raftAppliedIndex":8,"dbSizeInUse":16384}}]';
const MEMBERS_34 = '{"header":{"cluster_id":13950865652807366518,"member_id":8936512376744802658,"raft_term":2},"members":[{"ID":6663178185500939641,"name":"m2","peerURLs":["http://127.0.0.22:22380"],"clientURLs":["http://127.0.0.22:22379"]},{"ID":15016358794304147954,"name":"m3","peerURLs":["http://127.0.0.23:22380"],"clientURLs":["http://127.0.0.23:22379"]}]}';

test('ids beyond 2^53 keep every digit (etcd prints uint64 as JSON numbers)', () => {
  const j = parseEtcdJson('{"member_id":13983964263709613677,"n":12,"f":1.5,"s":"12345678901234567890"}') as Record<string, unknown>;
  assert.is(j.member_id, '13983964263709613677');
  assert.is(j.n, 12);
  assert.is(j.f, 1.5);
  assert.is(j.s, '12345678901234567890');
  assert.is(hexId('13983964263709613677'), 'c21105685a2b1e6d');
  assert.is(quoteBigInts('{"a":"x\\"1234567890123456789"}'), '{"a":"x\\"1234567890123456789"}');
});

test('endpoint status: hex ids, leader flag, revision, raft index', () => {
  const rows = parseEndpointStatus(STATUS_35);
  assert.is(rows.length, 2);
  assert.is(rows[0]!.id, '598f0c754d24c086');
  assert.is(rows[0]!.isLeader, false);
  assert.is(rows[1]!.id, '42ac79163c41e15b');
  assert.is(rows[1]!.isLeader, true);
  assert.is(rows[1]!.leader, '42ac79163c41e15b');
  assert.is(rows[0]!.revision, 1);
  assert.is(rows[0]!.raftIndex, 8);
  assert.is(rows[0]!.dbSize, 20480);
  assert.is(rows[0]!.clusterId, 'cb739a131cd1b92f');
});

test('member list (3.4 omits isLearner)', () => {
  const ms = parseMemberList(MEMBERS_34);
  assert.equal(ms.map((m) => [m.id, m.name, m.isLearner]), [['5c785d41b5ea5579', 'm2', false], ['d064d2c36a4fd1f2', 'm3', false]]);
  assert.equal(ms[0]!.peerURLs, ['http://127.0.0.22:22380']);
});

test('endpoint health', () => {
  const h = parseEndpointHealth('[{"endpoint":"http://127.0.0.21:22379","health":true,"took":"13.151926ms"},{"endpoint":"http://127.0.0.22:22379","health":false,"took":"5s","error":"context deadline exceeded"}]');
  assert.equal(h.map((x) => x.health), [true, false]);
  assert.is(h[1]!.error, 'context deadline exceeded');
});

test('snapshot status: same JSON from etcdutl 3.5 and etcdctl 3.4, even among log lines', () => {
  const s = parseSnapshotStatus('{"level":"info","msg":"x"}\n{"hash":3521567653,"revision":52,"totalKey":60,"totalSize":24576}\n');
  assert.equal(s, { hash: 3521567653, revision: 52, totalKey: 60, totalSize: 24576 });
  assert.throws(() => parseSnapshotStatus('Error: no such file'));
});

test('tool versions and /version', () => {
  assert.is(parseToolVersion('etcd Version: 3.4.23\nGit SHA: Not provided\nGo Version: go1.19.8'), '3.4.23');
  assert.is(parseToolVersion('etcdctl version: 3.5.16\nAPI version: 3.5'), '3.5.16');
  assert.is(parseToolVersion('etcdutl version: 3.5.30\nAPI version: 3.5'), '3.5.30');
  assert.is(parseToolVersion('sh: etcd: not found'), undefined);
  assert.equal(parseVersionEndpoint('{"etcdserver":"3.5.16","etcdcluster":"3.5.0"}'), { server: '3.5.16', cluster: '3.5.0' });
  assert.equal(parseVersionEndpoint('curl: (7) failed'), {});
});

test('the seed-003 table', () => {
  const t = statusTable(parseEndpointStatus(STATUS_35));
  const lines = t.split('\n');
  assert.match(lines[1]!, /\|\s+ENDPOINT\s+\|\s+ID\s+\|\s+VERSION\s+\|\s+DB SIZE\s+\|\s+IS LEADER\s+\|\s+RAFT TERM\s+\|\s+RAFT INDEX\s+\|/);
  assert.match(lines[3]!, /\| http:\/\/127\.0\.0\.21:22379 \| 598f0c754d24c086 \|\s+3\.5\.16 \|\s+20 kB \|\s+false \|\s+2 \|\s+8 \|/);
  assert.match(lines[4]!, /\|\s+true \|/);
  assert.is(lines.length, 6);
  assert.ok(lines.every((l) => l.length === lines[0]!.length));
  assert.is(humanSize(61_000_000), '61 MB');
  assert.is(humanSize(512), '512 B');
});

test('lastJsonLine skips log noise', () => {
  assert.equal(lastJsonLine('noise\n{"a":1}\n__ETCDPLAY_CHANGED__\n{"b":13983964263709613677}\n'), { b: '13983964263709613677' });
  assert.is(lastJsonLine('no json'), undefined);
});

test.run();
