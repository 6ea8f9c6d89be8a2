import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandStep, LocalStep } from '../../../src/model/step.js';
import { assertModule } from '../../../src/modules/assert.js';
import { debugModule } from '../../../src/modules/debug.js';
import { failModule } from '../../../src/modules/fail.js';
import { pauseModule } from '../../../src/modules/pause.js';
import { setFactModule } from '../../../src/modules/set_fact.js';
import { waitForModule } from '../../../src/modules/wait_for.js';
import { UndefinedVariableError } from '../../../src/template/errors.js';
import { ctx, shAsync } from './support.js';

test('assert evaluates with the host vars and names the failing condition', () => {
  const ok = assertModule.plan({ that: ['n == 1', "'etcd' in groups"] }, ctx({ n: 1, groups: ['etcd'] }))[0] as LocalStep;
  assert.is(ok.data.ok, true);
  assert.is(ok.data.msg, 'All assertions passed');
  const bad = assertModule.plan({ that: ['n == 1', 'n > 5'], fail_msg: 'too small' }, ctx({ n: 1 }))[0] as LocalStep;
  assert.is(bad.data.ok, false);
  assert.is(bad.data.assertion, 'n > 5');
  assert.is(bad.data.msg, 'too small');
  assert.throws(() => assertModule.plan({ that: 'snap.rc == 0' }, ctx({})), (e: unknown) => e instanceof UndefinedVariableError);
});

test('debug: msg, var, undefined var', () => {
  assert.equal((debugModule.plan({ msg: 'hi' }, ctx())[0] as LocalStep).data, { msg: 'hi' });
  assert.equal((debugModule.plan({ var: 'a.b' }, ctx({ a: { b: [1] } }))[0] as LocalStep).data.value, [1]);
  assert.is((debugModule.plan({ var: 'zz' }, ctx())[0] as LocalStep).data.value, 'VARIABLE IS NOT DEFINED!');
  assert.throws(() => debugModule.plan({ var: 'snap.stdout' }, ctx({}, { unknownAtPlan: new Set(['snap']) })), (e: unknown) => e instanceof UndefinedVariableError);
});

test('set_fact, fail, pause', () => {
  assert.equal((setFactModule.plan({ a: 1, b: [2], cacheable: true }, ctx())[0] as LocalStep).data, { facts: { a: 1, b: [2] } });
  assert.throws(() => setFactModule.plan({ 'bad-name': 1 }, ctx()), /not a valid variable name/);
  assert.is((failModule.plan({ msg: 'stop' }, ctx())[0] as LocalStep).data.msg, 'stop');
  const p = pauseModule.plan({ seconds: 2, minutes: 1 }, ctx())[0] as CommandStep;
  assert.equal(p.command.kind === 'exec' && p.command.argv, ['sleep', '62']);
  assert.is(p.mutates, false);
});

test('wait_for: port open / closed, with a real listener on 127.0.0.1', async () => {
  const srv = createServer((s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  try {
    const open = waitForModule.plan({ host: '127.0.0.1', port, timeout: 10 }, ctx())[0] as CommandStep;
    assert.is(open.mutates, false);
    assert.is((await shAsync(open.command)).rc, 0);
    const closedWait = waitForModule.plan({ host: '127.0.0.1', port, state: 'stopped', timeout: 0 }, ctx())[0] as CommandStep;
    const r = await shAsync(closedWait.command);
    assert.is(r.rc, 1);
    assert.match(r.stderr, /timed out after 0s waiting for 127\.0\.0\.1:\d+ to be stopped/);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
  const gone = waitForModule.plan({ host: '127.0.0.1', port, state: 'stopped', timeout: 10 }, ctx())[0] as CommandStep;
  assert.is((await shAsync(gone.command)).rc, 0);
});

test('wait_for: path present / absent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-wf-'));
  try {
    const f = join(dir, 'f');
    const absent = waitForModule.plan({ path: f, state: 'absent', timeout: 5 }, ctx())[0] as CommandStep;
    assert.is((await shAsync(absent.command)).rc, 0);
    writeFileSync(f, '');
    const present = waitForModule.plan({ path: f, timeout: 5 }, ctx())[0] as CommandStep;
    assert.is((await shAsync(present.command)).rc, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => waitForModule.plan({ timeout: 1 } as never, ctx()), /exactly one of port or path/);
});

test.run();
