/** A recorded etcd downgrade, shortened: the events a 2-member run emits (with `at`), for the summary and report tests. */
import type { EngineEvent } from '../../../src/model/event.js';
import type { HostStatus, TaskResult } from '../../../src/model/result.js';

const row = (n: number, id: string, version: string, leader: string, revision: number) => ({
  endpoint: `http://127.0.1.1${n}:2379`, id, version, dbSize: 225280, leader, isLeader: id === leader, isLearner: false, raftTerm: 2, raftIndex: 8, revision, clusterId: 'c1', errors: [],
});

export interface FixtureOptions {
  /** A host name, task name and output to smuggle in (the escaping tests). */
  hostile?: string;
  failWait?: boolean;
  noAt?: boolean;
}

export function downgradeEvents(o: FixtureOptions = {}): EngineEvent[] {
  const hosts = ['etcd1', o.hostile ? o.hostile : 'etcd2'];
  const ev: EngineEvent[] = [];
  let clock = 0;
  const push = (e: EngineEvent) => ev.push(o.noAt ? e : { ...e, at: clock });
  push({ type: 'run.start', runId: '20261205T000000Z-abcdef', runDir: '/tmp/r', playbook: 'playbooks/etcd-downgrade.yml', check: false, hosts, time: '2026-12-05T00:00:00.000Z', inventory: ['/lab/inventory.ini'] });
  push({ type: 'play.start', play: 0, name: 'Downgrade', hosts });
  let n = 0;
  const task = (name: string, module: string, ms: number, result: (h: string, i: number) => TaskResult, status: (h: string) => HostStatus = () => 'ok') => {
    const taskId = `p0.tasks.${n++}`;
    push({ type: 'task.start', play: 0, taskId, name, module, hosts });
    for (const h of hosts) push({ type: 'host.start', taskId, host: h });
    clock += ms;
    hosts.forEach((h, i) => push({ type: 'host.end', taskId, host: h, status: status(h), result: result(h, i), durationMs: ms }));
    push({ type: 'task.end', play: 0, taskId });
  };
  const ok = (data: unknown, extra: Partial<TaskResult> = {}): TaskResult => ({ changed: false, failed: false, data, ...extra });
  task('Gather etcd facts', 'etcd_facts', 500, (h, i) => ok({ version: '3.5.16', endpoint: `http://127.0.1.1${i + 1}:2379` }));
  task('Cluster status before', 'etcd_status', 200, () => ok({ rows: [row(1, 'aa', '3.5.16', 'aa', 2001), row(2, 'bb', '3.5.16', 'aa', 2001)] }, { stdout: '+---+ the seed-003 table' }));
  task('Choose the version path', 'etcd_version_path', 100, () => ok({ ok: true, method: 'snapshot-restore', steps: [{ from: '3.5.16', to: '3.4.23', method: 'snapshot-restore', why: 'one minor down' }] }));
  task(o.hostile ? `Snapshot ${o.hostile}` : 'Snapshot from the leader', 'etcd_snapshot_save', 800, () => ok({ file: '/var/backups/etcd/etcd-snapshot-1.db', sha256: 'ab'.repeat(32), revision: 2001, keyCount: 300 }, { changed: true, runsOn: 'etcd1' }), () => 'changed');
  task('Snapshot to every member', 'etcd_snapshot_distribute', 300, () => ok({ verified: true }, { changed: true }), () => 'changed');
  task('Stop etcd everywhere', 'etcd_service', 1000, () => ok({ state: 'stopped' }, { changed: true }), () => 'changed');
  task('Move the data dir aside', 'etcd_data_move_aside', 100, () => ok({ moved: true, dataDir: '/var/lib/etcd/default', aside: '/var/lib/etcd/default.etcdplay-20261205T000000Z-abcdef' }, { changed: true }), () => 'changed');
  task('Start etcd everywhere', 'etcd_service', 2000, () => ok({ state: 'started' }, { changed: true }), () => 'changed');
  if (o.failWait) {
    task('Wait until every member is healthy', 'etcd_wait_healthy', 3000, () => ({ changed: false, failed: true, msg: `http://127.0.1.12:2379 not healthy ${o.hostile ?? ''}`, stdout: `etcd exited after start\n${o.hostile ?? ''}`, stderr: 'boom', data: { status: [row(1, 'cc', '3.4.23', 'cc', 2001)] } }), () => 'failed');
    clock += 10;
    push({ type: 'run.end', runId: '20261205T000000Z-abcdef', recap: {}, exitCode: 2, interrupted: false, durationMs: clock });
    return ev;
  }
  task('Wait until every member is healthy', 'etcd_wait_healthy', 3000, () => ok({ versions: ['3.4.23'], revision: 2001, keyCount: 300, status: [row(1, 'cc', '3.4.23', 'dd', 2001), row(2, 'dd', '3.4.23', 'dd', 2001)] }));
  task('Cluster status after', 'etcd_status', 200, () => ok({ rows: [row(1, 'cc', '3.4.23', 'dd', 2002), row(2, 'dd', '3.4.23', 'dd', 2002)] }));
  clock += 10;
  const recap = Object.fromEntries(hosts.map((h) => [h, { ok: 10, changed: 5, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }]));
  push({ type: 'run.end', runId: '20261205T000000Z-abcdef', recap, exitCode: 0, interrupted: false, durationMs: clock });
  return ev;
}
