/**
 * The lab's control plane hosts end to end (root only): writers that really write, a stop that
 * really stops them, `lab writes` that notices a lost acknowledged write. Plain and TLS labs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { etcdctlPrefix, labEndpoints, labWrites, type Lab } from '../../src/lab/index.js';
import { ACKED_LOG, CONTROL_PLANE_VARS, READY_FILE, WRITES_PREFIX } from '../../src/lab/controlplane.js';
import { shQuote } from '../../src/shell/quote.js';
import { etcdplay, labDown, labExec, labLeftovers, labUpWhenFree, namespacesOf } from '../integration/etcd/lab-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ssh(lab: Lab, host: string, cmd: string) {
  return spawnSync('ssh', ['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', host, cmd], { encoding: 'utf8', timeout: 60_000 });
}

async function sh(lab: Lab, host: string, cmd: string): Promise<string> {
  const r = await labExec(lab.name, host, cmd, { timeoutMs: 60_000 });
  assert.is(r.rc, 0, `${host}: ${cmd}: ${r.stderr}`);
  return r.stdout;
}

async function revision(lab: Lab): Promise<number> {
  const out = await sh(lab, 'etcd1', `${etcdctlPrefix(lab.tls, labEndpoints(lab))} endpoint status -w json`);
  const revs = [...out.matchAll(/"revision":(\d+)/g)].map((m) => Number(m[1]));
  assert.is(revs.length, lab.hosts.length, out);
  return Math.max(...revs);
}

async function ackedLines(lab: Lab, host: string): Promise<string[]> {
  return (await sh(lab, host, `cat ${shQuote(ACKED_LOG)} 2>/dev/null || true`)).split('\n').filter(Boolean);
}

/** `etcdplay lab writes --json`: exit code and its one JSON line. */
async function cliWrites(name: string): Promise<{ code: number; json: { acked: number; missing: number; missingKeys: string[] } }> {
  const r = await etcdplay(['lab', 'writes', '--name', name, '--json'], 120_000);
  const lines = r.out.trim().split('\n').filter((l) => l.startsWith('{'));
  assert.is(lines.length, 1, r.out);
  return { code: r.code, json: JSON.parse(lines[0]!) };
}

