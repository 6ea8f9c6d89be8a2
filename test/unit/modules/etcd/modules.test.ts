/** The etcd modules' pure side: args schemas, derived values, steps (no host needed). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Ajv from 'ajv/dist/2020.js';
import type { PlanContext } from '../../../../src/modules/module.js';
import type { CommandStep } from '../../../../src/model/step.js';
import { etcdModules } from '../../../../src/modules/etcd/index.js';
import { getModule } from '../../../../src/modules/registry.js';
import { restoreMembers, restoreToken } from '../../../../src/modules/etcd/snapshot-restore.js';
import { judgeHealth, readProbe } from '../../../../src/modules/etcd/wait-healthy.js';
import { compareWithManifest } from '../../../../src/modules/etcd/verify-data.js';
import { decidePath } from '../../../../src/modules/etcd/version-path-module.js';
import { renderCommand } from '../../../../src/shell/quote.js';

const hosts = ['etcd1', 'etcd2', 'etcd3'];
function ctx(i: number, extra: Record<string, unknown> = {}, facts?: Record<string, unknown>): PlanContext {
  const hostvars: Record<string, Record<string, unknown>> = {};
  hosts.forEach((h, k) => {
    hostvars[h] = { inventory_hostname: h, etcd_name: h, etcd_address: `192.0.2.${11 + k}`, etcd_scheme: 'https', etcd_client_port: 2379, etcd_peer_port: 2380, etcd_ca_file: '/etc/etcd/pki/ca.crt', etcd_client_cert_file: '/etc/etcd/pki/client.crt', etcd_client_key_file: '/etc/etcd/pki/client.key', etcd_initial_cluster_token: 'tok', etcd_data_dir: '/var/lib/etcd/default' };
  });
  return { host: hosts[i]!, vars: { ...hostvars[hosts[i]!], groups: { etcd: hosts }, ...extra }, hostvars, check: false, playHosts: hosts, ...(facts ? { facts } : {}) };
}
const cmd = (s: unknown) => (s as CommandStep).command;

test('every etcd module is registered, documented, with a valid schema and examples', () => {
  const ajv = new Ajv({ strict: false });
  assert.ok(etcdModules.length >= 12);
  for (const m of etcdModules) {
    assert.is(getModule(m.name), m);
    assert.ok(m.summary.length > 10 && m.docs.length > 50, m.name);
    assert.ok(m.examples, m.name);
    ajv.compile(m.argsSchema);
  }
});

test('scripts get values only as positional arguments; TLS through ETCDCTL_* env', () => {
  const m = getModule('etcd_status')!;
  const [s] = m.plan({}, ctx(0));
  const c = cmd(s);
  assert.is(c.kind, 'exec');
  assert.equal((c as { argv: string[] }).argv.slice(0, 2), ['sh', '-c']);
  assert.equal((c as { argv: string[] }).argv.slice(3), ['etcdplay', 'https://192.0.2.11:2379,https://192.0.2.12:2379,https://192.0.2.13:2379']);
  assert.equal(c.env, { ETCDCTL_API: '3', ETCDCTL_CACERT: '/etc/etcd/pki/ca.crt', ETCDCTL_CERT: '/etc/etcd/pki/client.crt', ETCDCTL_KEY: '/etc/etcd/pki/client.key' });
  assert.match(renderCommand(c), /^env ETCDCTL_API=3 ETCDCTL_CACERT=\/etc\/etcd\/pki\/ca.crt .* sh -c '/);
});

test('restore: initial cluster and this member from the inventory', () => {
  const r = restoreMembers({ snapshot: '/s.db' }, ctx(1));
  assert.is(r.initialCluster, 'etcd1=https://192.0.2.11:2380,etcd2=https://192.0.2.12:2380,etcd3=https://192.0.2.13:2380');
  assert.equal(r.me, { name: 'etcd2', peerUrl: 'https://192.0.2.12:2380' });
  const [s] = getModule('etcd_snapshot_restore')!.plan({ snapshot: '/var/backups/etcd/s.db' }, ctx(1));
  const argv = (cmd(s) as { argv: string[] }).argv.slice(3);
  assert.equal(argv.slice(0, 12), ['etcdplay', '/var/backups/etcd/s.db', '/var/lib/etcd/default', '', 'etcd2', r.initialCluster, 'tok-etcdplay-<run id>', 'https://192.0.2.12:2380', '1000000000', 'etcd', 'etcd', 'auto']);
  assert.ok((s as CommandStep).mutates);
  assert.is((s as CommandStep).changed, 'marker');
});

test('restore: a new cluster identity by default (token + run id, the same on every member); explicit or kept on request', () => {
  const run = '20261204T165232Z-a1b2c3';
  const withRun = (i: number) => ({ ...ctx(i), runId: run });
  assert.is(restoreToken({ snapshot: '/s.db' }, withRun(0)), `tok-etcdplay-${run}`);
  assert.is(restoreToken({ snapshot: '/s.db' }, withRun(2)), `tok-etcdplay-${run}`);
  // a cluster restored by an earlier run: the base is kept, the run id replaced
  assert.is(restoreToken({ snapshot: '/s.db' }, { ...withRun(0), vars: { ...ctx(0).vars, etcd_initial_cluster_token: 'tok-etcdplay-20250101T000000Z-ffffff' } }), `tok-etcdplay-${run}`);
  assert.is(restoreToken({ snapshot: '/s.db', keep_cluster_token: true }, withRun(0)), 'tok');
  assert.is(restoreToken({ snapshot: '/s.db', initial_cluster_token: 'mine' }, withRun(0)), 'mine');
  assert.is(restoreToken({ snapshot: '/s.db' }, ctx(0)), 'tok-etcdplay-<run id>', 'the offline plan shows where the run id goes');
});

test('restore: from facts (member list) when the inventory has no addresses', () => {
  const c: PlanContext = { host: 'h2', vars: { inventory_hostname: 'h2', groups: { etcd: ['h1', 'h2'] } }, check: false, facts: { etcd: { name: 'node-b', members: [{ name: 'node-a', peerURLs: ['https://192.0.2.1:2380'] }, { name: 'node-b', peerURLs: ['https://192.0.2.2:2380'] }] } } };
  const r = restoreMembers({ snapshot: '/s.db' }, c);
  assert.is(r.initialCluster, 'node-a=https://192.0.2.1:2380,node-b=https://192.0.2.2:2380');
  assert.equal(r.me, { name: 'node-b', peerUrl: 'https://192.0.2.2:2380' });
  assert.throws(() => restoreMembers({ snapshot: '/s.db', name: 'nobody' }, c), /not in the initial cluster/);
});

test('unsafe paths are refused before anything runs', () => {
  assert.throws(() => getModule('etcd_snapshot_save')!.plan({ backup_dir: '/tmp/a"b' }, ctx(0)), /absolute path/);
  assert.throws(() => getModule('etcd_snapshot_restore')!.plan({ snapshot: 'relative.db' }, ctx(0)), /absolute path/);
  assert.throws(() => getModule('etcd_data_move_aside')!.plan({ data_dir: '/var/lib/../etc' }, ctx(0)), /absolute path/);
  assert.throws(() => getModule('etcd_package')!.plan({ version: '3.4.23; rm -rf /' }, ctx(0)), /not a version/);
  assert.throws(() => getModule('etcd_status')!.plan({ endpoints: 'https://x:1/$(id)' }, ctx(0)), /not a client URL/);
  assert.throws(() => getModule('etcd_snapshot_save')!.plan({ member: 'etcd9' }, ctx(0)), /not a member/);
});

test('read-only modules are read-only; destructive ones mutate and are guarded', () => {
  for (const n of ['etcd_facts', 'etcd_status', 'etcd_version_path', 'etcd_wait_healthy', 'etcd_verify_data']) {
    const args = n === 'etcd_version_path' ? { target: '3.4.23' } : n === 'etcd_verify_data' ? { manifest: '/m.json' } : {};
    assert.ok(getModule(n)!.plan(args, ctx(0)).every((s) => !s.mutates), n);
  }
  const stop = getModule('etcd_service')!.plan({ state: 'stopped' }, ctx(0))[0] as CommandStep;
  assert.ok(stop.mutates);
  assert.ok(stop.onlyIf, 'stop only when running');
  assert.match(stop.description, '192.0.2.11:2379/2380');
  const aside = getModule('etcd_data_move_aside')!.plan({}, ctx(0))[0] as CommandStep;
  assert.equal((aside.onlyIf as { argv: string[] }).argv, ['test', '-e', '/var/lib/etcd/default']);
  const find = getModule('etcd_data_move_aside')!.plan({ action: 'find' }, ctx(0))[0]!;
  assert.not.ok(find.mutates);
  const pkg = getModule('etcd_package')!.plan({ version: '3.4.23' }, ctx(0));
  assert.equal(pkg.map((s) => s.mutates), [false, true]);
  assert.equal(getModule('etcd_package')!.plan({ version: '3.4.23', state: 'available' }, ctx(0)).map((s) => s.mutates), [false]);
});

test('distribute: relay from the source host after creating the directory; verify only on the source', () => {
  const m = getModule('etcd_snapshot_distribute')!;
  const other = m.plan({ src: '/var/backups/etcd/s.db', from_host: 'etcd1' }, ctx(1));
  assert.equal(other.map((s) => s.kind), ['command', 'relay', 'relay', 'command']);
  assert.is((other[1] as { fromHost: string }).fromHost, 'etcd1');
  assert.is((other[2] as { dest: string }).dest, '/var/backups/etcd/s.db.json');
  const self = m.plan({ src: '/var/backups/etcd/s.db', from_host: 'etcd1' }, ctx(0));
  assert.equal(self.map((s) => s.kind), ['command']);
});

test('wait_healthy judgement', () => {
  const status = [1, 2, 3].map((i) => ({ Endpoint: `https://192.0.2.1${i}:2379`, Status: { header: { member_id: i, revision: 502 }, version: '3.4.23', leader: 1, raftIndex: 9 } }));
  const health = [1, 2, 3].map((i) => ({ endpoint: `https://192.0.2.1${i}:2379`, health: true }));
  const eps = [1, 2, 3].map((i) => `https://192.0.2.1${i}:2379`);
  const ok = judgeHealth({ version: '3.4.23' }, { health, status, keyCount: 500, manifest: { keyCount: 500, revision: 501 } }, eps);
  assert.ok(ok.ok, ok.problems.join());
  const bad = judgeHealth({ version: '3.4.23' }, { health: health.slice(1), status: [...status.slice(0, 2), { ...status[2], Status: { ...status[2]!.Status, version: '3.5.16', header: { member_id: 3, revision: 400 } } }], keyCount: 499, manifest: { keyCount: 500, revision: 501 } }, eps);
  assert.not.ok(bad.ok);
  assert.match(bad.problems.join('\n'), 'https://192.0.2.11:2379 not healthy');
  assert.match(bad.problems.join('\n'), 'runs 3.5.16, want 3.4.23');
  assert.match(bad.problems.join('\n'), 'disagree on the revision');
  assert.match(bad.problems.join('\n'), '499 keys, the snapshot had 500');
});

test('wait_healthy probes: answers parsed in TypeScript, probed again until settled, then counted', () => {
  const eps = ['http://127.0.0.1:2379', 'http://127.0.0.2:2379'];
  const st = (rev: number) => JSON.stringify(eps.map((e, i) => ({ Endpoint: e, Status: { header: { member_id: i + 1, revision: rev }, version: '3.4.23', leader: 1 } })));
  const out = (now: number, hrc: number, health: string, status: string) => `#etcdplay now 0\n${now}\n#etcdplay health ${hrc}\n${health}\n#etcdplay status 0\n${status}\n`;
  // 3.3: `endpoint health -w json` prints text; the exit code decides
  const p33 = readProbe(out(100, 0, 'http://127.0.0.1:2379 is healthy: successfully committed proposal', st(5)), eps);
  assert.equal(p33.health, eps.map((endpoint) => ({ endpoint, health: true })));
  assert.is(p33.now, 100);
  const m = getModule('etcd_wait_healthy')!;
  const c = { host: 'etcd1', vars: { groups: { etcd: ['etcd1'] } }, check: false } as never;
  const [first] = m.plan({ endpoints: eps, version: '3.4.23', timeout: 10, interval: 1 }, c) as CommandStep[];
  // not yet healthy: one more probe, after the interval
  const again = first!.then!.next({ step: first!, status: 'ran', rc: 0, stdout: out(100, 1, '[]', st(5)), changed: false }).steps as CommandStep[];
  assert.match(again[0]!.description, '(attempt 2)');
  assert.equal(again[0]!.command.kind === 'exec' && again[0]!.command.argv.slice(-2), [eps.join(','), '1']);
  // healthy on the second probe: the key count, then the value judged by interpret
  const health = JSON.stringify(eps.map((endpoint) => ({ endpoint, health: true })));
  const fin = again[0]!.then!.next({ step: again[0]!, status: 'ran', rc: 0, stdout: out(102, 0, health, st(7)), changed: false }).steps as CommandStep[];
  assert.match(fin[0]!.description, 'count the keys');
  const v = fin[0]!.then!.next({ step: fin[0]!, status: 'ran', rc: 0, stdout: '#etcdplay count 0\n{"header":{"revision":7},"count":42}\n', changed: false });
  const res = m.interpret!({ endpoints: eps, version: '3.4.23' }, [{ step: fin[0]!, status: 'ran', rc: 0, changed: false, value: v.value }], c);
  assert.is(res.failed, false, String(res.msg));
  assert.match(String(res.msg), '42 keys');
  // out of time: no more probes, the count runs and the judgement lists what is wrong
  const late = again[0]!.then!.next({ step: again[0]!, status: 'ran', rc: 0, stdout: out(111, 1, '[]', st(7)), changed: false }).steps as CommandStep[];
  assert.match(late[0]!.description, 'count the keys');
});

test('verify_data comparison', () => {
  const m = { keyCount: 3, dumpSha256: 'aa', revision: 10, leases: ['1f'] };
  assert.equal(compareWithManifest({ keyCount: 3, dumpSha256: 'aa', revision: 1000000010, leases: ['1f'], manifest: m }, true), []);
  const p = compareWithManifest({ keyCount: 2, dumpSha256: 'bb', revision: 9, leases: [], manifest: m }, true);
  assert.is(p.length, 4);
  assert.equal(compareWithManifest({ keyCount: 3, dumpSha256: 'aa', revision: 10, leases: [], manifest: m }, false), []);
});

test('version_path module: members down, method not implemented by the playbook', () => {
  const eps = ['http://a:2379', 'http://b:2379'];
  const st = (v: string, ep: string) => ({ Endpoint: ep, Status: { header: { member_id: 1, revision: 2 }, version: v, leader: 1 } });
  const down = decidePath({ target: '3.4.23' }, { status: [st('3.5.16', eps[0]!)], available: null }, eps);
  assert.not.ok(down.ok);
  assert.match(String(down.reason), 'not answering: http://b:2379');
  const patch = decidePath({ target: '3.5.16', allowed_methods: ['snapshot-restore'] }, { status: eps.map((e) => st('3.5.30', e)), available: ['3.5.16-4', '3.5.30-2'], version: { etcdserver: '3.5.30', etcdcluster: '3.5.0' } }, eps);
  assert.not.ok(patch.ok);
  assert.match(String(patch.reason), 'etcd-patch-downgrade.yml');
  const ok = decidePath({ target: '3.4.23', allowed_methods: ['snapshot-restore'] }, { status: eps.map((e) => st('3.5.16', e)), available: ['3.4.23-4+b4', '3.5.16-4'] }, eps);
  assert.ok(ok.ok);
  assert.is(ok.path.method, 'snapshot-restore');
});

test('snapshot_save: the leader by default, a member by inventory name, into the backup dir', () => {
  const m = getModule('etcd_snapshot_save')!;
  const eps = ['https://192.0.2.11:2379', 'https://192.0.2.12:2379', 'https://192.0.2.13:2379'];
  const [lead] = m.plan({}, ctx(0)) as CommandStep[];
  // first a read-only endpoint status of every member; the snapshot is decided from its answer
  assert.equal((cmd(lead) as { argv: string[] }).argv.slice(4, 5), [eps.join(',')]);
  assert.is(lead!.mutates, false);
  assert.ok(lead!.then, 'the snapshot follows from the status answer');
  const row = (ep: string, id: number, leader: number) => ({ Endpoint: ep, Status: { header: { member_id: id, revision: 7 }, version: '3.5.16', leader } });
  const status = (leaderIdx: number) => ({ step: lead!, status: 'ran' as const, changed: false, rc: 0, stdout: JSON.stringify(eps.map((e, k) => row(e, k + 1, leaderIdx + 1))) + '\n' });
  const [snap] = lead!.then!.next(status(1)).steps as CommandStep[];
  assert.equal((cmd(snap) as { argv: string[] }).argv.slice(4, 7), ['https://192.0.2.12:2379', '/var/backups/etcd', '']);
  assert.is(snap!.mutates, true);
  assert.throws(() => lead!.then!.next({ ...status(1), stdout: JSON.stringify(eps.map((e, k) => row(e, k + 1, 99))) }), /no leader/);

  const [named] = m.plan({ member: 'etcd3', backup_dir: '/srv/bk/', name: 'before.db' }, ctx(0)) as CommandStep[];
  assert.equal((cmd(named) as { argv: string[] }).argv.slice(4, 5), ['https://192.0.2.13:2379']);
  assert.match(named!.description, 'https://192.0.2.13:2379 into /srv/bk/before.db');
  const [snap3] = named!.then!.next({ ...status(0), stdout: JSON.stringify([row(eps[2]!, 3, 1)]) }).steps as CommandStep[];
  assert.equal((cmd(snap3) as { argv: string[] }).argv.slice(4, 7), ['https://192.0.2.13:2379', '/srv/bk', 'before.db']);
});

test('version_path preview from the inventory etcd_version when no facts', () => {
  const [s] = getModule('etcd_version_path')!.plan({ target: '3.5.16' }, ctx(0, { etcd_version: '3.5.30' }));
  assert.match(s!.description, "inventory's etcd_version");
});

test('version_path shows the path in the plan preview when facts are known', () => {
  const [s] = getModule('etcd_version_path')!.plan({ target: '3.4.23' }, ctx(0, {}, { etcd: { version: '3.5.16' } }));
  assert.match(s!.description, '3.5.16 -> 3.4.23: snapshot-restore');
});

test.run();
