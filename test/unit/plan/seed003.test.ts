/**
 * `etcdplay plan` on the seed 003 procedure (playbooks/examples/etcd-manual.yml) against the
 * seed's 5-host topology (inventories/seed003.ini): every host's rendered commands.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Plan, PlannedTask } from '../../../src/model/plan.js';
import { renderCommand } from '../../../src/shell/quote.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PB = 'playbooks/examples/etcd-manual.yml';
const INV = 'inventories/seed003.ini';

function cli(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));", '--', ...args],
  { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HOSTS = [
  ['ose-test-etcd-01.example.com', '192.0.2.241'],
  ['ose-test-etcd-02.example.com', '192.0.2.242'],
  ['ose-test-etcd-03.example.com', '192.0.2.243'],
  ['ose-test-master-02.example.com', '192.0.2.250'],
  ['ose-test-master-01.example.com', '192.0.2.251'],
] as const;
const INITIAL_CLUSTER = HOSTS.map(([n, a]) => `${n}=https://${a}:2380`).join(',');
const ENDPOINTS = HOSTS.map(([, a]) => `https://${a}:2379`).join(',');
const TLS = '--cert /etc/etcd/peer.crt --key /etc/etcd/peer.key --cacert /etc/etcd/ca.crt';

let plan: Plan;

test('plan --format json exits 0 and prints the Plan', () => {
  const r = cli(['plan', PB, '-i', INV, '-e', 'etcd_backup_stamp=20190219', '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  plan = JSON.parse(r.stdout) as Plan;
  assert.is(plan.plays.length, 2);
  assert.equal(plan.plays[0]!.hosts, HOSTS.map(([n]) => n));
  assert.equal(plan.plays[1]!.hosts, ['ose-test-master-02.example.com', 'ose-test-master-01.example.com']);
});

const task = (name: string, play = 0): PlannedTask => {
  const t = plan.plays[play]!.tasks.find((x) => x.name === name);
  if (!t) throw new Error(`no task ${name}`);
  return t;
};
const cmds = (t: PlannedTask, host: string) =>
  (t.perHost.find((h) => h.host === host)?.steps ?? []).flatMap((s) => (s.kind === 'command' ? [renderCommand(s.command)] : []));

test('status and snapshot run once, on the first etcd host', () => {
  const st = task('Get endpoint status');
  assert.ok(st.runOnce);
  assert.equal(st.perHost.map((h) => h.host), [HOSTS[0][0]]);
  assert.equal(cmds(st, HOSTS[0][0]), [`env ETCDCTL_API=3 etcdctl ${TLS} --endpoints ${ENDPOINTS} --write-out table endpoint status`]);
  const snap = task('Create etcd snapshot backup');
  assert.ok(snap.runOnce);
  assert.is(snap.delegateTo, '{{ etcd_first }}');
  assert.equal(cmds(snap, HOSTS[0][0]), [`env ETCDCTL_API=3 etcdctl ${TLS} --endpoints https://192.0.2.241:2379 snapshot save /var/backup/etcd/20190219/snap/db`]);
  assert.is(task('Show the status').perHost[0]!.deferred, "uses registered variable 'status_before'");
  const keep = cmds(task('Keep a copy of the live db file'), HOSTS[0][0]);
  assert.match(keep[0]!, / etcdplay apply \/var\/lib\/etcd\/member\/snap\/db \/tmp\/db '' '' ''$/);
});

test('fetch once to the workstation, copy to every host', () => {
  const f = task('Download the snapshot from the first node');
  const get = f.perHost[0]!.steps![0]!;
  assert.is(get.kind, 'get');
  if (get.kind === 'get') {
    assert.is(get.src, '/var/backup/etcd/20190219/snap/db');
    assert.is(get.dest, join(ROOT, 'playbooks/examples/tmp/20190219.snap.db'));
  }
  const c = task('Distribute the snapshot to all nodes');
  assert.is(c.perHost.length, 5);
  for (const h of c.perHost) {
    const put = h.steps![0]!;
    assert.ok(put.kind === 'put' && put.dest === '/tmp/20190219.snap.db' && put.mode === '0600' && 'path' in put.src && put.src.path === join(ROOT, 'playbooks/examples/tmp/20190219.snap.db'));
  }
});

test('every host: stop, move aside, downgrade, restore with its own name and peer URL, fix, start', () => {
  for (const [name, addr] of HOSTS) {
    const stop = cmds(task('Stop etcd on all nodes'), name);
    assert.is(stop.length, 1);
    assert.match(stop[0]!, / etcdplay stop etcd etcd 60$/);
    assert.equal(cmds(task('Move the old data aside'), name), ['mv /var/lib/etcd /var/lib/etcd.deleted']);
    const pkg = cmds(task('Downgrade etcd to the supported version'), name);
    assert.match(pkg[0]!, / etcdplay apply yum present 1 0 etcd 3\.2\.22$/);
    assert.equal(cmds(task('Confirm the version'), name), ['rpm -q etcd']);
    assert.equal(cmds(task('Recover from the snapshot on each node'), name), [
      `env ETCDCTL_API=3 etcdctl snapshot restore /tmp/20190219.snap.db --name ${name} --initial-cluster ${INITIAL_CLUSTER} --initial-cluster-token etcd-cluster-1 --initial-advertise-peer-urls https://${addr}:2380 --data-dir /var/lib/etcd`,
    ]);
    const fix = cmds(task('Fix etcd permissions and SELinux context'), name);
    assert.is(fix[0], 'test -e /var/lib/etcd');
    assert.is(fix[1], 'chown -R -- etcd:etcd /var/lib/etcd');
    assert.match(fix[2]!, /restorecon.* etcdplay -R -v -- \/var\/lib\/etcd$/);
    assert.match(cmds(task('Start etcd'), name)[0]!, / etcdplay start etcd etcd 60$/);
  }
  const restore = task('Recover from the snapshot on each node');
  for (const h of restore.perHost) {
    const s = h.steps![0]!;
    assert.ok(s.kind === 'command' && s.onlyIf && renderCommand(s.onlyIf) === "test '!' -e /var/lib/etcd/member");
  }
});

test('second play restarts the API on the masters only', () => {
  const t = task('Restart master api', 1);
  assert.equal(t.perHost.map((h) => h.host), ['ose-test-master-02.example.com', 'ose-test-master-01.example.com']);
  for (const h of t.perHost) assert.match(cmds(t, h.host)[0]!, / etcdplay restart atomic-openshift-master-api atomic-openshift-master-api 60$/);
});

test('text output: readable, no colour with NO_COLOR, run_once/delegate_to visible', () => {
  const r = cli(['plan', PB, '-i', INV, '-e', 'etcd_backup_stamp=20190219', '--tags', 'status']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, /\x1b\[/);
  assert.match(r.stdout, /PLAY 1 \[Downgrade etcd by snapshot and restore\] hosts: etcd \(5 hosts\)/);
  assert.match(r.stdout, /TASK \[Get endpoint status\] \[command\] run_once tags: status/);
  assert.match(r.stdout, /deferred: uses registered variable 'status_before'/);
  assert.not.match(r.stdout, /Stop etcd/, '--tags status leaves the rest out');
  const chk = cli(['plan', PB, '-i', INV, '-e', 'etcd_backup_stamp=20190219', '--check']);
  assert.match(chk.stdout, /# \[check_mode: false: runs in --check\] run etcdctl\n/, 'check_mode: false tasks run in --check');
  assert.match(chk.stdout, /# stop etcd \(if running\) and wait until process 'etcd' is gone \(not run in --check\)/);
  const full = cli(['plan', PB, '-i', INV, '-e', 'etcd_backup_stamp=20190219']);
  assert.match(full.stdout, /delegate_to: \{\{ etcd_first \}\}/);
  assert.match(full.stdout, /\$ sh -c '<\d+-line script, see --full>' etcdplay stop etcd etcd 60/);
});

test('problems: printed as file:line:col, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-plancli-'));
  try {
    const pb = join(dir, 'bad.yml');
    writeFileSync(pb, '- hosts: etcd\n  gather_facts: false\n  tasks:\n    - command: echo {{ nope }}\n    - command: echo {{ nope2 }}\n');
    const r = cli(['plan', pb, '-i', INV]);
    assert.is(r.code, 2);
    assert.match(r.stderr, new RegExp(`${pb.replace(/[.]/g, '\\.')}:4:16: error: undefined variable 'nope'`));
    assert.match(r.stderr, /:5:16: error: undefined variable 'nope2'/);
    assert.match(r.stderr, /\n {8}- command: echo \{\{ nope \}\}\n {19}\^/);
    assert.is(r.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-e forms: JSON and @file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-plancli-'));
  try {
    writeFileSync(join(dir, 'x.yml'), 'etcd_backup_stamp: fromfile\n');
    let r = cli(['plan', PB, '-i', INV, '-e', `@${join(dir, 'x.yml')}`, '--format', 'json']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /\/var\/backup\/etcd\/fromfile\/snap\/db/);
    r = cli(['plan', PB, '-i', INV, '-e', '{"etcd_backup_stamp": "fromjson"}', '--format', 'json', '--limit', 'masters']);
    assert.is(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as Plan;
    assert.equal(p.plays[0]!.hosts, ['ose-test-master-02.example.com', 'ose-test-master-01.example.com']);
    assert.match(r.stdout, /fromjson/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
