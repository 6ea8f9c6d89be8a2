/**
 * The service script against a fake sysvinit `service` command (first in PATH) that runs a
 * copy of `sleep` named etcdplayfake: start/stop/restart really start and kill a process.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { serviceModule } from '../../../src/modules/service.js';
import { ctx, runSteps } from './support.js';

const hasSystemd = existsSync('/run/systemd/system');
let dir = '';
let env: NodeJS.ProcessEnv = {};

function pidOf(): number | undefined {
  const f = join(dir, 'fakesvc.pid');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
}
function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'etcdplay-svc-'));
  const sleepBin = execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim();
  copyFileSync(sleepBin, join(dir, 'etcdplayfake'));
  chmodSync(join(dir, 'etcdplayfake'), 0o755);
  writeFileSync(join(dir, 'service'), `#!/bin/sh
pidf="${dir}/$1.pid"
case $2 in
  start) "${dir}/etcdplayfake" 300 </dev/null >/dev/null 2>&1 & echo $! > "$pidf"; echo start >> "${dir}/log" ;;
  stop) [ -f "$pidf" ] && kill "$(cat "$pidf")"; rm -f "$pidf"; echo stop >> "${dir}/log" ;;
  status) [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null ;;
  reload) echo reload >> "${dir}/log" ;;
  *) exit 3 ;;
esac
`);
  chmodSync(join(dir, 'service'), 0o755);
  // the init script that makes the service exist (ETCDPLAY_INIT_D); `service` runs it
  writeFileSync(join(dir, 'fakesvc'), `#!/bin/sh\nexec "${dir}/service" fakesvc "$@"\n`);
  chmodSync(join(dir, 'fakesvc'), 0o755);
  env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, ETCDPLAY_INIT_D: dir };
});
test.after.each(() => {
  const pid = pidOf();
  if (alive(pid)) process.kill(pid!, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const plan = (args: Record<string, unknown>) => serviceModule.plan({ name: 'fakesvc', pattern: 'etcdplayfake', timeout: 10, ...args } as never, ctx());
const log = () => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []);

if (!hasSystemd) {
  test('a service that does not exist fails, whatever the state (as Ansible)', () => {
    for (const state of ['stopped', 'started', 'restarted']) {
      const r = runSteps(serviceModule.plan({ name: 'etcdplay-no-such-service', state, timeout: 5 } as never, ctx()), env);
      const last = r[r.length - 1]!;
      assert.is(last.status, 'ran', state);
      assert.is.not(last.rc, 0, state);
      assert.match(String(last.stderr), 'Could not find the requested service etcdplay-no-such-service', state);
    }
  });

  test('started: starts once, then the guard says nothing to do', () => {
    let r = runSteps(plan({ state: 'started' }), env);
    assert.is(r[0]!.status, 'ran');
    assert.is(r[0]!.rc, 0, r[0]!.stderr);
    assert.ok(alive(pidOf()));
    r = runSteps(plan({ state: 'started' }), env);
    assert.is(r[0]!.status, 'skipped');
    assert.equal(log(), ['start']);
  });

  test('stopped: stops and waits until the process is gone; then ok', () => {
    runSteps(plan({ state: 'started' }), env);
    const pid = pidOf();
    let r = runSteps(plan({ state: 'stopped' }), env);
    assert.is(r[0]!.status, 'ran');
    assert.is(r[0]!.rc, 0, r[0]!.stderr);
    assert.not.ok(alive(pid), 'process gone when the step returns');
    r = runSteps(plan({ state: 'stopped' }), env);
    assert.is(r[0]!.status, 'skipped');
  });

  test('restarted: new process; reloaded when running', () => {
    runSteps(plan({ state: 'started' }), env);
    const before = pidOf();
    const r = runSteps(plan({ state: 'restarted' }), env);
    assert.is(r[0]!.rc, 0, r[0]!.stderr);
    const after = pidOf();
    assert.ok(alive(after));
    assert.is.not(after, before);
    assert.not.ok(alive(before));
    runSteps(plan({ state: 'reloaded' }), env);
    assert.equal(log(), ['start', 'stop', 'start', 'reload']);
  });
}

test('invalid names are refused before anything runs', () => {
  assert.throws(() => serviceModule.plan({ name: 'etcd; rm -rf /', state: 'started' } as never, ctx()), /invalid service name/);
  assert.throws(() => serviceModule.plan({ name: '-x', state: 'started' } as never, ctx()), /invalid service name/);
});

test('enabled adds a guarded step', () => {
  const steps = serviceModule.plan({ name: 'etcd', enabled: true } as never, ctx());
  assert.is(steps.length, 1);
  assert.match(steps[0]!.description, /enable etcd/);
});

test.run();
