/**
 * systemd lab hosts without root: the rendered units, the nspawn boot argv, the install script,
 * cgroup bookkeeping on a fake cgroup tree, the service module's daemon_reload step.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneServices, controlPlaneSpecs, controlPlaneUnits, IDLE_SERVICES, READY_FILE, WRITER_PATH, WRITER_SERVICE } from '../../../src/lab/controlplane.js';
import { labHosts, renderEtcdDefaults, ETCD_LOG_FILE } from '../../../src/lab/config.js';
import { DEFAULT_INIT, defaultInit, isLabInit } from '../../../src/lab/init.js';
import { bookwormSysusers, installScript, POLICY_RC_D } from '../../../src/lab/prepare.js';
import { cgroupDirs, cgroupHierarchies, cgroupPids, hostCgroup, labCgroup, machineName, NSPAWN_BOOT, nspawnArgv } from '../../../src/lab/nspawn.js';
import { missingPackages, SYSTEMD_TOOLS, TOOLS } from '../../../src/lab/preconditions.js';
import { MASKED_UNITS, rootfsDir, systemdInstallScript } from '../../../src/lab/rootfs.js';
import { hostPaths } from '../../../src/lab/host.js';
import { orphanLabCgroups } from '../../../src/lab/cleanup.js';
import { serviceModule } from '../../../src/modules/service.js';

const spec = { name: 'x', nodes: 3, etcdVersion: '3.5.16', debVersion: '3.5.16-4', tls: false };

test('init: systemd is the default (ETCDPLAY_LAB_INIT overrides it); names are checked', () => {
  if (!process.env.ETCDPLAY_LAB_INIT) assert.is(DEFAULT_INIT, 'systemd');
  assert.is(defaultInit(undefined), 'systemd');
  assert.is(defaultInit(''), 'systemd');
  assert.is(defaultInit('sysv'), 'sysv');
  assert.is(defaultInit('systemd'), 'systemd');
  assert.throws(() => defaultInit('upstart'), /ETCDPLAY_LAB_INIT must be one of sysv, systemd/);
  assert.ok(isLabInit('systemd') && isLabInit('sysv'));
  assert.not.ok(isLabInit('upstart'));
});

test('control plane units: same daemons as the init scripts, exact stop, not started at boot by the lab', () => {
  const units = controlPlaneUnits();
  assert.equal(Object.keys(units), [`${WRITER_SERVICE}.service`, ...IDLE_SERVICES.map((s) => `${s}.service`)]);
  assert.equal(Object.keys(controlPlaneServices()), controlPlaneSpecs().map((s) => s.name));
  const w = units[`${WRITER_SERVICE}.service`]!;
  assert.match(w, new RegExp(`^ExecStart=${WRITER_PATH}$`, 'm'));
  assert.match(w, /^KillMode=mixed$/m);
  assert.match(w, /^TimeoutStopSec=10$/m);
  assert.match(w, new RegExp(`^ExecStopPost=/bin/rm -f ${READY_FILE}$`, 'm'));
  const s = units['kube-scheduler.service']!;
  assert.match(s, /^ExecStart=\/bin\/sleep infinity$/m);
  assert.match(s, /^ExecStartPost=\/bin\/sh -c 'date -Is >> \/var\/log\/kube-scheduler\.starts'$/m);
  assert.not.match(s, /ExecStopPost/);
});

test('etcd config: systemd hosts log to the journal (stderr), sysv hosts to the log file', () => {
  const h = labHosts(3)[0]!;
  assert.match(renderEtcdDefaults({ ...spec, init: 'systemd' }, h), /^ETCD_LOG_OUTPUTS="stderr"$/m);
  assert.match(renderEtcdDefaults({ ...spec, init: 'systemd' }, h), /EnvironmentFile of etcd\.service/);
  assert.match(renderEtcdDefaults(spec, h), new RegExp(`^ETCD_LOG_OUTPUTS="${ETCD_LOG_FILE}"$`, 'm'));
});

test('install script: no auto-start during the lab install (both inits), no lab init script on systemd; parses', () => {
  const sd = installScript({ ...spec, init: 'systemd' });
  assert.ok(sd.indexOf(POLICY_RC_D) < sd.indexOf('apt-get install'));
  assert.match(sd, /exit 101/);
  assert.match(sd, new RegExp(`trap 'rm -f ${POLICY_RC_D}' EXIT`));
  assert.not.match(sd, /ETCDPLAY_INIT/);
  execFileSync('sh', ['-n', '-c', sd]);
  const sysv = installScript(spec);
  assert.ok(sysv.indexOf(POLICY_RC_D) < sysv.indexOf('apt-get install'));
  assert.match(sysv, /ETCDPLAY_INIT/);
  // the policy file it writes denies: run the printf line for real
  const d = mkdtempSync(join(tmpdir(), 'etcdplay-prc-'));
  try {
    const line = sd.split('\n').find((l) => l.startsWith('printf'))!.replace(POLICY_RC_D, join(d, 'p'));
    execFileSync('sh', ['-c', `${line}; chmod +x ${join(d, 'p')}; ${join(d, 'p')}; echo rc=$?`]);
  } catch (e) {
    assert.match(String((e as { stdout?: Buffer }).stdout ?? ''), /rc=101/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("sysusers.d for bookworm's systemd-sysusers 252: 'u!' becomes 'u', accepted files are left alone", () => {
  assert.is(bookwormSysusers('u! etcd - - /var/lib/etcd\n'), 'u etcd - - /var/lib/etcd\n');
  assert.is(bookwormSysusers('# c\ng etcd -\nu!\tetcd - "etcd user" /var/lib/etcd\n'), '# c\ng etcd -\nu\tetcd - "etcd user" /var/lib/etcd\n');
  assert.is(bookwormSysusers('u etcd - - /var/lib/etcd\n'), undefined);
});

test('nspawn boot: private mounts, own cgroup, no registration, the host network; parses', () => {
  execFileSync('sh', ['-n', '-c', NSPAWN_BOOT]);
  assert.match(NSPAWN_BOOT, /--register=no --keep-unit/);
  assert.match(NSPAWN_BOOT, /mount -t tmpfs .* \/run\/systemd\/nspawn/);
  assert.not.match(NSPAWN_BOOT, /--network|--private-network/);
  const p = hostPaths('/run/etcdplay/labs/t-sd', 'etcd2');
  const argv = nspawnArgv(p, '/c/rootfs', '/c/repo', labHosts(3)[1]!, 't-sd', ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']);
  assert.equal(argv.slice(0, 5), ['unshare', '--mount', '--propagation', 'private', 'sh']);
  assert.equal(argv.slice(8), [p.root, '/c/rootfs', p.upper, p.work, '/c/repo', 'etcd2', 'etcdplay-t-sd-etcd2',
    '/sys/fs/cgroup/systemd/etcdplay-lab-t-sd/etcd2', '/sys/fs/cgroup/unified/etcdplay-lab-t-sd/etcd2']);
  assert.is(machineName('t-sd', 'cp1'), 'etcdplay-t-sd-cp1');
  assert.is(hostCgroup('t-sd', 'cp1'), `${labCgroup('t-sd')}/cp1`);
});

test('cgroups: hierarchies detected, pids and dirs of a tree found (fake cgroupfs)', () => {
  const root = mkdtempSync(join(tmpdir(), 'etcdplay-cg-'));
  try {
    for (const h of ['systemd', 'unified']) {
      mkdirSync(join(root, h, 'etcdplay-lab-t-a/etcd1/system.slice/etcd.service'), { recursive: true });
      writeFileSync(join(root, h, 'cgroup.procs'), '1\n');
      writeFileSync(join(root, h, 'etcdplay-lab-t-a/etcd1/cgroup.procs'), '100\n');
      writeFileSync(join(root, h, 'etcdplay-lab-t-a/etcd1/system.slice/etcd.service/cgroup.procs'), h === 'systemd' ? '101\n102\n' : '101\n');
    }
    mkdirSync(join(root, 'systemd', 'etcdplay-lab-t-gone'));
    const hs = cgroupHierarchies(root);
    assert.equal(hs, [join(root, 'systemd'), join(root, 'unified')]);
    assert.equal(cgroupPids(labCgroup('t-a'), hs).sort(), [100, 101, 102]);
    const dirs = cgroupDirs(labCgroup('t-a'), hs);
    assert.is(dirs.length, 8);
    assert.ok(dirs.indexOf(join(root, 'systemd/etcdplay-lab-t-a/etcd1/system.slice/etcd.service')) < dirs.indexOf(join(root, 'systemd/etcdplay-lab-t-a')), 'deepest first');
    process.env.ETCDPLAY_LAB_ROOT = join(root, 'labs');
    mkdirSync(join(root, 'labs', 't-a'), { recursive: true });
    assert.equal(orphanLabCgroups(hs), ['t-gone']);
  } finally {
    delete process.env.ETCDPLAY_LAB_ROOT;
    rmSync(root, { recursive: true, force: true });
  }
  const v2 = mkdtempSync(join(tmpdir(), 'etcdplay-cg2-'));
  try {
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpu memory\n');
    assert.equal(cgroupHierarchies(v2), [v2]);
  } finally {
    rmSync(v2, { recursive: true, force: true });
  }
});

test('systemd rootfs: its own cache entry, systemd-sysv + dbus, apt timers masked; script parses', () => {
  assert.match(rootfsDir('systemd'), /rootfs-bookworm-systemd$/);
  assert.match(rootfsDir(), /rootfs-bookworm$/);
  const s = systemdInstallScript();
  execFileSync('sh', ['-n', '-c', s]);
  assert.match(s, /apt-get install -y -q --no-install-recommends systemd-sysv dbus/);
  for (const u of ['apt-daily.timer', 'apt-daily-upgrade.timer', 'console-getty.service']) assert.ok(MASKED_UNITS.includes(u), u);
});

test('preconditions: systemd-nspawn only for systemd labs', () => {
  const none = () => false;
  assert.not.ok(missingPackages(none).includes('systemd-container'));
  assert.ok(missingPackages(none, [...TOOLS, ...SYSTEMD_TOOLS]).includes('systemd-container'));
});

test('service/systemd module: daemon_reload first, alone or with a state', () => {
  const both = serviceModule.plan({ name: 'etcd', state: 'restarted', daemon_reload: true }, {} as never) as { description: string; command: { argv: string[] }; onlyIf?: { argv: string[] } }[];
  assert.is(both.length, 2);
  assert.match(both[0]!.description, /daemon-reload/);
  assert.is(both[0]!.command.argv[4], 'daemon-reload');
  assert.is(both[0]!.onlyIf!.argv[4], 'need-daemon-reload');
  assert.is(both[1]!.command.argv[4], 'restart');
  const alone = serviceModule.plan({ name: 'etcd', daemon_reload: true }, {} as never) as unknown[];
  assert.is(alone.length, 1);
});

test.run();
