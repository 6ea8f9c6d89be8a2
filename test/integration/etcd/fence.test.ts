/**
 * etcd_fence for real, through the engine, against a real sshd on loopback: the play runs on an
 * etcd host and the task is delegated to the control-plane host, as in the downgrade playbook.
 * The "writers" are fake sysvinit services in a throwaway temp dir: a `service` command first in
 * the task's PATH runs the init scripts of $ETCDPLAY_INIT_D, each starting a copy of `sleep` named
 * after the unit (short random names, so `pgrep -x` never sees another test's processes). The
 * static pod "kubelet" is instant: the container is gone when its manifest is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../../src/engine/index.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import type { EngineEvent } from '../../../src/model/event.js';
import type { TaskResult } from '../../../src/model/result.js';
import { startSshd, writeKnownHosts, type Sshd } from '../../support/sshd.js';

const hasSystemd = existsSync('/run/systemd/system');
const R = randomBytes(3).toString('hex');
const U = { api: `fa${R}-api`, old: `fa${R}-old`, cm: `fa${R}-cm`, sch: `fa${R}-sch` };
let sshd: Sshd | undefined;
let W = '';
let kh = '';

const INIT = `#!/bin/sh
N=$(basename "$0"); D=@W@; P=$D/run/$N.pid
alive() { [ -f "$P" ] && kill -0 "$(cat "$P")" 2>/dev/null; }
case "$1" in
  start) alive && exit 0
    "$D/daemons/$N" 600 </dev/null >/dev/null 2>&1 & echo $! > "$P"
    echo "start $N" >> "$D/log"
    (sleep 1; touch "$D/ready-$N") </dev/null >/dev/null 2>&1 & ;;
  stop) alive && kill "$(cat "$P")"; rm -f "$P" "$D/ready-$N"; echo "stop $N" >> "$D/log" ;;
  status) alive ;;
  *) exit 3 ;;
esac
`;

function initd(cmd: 'start' | 'stop' | 'status', unit: string): boolean {
  try {
    execFileSync(join(W, 'init.d', unit), [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const running = (unit: string) => initd('status', unit);
const pid = (unit: string) => (existsSync(join(W, 'run', `${unit}.pid`)) ? readFileSync(join(W, 'run', `${unit}.pid`), 'utf8').trim() : '');
const manifest = () => join(W, 'manifests', `fp${R}.yaml`);

test.before(async () => {
  if (hasSystemd) return;
  W = mkdtempSync(join(tmpdir(), 'etcdplay-fence-it-'));
  for (const d of ['bin', 'init.d', 'daemons', 'run', 'manifests', 'runs']) mkdirSync(join(W, d));
  writeFileSync(join(W, 'bin', 'service'), '#!/bin/sh\nexec "$ETCDPLAY_INIT_D/$1" "$2"\n', { mode: 0o755 });
  const sleepBin = execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim();
  for (const u of Object.values(U)) {
    writeFileSync(join(W, 'init.d', u), INIT.replace('@W@', W), { mode: 0o755 });
    copyFileSync(sleepBin, join(W, 'daemons', u));
    chmodSync(join(W, 'daemons', u), 0o755);
  }
  sshd = await startSshd({ address: '127.0.7.31', users: ['root'] });
  kh = writeKnownHosts(W, [sshd.knownHostsLine]);
});

test.after(async () => {
  if (!W) return;
  for (const u of Object.values(U)) initd('stop', u);
  await sshd?.stop().catch(() => undefined);
  rmSync(W, { recursive: true, force: true });
});

function inventory(name: string, cp: string, cpVars: string): string {
  const file = join(W, `${name}.yml`);
  const conn = `ansible_host: ${sshd!.address}\n          ansible_port: ${sshd!.port}\n          ansible_ssh_private_key_file: ${sshd!.clientKeyPath}`;
  writeFileSync(file, `all:
  vars:
    ansible_user: root
    etcdplay_known_hosts_file: ${kh}
    etcdplay_lock_dir: ${W}/lock
  children:
    etcd:
      hosts:
        e1:
          ${conn}
    kube_control_plane:
      hosts:
        ${cp}:
          ${conn}
${cpVars}
`);
  return file;
}

const CP1_VARS = `          etcd_fence_units: [${U.api}, ${U.old}]
          etcd_fence_restart_units: [${U.cm}, ${U.sch}]
          etcd_fence_ready_command: "test -e @W@/ready-${U.api}"
          etcd_fence_static_pods: ["@W@/manifests/fp${R}.yaml"]
          etcd_fence_gone_command: 'test ! -e @W@/manifests/"$1".yaml'
          etcd_fence_state_dir: "@W@/state"
          etcd_fence_timeout: 20`;

const task = (state: string) => `    - name: fence task
      etcd_fence:
        state: ${state}
        host: "{{ item }}"
      delegate_to: "{{ item }}"
      loop: "{{ groups.kube_control_plane | default([]) }}"
      run_once: true
      environment:
        PATH: "@W@/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ETCDPLAY_INIT_D: "@W@/init.d"
`;

async function run(name: string, inv: string, state: string, opts: { runId: string; check?: boolean }): Promise<{ exitCode: number; result: TaskResult }> {
  const file = join(W, `${name}.pb.yml`);
  writeFileSync(file, `- hosts: etcd\n  gather_facts: false\n  tasks:\n${task(state)}`.replaceAll('@W@', W));
  writeFileSync(inv, readFileSync(inv, 'utf8').replaceAll('@W@', W));
  const i = loadInventory([inv]);
  assert.is(i.diagnostics.filter((d) => d.severity === 'error').length, 0, formatDiagnostics(i.diagnostics));
  const pb = loadPlaybook(file);
  assert.ok(pb.playbook, formatDiagnostics(pb.diagnostics));
  const events: EngineEvent[] = [];
  const out = await runPlaybook({
    playbook: pb.playbook!,
    inventory: i.inventory,
    extraVars: {},
    check: !!opts.check,
    diff: false,
    forks: 5,
    runId: opts.runId,
    connect: { hostKeyChecking: 'strict', sshConfigFile: join(W, 'no-ssh-config'), connectTimeoutMs: 5000 },
    runDir: join(W, 'runs', name),
    onEvent: (e) => events.push(e),
  });
  const end = events.find((e): e is Extract<EngineEvent, { type: 'host.end' }> => e.type === 'host.end' && e.host === 'e1');
  assert.ok(end, `no result: ${JSON.stringify(events.slice(-5))}`);
  // A loop's result: the one item's result is in results[0].
  const r = end!.result as TaskResult & { results?: TaskResult[] };
  return { exitCode: out.exitCode, result: r.results?.[0] ?? r };
}

if (hasSystemd) {
  test('skipped: systemd runs this machine (the fake services are sysvinit scripts)', () => undefined);
} else {
  const RUN = `20261204T000000Z-${R}`;
  const stateFile = () => join(W, 'state', `${RUN}.state`);

  test('fenced: stops the running writer, records it, leaves the stopped one stopped, moves the static pod away', async () => {
    initd('start', U.api); initd('start', U.cm); initd('start', U.sch);
    writeFileSync(manifest(), 'kind: Pod\n', { mode: 0o640 });
    assert.ok(running(U.api) && !running(U.old));
    const inv = inventory('inv-cp1', 'cp1', CP1_VARS);

    const chk = await run('check', inv, 'fenced', { runId: RUN, check: true });
    assert.is(chk.exitCode, 0, chk.result.msg);
    assert.ok(running(U.api), 'check mode stopped nothing');
    assert.ok(existsSync(manifest()));
    assert.not.ok(existsSync(stateFile()), 'check mode wrote no state');
    assert.match(chk.result.msg ?? '', `cp1: would stop ${U.api}`);

    const r = await run('fence1', inv, 'fenced', { runId: RUN });
    assert.is(r.exitCode, 0, r.result.msg);
    assert.ok(r.result.changed);
    const d = r.result.data as Record<string, unknown>;
    assert.equal(d.stopped, [U.api]);
    assert.equal(d.alreadyStopped, [U.old]);
    assert.equal(d.moved, [manifest()]);
    assert.is(d.host, 'cp1');
    assert.is(d.stateFile, stateFile());
    assert.match(r.result.msg ?? '', `cp1: stopped ${U.api}`);
    assert.not.ok(running(U.api));
    assert.not.ok(existsSync(manifest()));
    assert.ok(existsSync(join(W, 'state', RUN, 'manifests', manifest())), 'manifest stashed under the run id, at its own path');
    const log = readFileSync(stateFile(), 'utf8');
    assert.match(log, `stopping ${U.api}\nstopped ${U.api}\n`);
    assert.match(log, `already ${U.old}\n`);
  });

  test('fenced again in the same run (resume): the recorded stop is kept, nothing done', async () => {
    const r = await run('fence2', join(W, 'inv-cp1.yml'), 'fenced', { runId: RUN });
    assert.is(r.exitCode, 0, r.result.msg);
    assert.not.ok(r.result.changed);
    const d = r.result.data as Record<string, unknown>;
    assert.equal(d.stopped, [U.api]);
    assert.equal(d.moved, [manifest()]);
    assert.not.match(readFileSync(stateFile(), 'utf8'), `already ${U.api}`);
  });

  test('unfenced: starts what the run stopped, moves the manifest back, restarts the restart units, waits for ready', async () => {
    const before = { cm: pid(U.cm), sch: pid(U.sch) };
    const r = await run('unfence1', join(W, 'inv-cp1.yml'), 'unfenced', { runId: RUN });
    assert.is(r.exitCode, 0, r.result.msg);
    assert.ok(r.result.changed);
    const d = r.result.data as Record<string, unknown>;
    assert.equal(d.started, [U.api]);
    assert.equal(d.restarted, [U.cm, U.sch]);
    assert.equal(d.moved, [manifest()]);
    assert.is(d.ready, true);
    assert.match(r.result.msg ?? '', new RegExp(`^cp1: started ${U.api}, moved back .*, restarted ${U.cm} ${U.sch}; ready after \\d+\\.\\d s$`));
    assert.ok(running(U.api));
    assert.ok(existsSync(join(W, `ready-${U.api}`)));
    assert.not.ok(running(U.old), 'a unit stopped before the fence stays stopped');
    assert.ok(running(U.cm) && running(U.sch));
    assert.is.not(pid(U.cm), before.cm);
    assert.is.not(pid(U.sch), before.sch);
    assert.is(statSync(manifest()).mode & 0o777, 0o640, 'same permissions');
    assert.not.ok(existsSync(stateFile()));
    assert.ok(existsSync(`${stateFile()}.done`), 'the record is moved aside, not deleted');
  });

  test('unfenced again: nothing was fenced by this run, nothing changes', async () => {
    const p = pid(U.api);
    const r = await run('unfence2', join(W, 'inv-cp1.yml'), 'unfenced', { runId: RUN });
    assert.is(r.exitCode, 0, r.result.msg);
    assert.not.ok(r.result.changed);
    assert.match(r.result.msg ?? '', 'nothing was fenced by this run');
    assert.is(pid(U.api), p);
  });

  test('unfenced: not ready within the timeout fails, naming the host and the last output', async () => {
    const run2 = `${RUN}-b`;
    const inv = inventory('inv-cp1-notready', 'cp1', CP1_VARS.replace(/etcd_fence_ready_command: .*/, 'etcd_fence_ready_command: "echo still starting; false"').replace('etcd_fence_timeout: 20', 'etcd_fence_timeout: 2'));
    const f = await run('fence-nr', inv, 'fenced', { runId: run2 });
    assert.is(f.exitCode, 0, f.result.msg);
    const r = await run('unfence-nr', inv, 'unfenced', { runId: run2 });
    assert.is(r.exitCode, 2);
    assert.ok(r.result.failed);
    assert.match(r.result.msg ?? '', /^cp1 is not ready: not ready 2 s after unfencing .*still starting/);
    assert.ok(running(U.api), 'started anyway');
  });

  test('a run that fenced and was never unfenced: the next run takes its record over and starts its writer', async () => {
    const inv = join(W, 'inv-cp1.yml');
    assert.ok(running(U.api));
    const crashed = `${RUN}-c`;
    const next = `${RUN}-d`;
    const f = await run('fence-crashed', inv, 'fenced', { runId: crashed });
    assert.is(f.exitCode, 0, f.result.msg);
    assert.not.ok(running(U.api));
    const u0 = await run('unfence-other', inv, 'unfenced', { runId: next });
    assert.is(u0.exitCode, 0, u0.result.msg);
    assert.match(u0.result.msg ?? '', `WARNING: writers left fenced by other runs, never unfenced: ${W}/state/${crashed}.state`);
    const g = await run('fence-next', inv, 'fenced', { runId: next });
    assert.is(g.exitCode, 0, g.result.msg);
    const d = g.result.data as Record<string, unknown>;
    assert.equal(d.stopped, [U.api], 'stopped by the earlier run: recorded as this run\'s stop, not "already stopped"');
    assert.equal(d.otherRuns, [`${W}/state/${crashed}.state`]);
    assert.ok(existsSync(`${W}/state/${crashed}.state.adopted-by-${next}`));
    const u = await run('unfence-next', inv, 'unfenced', { runId: next });
    assert.is(u.exitCode, 0, u.result.msg);
    assert.equal((u.result.data as Record<string, unknown>).started, [U.api]);
    assert.ok(running(U.api));
    assert.ok(existsSync(manifest()), 'the manifest the earlier run moved is back');
  });

  test('a control-plane host with nothing to fence is refused, also in check mode, and nothing is written', async () => {
    const inv = inventory('inv-cp2', 'cp2', `          etcd_fence_units: [fa${R}-none]
          etcd_fence_static_pods: ["@W@/manifests/none.yaml"]
          etcd_fence_state_dir: "@W@/state2"`);
    for (const check of [true, false]) {
      const r = await run(`refuse-${check}`, inv, 'fenced', { runId: RUN, check });
      assert.is(r.exitCode, 2);
      assert.ok(r.result.failed);
      assert.is(r.result.msg, `cp2 is in kube_control_plane but has no writer to fence: none of the units fa${R}-none exists and no static pod manifest (${W}/manifests/none.yaml) exists; set etcd_fence_units or etcd_fence_static_pods for cp2, or take it out of kube_control_plane`);
    }
    assert.not.ok(existsSync(join(W, 'state2')));
  });
}

test.run();
