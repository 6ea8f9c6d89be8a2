/**
 * Two etcd clusters on the same hosts (root only), as large Kubernetes clusters run them (kubespray
 * `etcd_events_cluster_setup`): the lab's main cluster under the Debian unit `etcd` (2379/2380,
 * /var/lib/etcd/default) and an events cluster under `etcd-events` (a copy of that unit: it reads
 * /etc/default/etcd-events, 2383/2382, /var/lib/etcd-events), both 3.5.16 on systemd hosts.
 *   1. downgrading the main cluster to 3.4.23 leaves the events cluster untouched: same main pid
 *      on every host, same keys, revision and member ids, no file in its data or backup dirs;
 *   2. with the main cluster's lock held by a live run, the events cluster is downgraded too (its
 *      own lock, its own snapshot dir), the main cluster untouched; a main-cluster run is refused
 *      naming the cluster 'etcd'.
 * The etcd binary is shared (one package): the events members keep running 3.5.16 until their own
 * downgrade restarts them (docs/etcd.md, "Two etcd clusters on the same hosts").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { labLoad, type Lab } from '../../src/lab/index.js';
import { dump, etcdplay, labDown, labExec, labUpWhenFree, type Dump } from '../integration/etcd/lab-helpers.js';

const NAME = 't-etcd-two';
const EV = { service: 'etcd-events', client: 2383, peer: 2382, dataDir: '/var/lib/etcd-events', backupDir: '/var/backups/etcd-events', token: 'events-t-etcd-two' };

async function sh(lab: Lab, host: string, cmd: string): Promise<string> {
  const r = await labExec(lab.name, host, cmd, { timeoutMs: 120_000 });
  assert.is(r.rc, 0, `${host}: ${cmd}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const evCtl = (lab: Lab) => `ETCDCTL_API=3 etcdctl --endpoints=${lab.hosts.map((h) => `http://${h.address}:${EV.client}`).join(',')} --command-timeout=30s`;

/** The events cluster as the test sees it: keys, revision, member ids, each host's main pid. */
async function events(lab: Lab): Promise<{ dump: Dump; members: string; pids: string[]; versions: string[] }> {
  const h = lab.hosts[0]!.name;
  const r = await labExec(lab.name, h, `${evCtl(lab)} get "" --prefix -w json`, { timeoutMs: 120_000 });
  assert.is(r.rc, 0, r.stderr);
  const j = JSON.parse(r.stdout.replace(/("(?:cluster_id|member_id|lease)":)(\d{16,})/g, '$1"$2"')) as { header: { revision: number }; kvs?: { key: string; value?: string }[] };
  const kvs = (j.kvs ?? []).map((k) => ({ key: Buffer.from(k.key, 'base64').toString('latin1'), value: Buffer.from(k.value ?? '', 'base64').toString('latin1') }));
  const members = (await sh(lab, h, `${evCtl(lab)} member list`)).split('\n').map((l) => l.split(',')[0]).sort().join(' ');
  const pids = await Promise.all(lab.hosts.map(async (x) => (await sh(lab, x.name, `systemctl show -p MainPID --value ${EV.service}`)).trim()));
  const versions = (await sh(lab, h, `${evCtl(lab)} endpoint status -w json`)).match(/"version":"[0-9.]+"/g) ?? [];
  return { dump: { kvs, revision: j.header.revision, leases: [] }, members, pids, versions };
}

