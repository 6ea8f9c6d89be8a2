/**
 * Lab hosts that boot systemd (root only): 3 etcd members + 1 control plane host, each its own
 * systemd under systemd-nspawn. etcd runs under the Debian package's own unit; the service and
 * systemd modules, a drop-in, a unit that fails, the etcd modules, over real ssh; then a host
 * killed with SIGKILL and `lab down` that leaves nothing behind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labStatus, type Lab } from '../../src/lab/index.js';
import { readState } from '../../src/lab/state.js';
import { labLoad } from '../../src/lab/index.js';
import { dump, etcdplay, labDown, labExec, labUpWhenFree, namespacesOf, systemdLabLeftovers } from '../integration/etcd/lab-helpers.js';

const NAME = 't-sd';

function ssh(lab: Lab, host: string, cmd: string) {
  return spawnSync('ssh', ['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', host, cmd], { encoding: 'utf8', timeout: 120_000 });
}

function sshOk(lab: Lab, host: string, cmd: string): string {
  const r = ssh(lab, host, cmd);
  assert.is(r.status, 0, `${host}: ${cmd}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** etcd's main pid and command line in a host, as systemd reports it. */
function etcdMain(lab: Lab, host: string): { pid: number; cmdline: string } {
  const pid = Number(sshOk(lab, host, 'systemctl show -p MainPID --value etcd').trim());
  const cmdline = pid ? sshOk(lab, host, `tr '\\0' ' ' < /proc/${pid}/cmdline`) : '';
  return { pid, cmdline };
}

async function healthy(name: string): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    if ((await labStatus(name)).healthy) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

