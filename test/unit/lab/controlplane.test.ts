import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allLabHosts, controlPlaneHosts, pickNet, renderInventory, renderSshConfig, type LabSpec } from '../../../src/lab/config.js';
import {
  ACKED_LOG, CONTROL_PLANE_VARS, READY_FILE, WRITER_LOG, WRITER_STATE_DIR, controlPlaneInstallScript, controlPlaneServices, missingWrites,
  renderWriter, writeKey,
} from '../../../src/lab/controlplane.js';
import { getLab } from '../../../src/lab/access.js';

const spec: LabSpec = { name: 'demo', nodes: 3, etcdVersion: '3.5.16', debVersion: '3.5.16-4', tls: false };
const files = { keyPath: '/l/id_ed25519', knownHostsPath: '/l/known_hosts', sshConfigPath: '/l/ssh_config' };

test('control plane hosts are cpI on 127.0.NET.<30+i>, clear of the etcd hosts', () => {
  assert.equal(controlPlaneHosts(2, 4), [
    { name: 'cp1', index: 1, address: '127.0.4.31' },
    { name: 'cp2', index: 2, address: '127.0.4.32' },
  ]);
  assert.equal(controlPlaneHosts(0), []);
  assert.throws(() => controlPlaneHosts(6));
  assert.throws(() => controlPlaneHosts(-1));
  const all = allLabHosts({ nodes: 9, net: 1, controlPlane: 5 }).map((h) => h.address);
  assert.is(new Set(all).size, 14);
  assert.is(all[13], '127.0.1.35');
});