async function scenario(name: string, tls: boolean): Promise<void> {
  const t0 = Date.now();
  const namespaces = new Set<string>();
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name, nodes: 3, etcd: '3.5.16', tls, controlPlane: 2 });
    console.error(`[${name}] up in ${Date.now() - t0} ms`);
    for (const h of [...lab.hosts, ...lab.controlPlane]) for (const ns of namespacesOf(h.pid)) namespaces.add(ns);
    const net = lab.net;
    assert.equal(lab.controlPlane.map((h) => [h.name, h.address]), [['cp1', `127.0.${net}.31`], ['cp2', `127.0.${net}.32`]]);

    // inventory: group kube_control_plane with the fence vars, not in group etcd
    const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
    assert.equal(Object.keys(inv.all.children.etcd.hosts), ['etcd1', 'etcd2', 'etcd3']);
    assert.equal(inv.all.children.kube_control_plane.hosts, { cp1: { ansible_host: `127.0.${net}.31` }, cp2: { ansible_host: `127.0.${net}.32` } });
    assert.equal(inv.all.children.kube_control_plane.vars, CONTROL_PLANE_VARS);

    // cp hosts: reachable with strict host keys, etcdctl of the lab's version, no etcd server
    for (const h of lab.controlPlane) {
      const r = ssh(lab, h.name, 'hostname; dpkg-query -W -f "\\${Version}\\n" etcd-client; dpkg-query -W etcd-server >/dev/null 2>&1 && echo server || echo no-server; test -e /run/kube-apiserver/ready && echo ready');
      assert.is(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n'), [h.name, lab.debVersion, 'no-server', 'ready']);
    }

    // the writers write and acknowledge
    for (let i = 0; i < 100; i++) {
      const counts = await Promise.all(lab.controlPlane.map((h) => ackedLines(lab!, h.name).then((l) => l.length)));
      if (counts.every((c) => c >= 10)) break;
      await sleep(200);
    }
    for (const h of lab.controlPlane) assert.ok((await ackedLines(lab, h.name)).length >= 10, `${h.name} acknowledged 10 writes`);
    const live = await labWrites(name);
    assert.is(live.missing, 0);
    assert.ok(live.acked >= 20, `acked ${live.acked}`);

    // fenced: after `service kube-apiserver stop` returns, nothing reaches etcd any more
    const stops = await Promise.all(lab.controlPlane.map(async (h) => ({ h: h.name, r: ssh(lab!, h.name, 'service kube-apiserver stop') })));
    for (const { h, r } of stops) assert.is(r.status, 0, `${h}: ${r.stderr}`);
    const rev0 = await revision(lab);
    for (const h of lab.controlPlane) {
      const ps = await sh(lab, h.name, `ps -e -o comm=; test -e ${shQuote(READY_FILE)} && echo READY-LEFT || true`);
      assert.not.match(ps, /etcdctl|etcdplay-lab-wr|READY-LEFT/, `${h.name}: ${ps}`);
    }
    await sleep(3000);
    assert.is(await revision(lab), rev0, 'no write after stop returned');
    const stopped = await cliWrites(name);
    assert.is(stopped.code, 0);
    assert.is(stopped.json.missing, 0);
    const keysInCluster = Number((await sh(lab, 'etcd2', `${etcdctlPrefix(lab.tls, labEndpoints(lab))} get ${shQuote(WRITES_PREFIX)} --prefix --keys-only | grep -c .`)).trim());
    assert.ok(keysInCluster >= stopped.json.acked, `${keysInCluster} keys in the cluster, ${stopped.json.acked} acknowledged`);

    // a lost acknowledged write is noticed
    const cp1Before = await ackedLines(lab, 'cp1');
    const victim = cp1Before[Math.floor(cp1Before.length / 2)]!;
    assert.match(await sh(lab, 'etcd3', `${etcdctlPrefix(lab.tls, labEndpoints(lab))} del ${shQuote(victim)}`), /^1$/m);
    const lost = await cliWrites(name);
    assert.is(lost.code, 1);
    assert.is(lost.json.missing, 1);
    assert.equal(lost.json.missingKeys, [victim]);
    assert.is(lost.json.acked, stopped.json.acked);

    // started again: ready once it wrote, the sequence goes on, controller-manager/scheduler restart is visible
    for (const h of lab.controlPlane) assert.is(ssh(lab, h.name, 'service kube-apiserver start && service kube-scheduler restart').status, 0);
    for (const h of lab.controlPlane) {
      let ready = false;
      for (let i = 0; i < 100 && !ready; i++) {
        ready = (await labExec(name, h.name, `test -e ${shQuote(READY_FILE)}`)).rc === 0;
        if (!ready) await sleep(100);
      }
      assert.ok(ready, `${h.name}: ready again`);
      assert.is((await sh(lab, h.name, 'cat /var/log/kube-scheduler.starts')).trim().split('\n').length, 2);
      assert.is((await sh(lab, h.name, 'cat /var/log/kube-controller-manager.starts')).trim().split('\n').length, 1);
    }
    const cp1After = await ackedLines(lab, 'cp1');
    assert.ok(cp1After.length > cp1Before.length);
    assert.ok(cp1After[cp1Before.length]! > cp1Before[cp1Before.length - 1]!, 'new keys after the restart');
    const st = await etcdplay(['lab', 'status', '--name', name], 120_000);
    assert.match(st.out, /cp1\s+127\.0\.\d+\.31\s+yes\s+running\s+yes/);

    const dir = lab.dir;
    const addresses = [...lab.hosts, ...lab.controlPlane].map((h) => h.address);
    assert.ok(await labDown(name));
    assert.equal(labLeftovers(dir, addresses, namespaces), [], 'nothing left of the lab');
    console.error(`[${name}] done in ${Date.now() - t0} ms`);
  } finally {
    await labDown(name).catch(() => undefined);
  }
}

test('control plane writers (http): acknowledged, stopped exactly, a lost write noticed, restarted, clean down', async () => {
  await scenario('t-cp1', false);
});

test('control plane writers (TLS, client certificates): the same', async () => {
  await scenario('t-cp2', true);
});

test.run();