test('systemd hosts: etcd under its package unit, service/systemd/etcd modules, drop-ins, failures with journal lines, SIGKILL, clean down', async () => {
  const namespaces = new Set<string>();
  const work = mkdtempSync(join(tmpdir(), 'etcdplay-sd-'));
  let lab: Lab | undefined;
  try {
    const t0 = Date.now();
    lab = await labUpWhenFree({ name: NAME, nodes: 3, etcd: '3.5.16', controlPlane: 1, init: 'systemd' });
    console.error(`[${NAME}] up in ${Date.now() - t0} ms`);
    assert.is(lab.init, 'systemd');
    for (const h of [...lab.hosts, ...lab.controlPlane]) for (const ns of namespacesOf(h.pid)) namespaces.add(ns);
    const inv = lab.inventoryPath;

    // every host: systemd is PID 1, booted, etcd active under the package's own unit, journal works
    for (const h of lab.hosts) {
      const out = sshOk(lab, h.name, [
        'hostname', 'ps -p 1 -o comm=', 'systemctl is-system-running --wait || true', 'systemctl is-active etcd',
        'systemctl show -p FragmentPath --value etcd', 'systemctl is-enabled etcd',
      ].join('; ')).trim().split('\n');
      assert.equal(out.slice(0, 2), [h.name, 'systemd']);
      assert.ok(['running', 'degraded'].includes(out[2]!), `${h.name}: ${out[2]} ${sshOk(lab, h.name, 'systemctl --failed --no-legend')}`);
      assert.equal(out.slice(3), ['active', '/lib/systemd/system/etcd.service', 'enabled']);
      assert.match(sshOk(lab, h.name, 'journalctl -u etcd --no-pager -n 200'), /ready to serve client requests|serving client/);
    }
    assert.ok((await labStatus(NAME)).healthy);
    // lab exec (nsenter) sees the same host
    const ex = await labExec(NAME, 'etcd2', 'hostname; systemctl is-active etcd');
    assert.equal(ex.stdout.trim().split('\n'), ['etcd2', 'active'], ex.stderr);

    // the control plane host: its units, the writer writes
    const cp = sshOk(lab, 'cp1', 'systemctl is-active kube-apiserver kube-controller-manager kube-scheduler; test -e /run/kube-apiserver/ready && echo ready').trim().split('\n');
    assert.equal(cp, ['active', 'active', 'active', 'ready']);

    // hosts are isolated: stopping etcd in etcd3 stops only etcd3's
    const adhoc = (args: string[]) => etcdplay(['adhoc', 'etcd', '-i', inv, ...args], 300_000);
    let r = await adhoc(['-l', 'etcd3', '-m', 'service', '-a', 'name=etcd state=stopped']);
    assert.is(r.code, 0, r.out);
    assert.is(ssh(lab, 'etcd3', 'systemctl is-active etcd').stdout.trim(), 'inactive');
    for (const h of ['etcd1', 'etcd2']) assert.is(ssh(lab, h, 'systemctl is-active etcd').stdout.trim(), 'active', h);
    r = await adhoc(['-l', 'etcd3', '-m', 'service', '-a', 'name=etcd state=stopped']);
    assert.is(r.code, 0, r.out);
    r = await adhoc(['-l', 'etcd3', '-m', 'systemd', '-a', 'name=etcd state=started']);
    assert.is(r.code, 0, r.out);
    assert.is(ssh(lab, 'etcd3', 'systemctl is-active etcd').stdout.trim(), 'active');
    const before = etcdMain(lab, 'etcd2');
    r = await adhoc(['-l', 'etcd2', '-m', 'systemd', '-a', 'name=etcd state=restarted']);
    assert.is(r.code, 0, r.out);
    const after = etcdMain(lab, 'etcd2');
    assert.ok(after.pid && after.pid !== before.pid, `restarted: ${before.pid} -> ${after.pid}`);
    r = await adhoc(['-l', 'etcd1', '-m', 'service', '-a', '{"name":"etcd","enabled":false}']);
    assert.is(r.code, 0, r.out);
    assert.is(ssh(lab, 'etcd1', 'systemctl is-enabled etcd').stdout.trim(), 'disabled');
    r = await adhoc(['-l', 'etcd1', '-m', 'service', '-a', '{"name":"etcd","enabled":true}']);
    assert.is(r.code, 0, r.out);
    assert.is(ssh(lab, 'etcd1', 'systemctl is-enabled etcd').stdout.trim(), 'enabled');
    assert.ok(await healthy(NAME), 'healthy after stop/start/restart');

    // a drop-in that changes etcd's flags: effective after daemon_reload + restart
    const dropIn = '[Service]\nExecStart=\nExecStart=/usr/bin/etcd $DAEMON_ARGS --heartbeat-interval=150 --election-timeout=1500\n';
    const pb = (file: string, tasks: string) => { writeFileSync(join(work, file), `- hosts: etcd3\n  gather_facts: false\n  tasks:\n${tasks}`); return join(work, file); };
    const dropInPb = pb('dropin.yml', [
      '    - file: { path: /etc/systemd/system/etcd.service.d, state: directory }',
      '    - name: etcd flags drop-in',
      '      copy:',
      '        dest: /etc/systemd/system/etcd.service.d/10-etcdplay.conf',
      `        content: ${JSON.stringify(dropIn)}`,
      '    - name: reload and restart etcd',
      '      systemd: { name: etcd, state: restarted, daemon_reload: true }',
      '',
    ].join('\n'));
    r = await etcdplay(['run', dropInPb, '-i', inv], 300_000);
    assert.is(r.code, 0, r.out);
    assert.match(etcdMain(lab, 'etcd3').cmdline, /--heartbeat-interval=150 --election-timeout=1500/);
    assert.ok(await healthy(NAME), 'healthy with the drop-in');

    // a drop-in that breaks etcd: a clear failure, the journal lines in it
    const badPb = pb('bad.yml', [
      '    - copy:',
      '        dest: /etc/systemd/system/etcd.service.d/10-etcdplay.conf',
      `        content: ${JSON.stringify('[Service]\nExecStart=\nExecStart=/usr/bin/etcd --etcdplay-no-such-flag\n')}`,
      '    - systemd: { name: etcd, state: restarted, daemon_reload: true }',
      '',
    ].join('\n'));
    r = await etcdplay(['run', badPb, '-i', inv, '--json'], 300_000);
    assert.is(r.code, 2, r.out);
    assert.match(r.out, /service etcd failed to restart \(systemd: failed\/exit-code; its journal above\)/);
    // the failure detail (the task's stderr): that attempt's journal, the cause and systemd's verdict
    assert.match(r.out, /journal: [^"]*etcd\[\d+\]: flag provided but not defined: -etcdplay-no-such-flag/);
    assert.match(r.out, /journal: [^"]*Failed to start etcd\.service/);
    const fixPb = pb('fix.yml', [
      '    - file: { path: /etc/systemd/system/etcd.service.d/10-etcdplay.conf, state: absent }',
      '    - systemd: { name: etcd, daemon_reload: true }',
      '    - etcd_service: { state: started }',
      '',
    ].join('\n'));
    r = await etcdplay(['run', fixPb, '-i', inv], 300_000);
    assert.is(r.code, 0, r.out);
    assert.not.match(etcdMain(lab, 'etcd3').cmdline, /heartbeat|no-such-flag/);

    // the etcd modules on systemd: stop (process gone, ports free), start (healthy)
    const etcdPb = pb('etcd.yml', [
      '    - etcd_service: { state: stopped }',
      '    - shell: systemctl is-active etcd || true',
      '      register: st',
      '    - assert: { that: ["st.stdout == \'inactive\'"] }',
      '    - etcd_service: { state: started }',
      '    - etcd_service: { state: restarted }',
      '',
    ].join('\n'));
    r = await etcdplay(['run', etcdPb, '-i', inv], 300_000);
    assert.is(r.code, 0, r.out);
    assert.is(ssh(lab, 'etcd3', 'systemctl is-active etcd').stdout.trim(), 'active');
    assert.ok(await healthy(NAME), 'healthy after etcd_service');

    // a host killed: SIGKILL of its systemd-nspawn
    const st = readState(NAME)!;
    const victim = st.hosts.find((h) => h.name === 'etcd2')!;
    process.kill(victim.unsharePid, 'SIGKILL');
    await new Promise((res) => setTimeout(res, 1000));

    const td = Date.now();
    assert.ok(await labDown(NAME));
    console.error(`[${NAME}] down in ${Date.now() - td} ms`);
    assert.equal(systemdLabLeftovers(lab, namespaces), [], 'nothing left after down');
  } finally {
    await labDown(NAME).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
});

test('etcd-downgrade.yml 3.5.16 -> 3.4.23 on systemd hosts: every key kept, etcd back under its unit', async () => {
  const name = 't-sd-dg';
  const namespaces = new Set<string>();
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name, nodes: 3, etcd: '3.5.16', init: 'systemd' });
    for (const h of lab.hosts) for (const ns of namespacesOf(h.pid)) namespaces.add(ns);
    await labLoad(name, { keys: 300, leases: 2 });
    const before = await dump(lab);
    const r = await etcdplay(['run', 'playbooks/etcd-downgrade.yml', '-i', lab.inventoryPath, '--yes', '-e', 'etcd_target_version=3.4.23']);
    console.error(`[${name}] downgrade: ${r.ms} ms`);
    assert.is(r.code, 0, r.out);
    const st = await labStatus(name);
    assert.ok(st.healthy, JSON.stringify(st.members));
    assert.equal(st.members.map((m) => m.version), ['3.4.23', '3.4.23', '3.4.23']);
    const after = await dump(lab);
    assert.equal(after.kvs, before.kvs);
    assert.equal(after.leases, before.leases);
    assert.ok(after.revision >= before.revision);
    for (const h of lab.hosts) {
      assert.is(sshOk(lab, h.name, 'systemctl is-active etcd').trim(), 'active');
      assert.match(sshOk(lab, h.name, "dpkg-query -W -f '${Version}' etcd-server"), /^3\.4\.23/);
    }
    assert.ok(await labDown(name));
    assert.equal(systemdLabLeftovers(lab, namespaces), [], 'nothing left after down');
  } finally {
    await labDown(name).catch(() => undefined);
  }
});

test.run();