test('inventory: group kube_control_plane with the fence vars; group etcd and all.vars unchanged', () => {
  const plain = parse(renderInventory(spec, files));
  const inv = parse(renderInventory({ ...spec, controlPlane: 2, net: 3 }, files));
  assert.not.ok(plain.all.children.kube_control_plane, 'no group without control plane hosts');
  assert.equal(inv.all.vars, plain.all.vars);
  assert.equal(Object.keys(inv.all.children.etcd.hosts), ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(inv.all.children.kube_control_plane, {
    hosts: { cp1: { ansible_host: '127.0.3.31' }, cp2: { ansible_host: '127.0.3.32' } },
    vars: {
      etcd_fence_ready_command: 'test -e /run/kube-apiserver/ready',
      etcd_fence_units: ['kube-apiserver'],
      etcd_fence_restart_units: ['kube-controller-manager', 'kube-scheduler'],
    },
  });
  assert.equal(CONTROL_PLANE_VARS.etcd_fence_ready_command, `test -e ${READY_FILE}`);
});

test('ssh_config has the control plane hosts too', () => {
  const text = renderSshConfig({ ...spec, controlPlane: 1 }, files);
  assert.match(text, /Host cp1\n  HostName 127\.0\.1\.31\n/);
  assert.match(text, /Host etcd3\n/);
});

test('pickNet: a listener on a control plane address takes the range only when the lab has control plane hosts', () => {
  const ss = 'LISTEN 0 128 127.0.1.32:22 0.0.0.0:*';
  assert.equal(pickNet('x', ss, new Map(), 3, undefined, 1), { net: 1 });
  const r = pickNet('x', ss, new Map(), 3, undefined, 2);
  assert.is(r.net, 2);
  assert.match(r.note!, /127\.0\.1\.32:22/);
  assert.throws(() => pickNet('x', ss, new Map(), 3, 1, 2), /127\.0\.1\.x is not free/);
});

test('install script: etcd-client only, pinned, and it parses', () => {
  const s = controlPlaneInstallScript('3.4.23-4+b4');
  assert.match(s, /install -y -q --no-install-recommends etcd-client=3\.4\.23-4\+b4\n/);
  assert.not.match(s, /etcd-server/);
  execFileSync('sh', ['-n', '-c', s]);
});

test('init scripts parse; kube-apiserver removes its readiness file, the idle ones log their starts', () => {
  const services = controlPlaneServices();
  assert.equal(Object.keys(services), ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
  for (const script of Object.values(services)) {
    execFileSync('sh', ['-n', '-c', script]);
    assert.match(script, /### BEGIN INIT INFO/);
    assert.match(script, /kill -TERM "\$pid"/);
    assert.match(script, /-eq 100 \]; then\n\s+kill -STOP "\$pid"/);
  }
  assert.match(services['kube-apiserver']!, /--startas \/usr\/local\/sbin\/etcdplay-lab-writer \|\| exit 1/);
  assert.match(services['kube-apiserver']!, /rm -f "\$PIDFILE" \/run\/kube-apiserver\/ready/);
  assert.match(services['kube-scheduler']!, /--startas \/bin\/sleep -- infinity \|\| exit 1\n\s+date -Is >> \/var\/log\/kube-scheduler\.starts/);
});

/** The writer with its paths moved under `dir`, so it can run here against a fake etcdctl. */
function writerIn(dir: string, etcdctl: string): string {
  return renderWriter(etcdctl)
    .replaceAll(WRITER_LOG, join(dir, 'writer.log'))
    .replaceAll(WRITER_STATE_DIR, join(dir, 'state'))
    .replaceAll(READY_FILE, join(dir, 'run', 'ready'));
}

async function runWriterFor(script: string, ms: number, readyFile: string): Promise<{ sawReady: boolean }> {
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  let sawReady = false;
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    sawReady ||= existsSync(readyFile);
    await new Promise((r) => setTimeout(r, 20));
  }
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { sawReady };
}

test('writer: only acknowledged puts are logged, a failed one is retried with a new key, seq survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-writer-'));
  try {
    // a fake etcdctl: every 3rd put fails (after reaching "etcd" or not: it is not acknowledged either way)
    const fake = join(dir, 'etcdctl');
    writeFileSync(fake, `#!/bin/sh\nn=$(cat ${dir}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${dir}/n\necho "$2" >> ${dir}/etcd\n[ $((n % 3)) -ne 0 ]\n`, { mode: 0o755 });
    mkdirSync(join(dir, 'run'));
    const script = writerIn(dir, fake);
    const acked = join(dir, 'state', 'acked.log');
    const first = await runWriterFor(script, 700, join(dir, 'run', 'ready'));
    assert.ok(first.sawReady, 'ready after the first acknowledged write');
    assert.not.ok(existsSync(join(dir, 'run', 'ready')), 'ready removed on stop');
    await runWriterFor(script, 500, join(dir, 'run', 'ready'));

    const tried = readFileSync(join(dir, 'etcd'), 'utf8').trim().split('\n');
    const logged = readFileSync(acked, 'utf8').trim().split('\n');
    const host = hostname();
    assert.ok(tried.length >= 6, `tried ${tried.length}`);
    assert.equal(tried, tried.map((_, i) => writeKey(host, i + 1)), 'one new key per try, strictly increasing, across the restart');
    assert.equal(logged, tried.filter((_, i) => (i + 1) % 3 !== 0), 'exactly the acknowledged puts');
    assert.is(Number(readFileSync(join(dir, 'state', 'seq'), 'utf8')), tried.length);
    assert.ok(ACKED_LOG.startsWith(WRITER_STATE_DIR + '/'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missingWrites: acknowledged keys not in the cluster; a line still being written is not counted', () => {
  const k = (h: string, n: number) => writeKey(h, n);
  const cluster = [k('cp1', 1), '', k('cp1', 3), '', k('cp2', 1), ''].join('\n');
  const r = missingWrites([`${k('cp1', 1)}\n${k('cp1', 2)}\n${k('cp1', 3)}\n/registry/etcdplay-wr`, `${k('cp2', 1)}\n`, ''], cluster);
  assert.equal(r, { acked: 4, missing: [k('cp1', 2)] });
  assert.is(k('cp1', 42), '/registry/etcdplay-writes/cp1/000000000042');
});

test('a state file written before control plane hosts existed is still read', () => {
  const root = mkdtempSync(join(tmpdir(), 'etcdplay-labs-'));
  const saved = process.env.ETCDPLAY_LAB_ROOT;
  try {
    process.env.ETCDPLAY_LAB_ROOT = root;
    mkdirSync(join(root, 'old'));
    writeFileSync(join(root, 'old', 'lab.json'), JSON.stringify({
      name: 'old', nodes: 1, etcdVersion: '3.5.16', debVersion: '3.5.16-4', tls: false, net: 1, state: 'up', createdAt: 'x',
      hosts: [{ name: 'etcd1', address: '127.0.1.11', pid: 1, unsharePid: 1 }],
    }));
    const lab = getLab('old');
    assert.equal(lab.controlPlane, []);
    assert.is(lab.hosts.length, 1);
  } finally {
    if (saved === undefined) delete process.env.ETCDPLAY_LAB_ROOT; else process.env.ETCDPLAY_LAB_ROOT = saved;
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