/** Start the events cluster: the package's unit under another name, its own defaults file. */
async function eventsUp(lab: Lab): Promise<void> {
  const cluster = lab.hosts.map((h) => `${h.name}-events=http://${h.address}:${EV.peer}`).join(',');
  await Promise.all(lab.hosts.map((h) => sh(lab, h.name, [
    `sed '/^Alias=/d' /usr/lib/systemd/system/etcd.service > /etc/systemd/system/${EV.service}.service`,
    `cat > /etc/default/${EV.service} <<'EOF'
ETCD_NAME=${h.name}-events
ETCD_DATA_DIR=${EV.dataDir}
ETCD_LISTEN_CLIENT_URLS=http://${h.address}:${EV.client}
ETCD_ADVERTISE_CLIENT_URLS=http://${h.address}:${EV.client}
ETCD_LISTEN_PEER_URLS=http://${h.address}:${EV.peer}
ETCD_INITIAL_ADVERTISE_PEER_URLS=http://${h.address}:${EV.peer}
ETCD_INITIAL_CLUSTER=${cluster}
ETCD_INITIAL_CLUSTER_TOKEN=${EV.token}
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_LOGGER=zap
ETCD_LOG_OUTPUTS=stderr
EOF`,
    `install -d -o etcd -g etcd -m 700 ${EV.dataDir}`,
    `systemctl daemon-reload && systemctl start --no-block ${EV.service}`,
  ].join('\n'))));
  for (let i = 0; i < 120; i++) {
    const r = await labExec(lab.name, lab.hosts[0]!.name, `${evCtl(lab)} endpoint health`);
    if (r.rc === 0) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.unreachable('the events cluster did not become healthy');
}

/** An inventory for the events cluster: the lab's, with the events unit, ports, dirs and names. */
function eventsInventory(lab: Lab, dir: string): string {
  const inv = parse(readFileSync(lab.inventoryPath, 'utf8')) as { all: { vars: Record<string, unknown>; children: { etcd: { hosts: Record<string, Record<string, unknown>> } } } };
  Object.assign(inv.all.vars, {
    etcd_service: EV.service, etcd_client_port: EV.client, etcd_peer_port: EV.peer, etcd_data_dir: EV.dataDir,
    etcd_config_file: `/etc/default/${EV.service}`, etcd_backup_dir: EV.backupDir, etcd_initial_cluster_token: EV.token,
  });
  for (const [name, hv] of Object.entries(inv.all.children.etcd.hosts)) hv.etcd_name = `${name}-events`;
  const p = join(dir, 'events.yml');
  writeFileSync(p, stringify(inv));
  return p;
}

test('two etcd clusters on the same hosts: downgrading one leaves the other untouched; locks per cluster', async () => {
  const work = mkdtempSync(join(tmpdir(), 'etcdplay-two-'));
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: NAME, nodes: 3, etcd: '3.5.16' });
    assert.is(lab.init, 'systemd');
    await labLoad(lab.name, { keys: 300, leases: 1 });
    await eventsUp(lab);
    await sh(lab, lab.hosts[0]!.name, `for i in $(seq 1 50); do ${evCtl(lab)} put /events/e$i "event $i" >/dev/null || exit 1; done`);
    const evInv = eventsInventory(lab, work);
    const run = (inv: string, pb: string, ...extra: string[]) => etcdplay(['run', `playbooks/${pb}`, '-i', inv, '--yes', ...extra]);

    // 1. the main cluster down to 3.4.23; the events cluster keeps running, untouched
    const ev0 = await events(lab);
    assert.is(ev0.dump.kvs.length, 50);
    const evFiles = async () => Promise.all(lab!.hosts.map((h) => sh(lab!, h.name, `ls -d ${EV.dataDir}*; ls -A ${EV.backupDir} 2>&1 || true`)));
    const files0 = await evFiles();
    const main0 = await dump(lab);
    const dg = await run(lab.inventoryPath, 'etcd-downgrade.yml', '-e', 'etcd_target_version=3.4.23');
    assert.is(dg.code, 0, dg.out);
    const main1 = await dump(lab);
    assert.equal(main1.kvs, main0.kvs, 'the main cluster kept every key');
    const ev1 = await events(lab);
    assert.equal(ev1.pids, ev0.pids, 'no events member was restarted');
    assert.ok(ev1.pids.every((p) => Number(p) > 0));
    assert.equal(ev1.dump, ev0.dump, 'events keys, values and revision unchanged');
    assert.is(ev1.members, ev0.members, 'events member ids unchanged');
    assert.ok(ev1.versions.every((v) => v === '"version":"3.5.16"'), `events members still run 3.5.16: ${ev1.versions}`);
    assert.equal(await evFiles(), files0, 'the events data dir not moved, no events snapshot');
    for (const h of lab.hosts) assert.match(await sh(lab, h.name, 'ls -d /var/lib/etcd/default.etcdplay-* 2>/dev/null | wc -l'), /^[1-9]/m, 'the main data dir was moved aside, not the events one');

    // 2. the main cluster's lock held by a live run (this process): the events cluster has its own
    const owner = JSON.stringify({ runId: 'held-by-the-test', workstation: hostname(), pid: process.pid, time: new Date().toISOString(), playbook: 'test', lease: 3600, cluster: 'etcd' });
    await Promise.all(lab.hosts.map((h) => sh(lab!, h.name, `mkdir -p /var/lib/etcdplay/lock && printf '%s\\n' '${owner}' > /var/lib/etcdplay/lock/owner && touch /var/lib/etcdplay/lock/heartbeat`)));
    const refused = await run(lab.inventoryPath, 'etcd-status.yml');
    assert.is(refused.code, 2, refused.out);
    assert.match(refused.out, "another etcdplay run holds the lock of cluster 'etcd'");
    const main2 = await dump(lab);
    const evDg = await run(evInv, 'etcd-downgrade.yml', '-e', 'etcd_target_version=3.4.23');
    assert.is(evDg.code, 0, evDg.out);
    const ev2 = await events(lab);
    assert.equal(ev2.dump.kvs, ev0.dump.kvs, 'the events cluster kept every key');
    assert.ok(ev2.dump.revision >= ev0.dump.revision);
    assert.ok(ev2.versions.length === 3 && ev2.versions.every((v) => v === '"version":"3.4.23"'), `events members now 3.4.23: ${ev2.versions}`);
    for (const h of lab.hosts) {
      assert.match(await sh(lab, h.name, `ls ${EV.backupDir}`), /\.db\.json$/m, 'the events snapshot in its own dir');
      assert.match(await sh(lab, h.name, 'ls -d /var/lib/etcd-events.etcdplay-* 2>/dev/null | wc -l'), /^[1-9]/m, 'the events data dir moved aside');
    }
    assert.equal(await dump(lab), main2, 'the main cluster untouched by the events downgrade');
    await Promise.all(lab.hosts.map((h) => sh(lab!, h.name, 'rm -rf /var/lib/etcdplay/lock')));
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (lab) await labDown(lab.name);
  }
});

test.run();
