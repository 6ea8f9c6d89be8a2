/**
 * A host variable holding shell code must never run: every value a template inserts into shell
 * text is quoted. The rendered commands are executed for real with sh, in a temporary directory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../../../src/model/playbook.js';
import type { CommandStep } from '../../../src/model/step.js';
import { renderTask } from '../../../src/plan/task.js';
import { renderCommand } from '../../../src/shell/quote.js';
import { renderString } from '../../../src/template/render.js';

function task(module: string, args: unknown): Task {
  return { id: 't0', pos: { file: 'test.yml', line: 1, col: 1 }, tags: [], notify: [], vars: {}, module, args };
}

function runRendered(step: CommandStep, cwd: string): { stdout: string; status: number | null } {
  const text = renderCommand(step.command);
  const r = spawnSync('sh', ['-c', text], { cwd, encoding: 'utf8' });
  return { stdout: r.stdout, status: r.status };
}

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'etcdplay-inject-'));
  mkdirSync(join(dir, 'keep'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

const payload = (d: string) => `$(touch ${d}/x); rm -rf ${d}/keep; \`touch ${d}/y\` && touch ${d}/z | touch ${d}/w > ${d}/v`;

test("the brief's payload renders as one single-quoted word", () => {
  const evil = '$(touch /tmp/x); rm -rf /';
  assert.is(renderString('echo {{ evil }}', { evil }, { shell: true }), `echo '$(touch /tmp/x); rm -rf /'`);
});

for (const mod of ['shell', 'command']) {
  test(`${mod}: a host var with shell code is printed, not run`, () => {
    const evil = payload(dir);
    const ctx = { host: 'h1', vars: {}, check: false };
    const { steps } = renderTask(task(mod, 'echo {{ evil }}'), { evil }, ctx);
    const r = runRendered(steps[0] as CommandStep, dir);
    assert.is(r.status, 0);
    assert.is(r.stdout, evil + '\n');
    for (const f of ['x', 'y', 'z', 'w', 'v']) assert.not.ok(existsSync(join(dir, f)), `${f} must not exist`);
    assert.ok(existsSync(join(dir, 'keep')), 'keep must survive');
  });

  test(`${mod}: cmd argument (mapping form) is quoted too`, () => {
    const evil = payload(dir);
    const { steps } = renderTask(task(mod, { cmd: 'echo {{ evil }}' }), { evil }, { host: 'h1', vars: {}, check: false });
    const r = runRendered(steps[0] as CommandStep, dir);
    assert.is(r.stdout, evil + '\n');
    assert.ok(existsSync(join(dir, 'keep')));
    assert.not.ok(existsSync(join(dir, 'x')));
  });
}

for (const mod of ['shell', 'command']) {
  for (const [label, tpl] of [['double quotes', 'echo "[{{ evil }}]"'], ['single quotes', "echo '[{{ evil }}]'"], ['mixed', `echo "a"'{{ evil }}'"{{ evil }}"{{ evil }}`]] as const) {
    test(`${mod}: a value inside ${label} is still inert`, () => {
      const evil = payload(dir) + ` " ' \\ $HOME`;
      const { steps } = renderTask(task(mod, tpl), { evil }, { host: 'h1', vars: {}, check: false });
      const r = runRendered(steps[0] as CommandStep, dir);
      assert.is(r.status, 0);
      const expected = label === 'mixed' ? `a${evil}${evil}${evil}` : `[${evil}]`;
      assert.is(r.stdout, expected + '\n');
      for (const f of ['x', 'y', 'z', 'w', 'v']) assert.not.ok(existsSync(join(dir, f)), `${f} must not exist`);
      assert.ok(existsSync(join(dir, 'keep')));
    });
  }
}

test('command: "{{ x }}" (Ansible habit) gives one argument without literal quotes', () => {
  const { steps } = renderTask(task('command', 'printf [%s] "{{ v }}"'), { v: 'a  b' }, { host: 'h1', vars: {}, check: false });
  const step = steps[0] as CommandStep;
  assert.equal(step.command.kind === 'exec' && step.command.argv, ['printf', '[%s]', 'a  b']);
});

test('command: a value with spaces stays one argument', () => {
  const { steps } = renderTask(task('command', 'printf [%s] {{ v }}'), { v: 'a  b' }, { host: 'h1', vars: {}, check: false });
  const step = steps[0] as CommandStep;
  assert.equal(step.command.kind === 'exec' && step.command.argv, ['printf', '[%s]', 'a  b']);
  assert.is(runRendered(step, dir).stdout, '[a  b]');
});

test('raw is the explicit opt-out: the value runs as shell code', () => {
  const { steps } = renderTask(task('shell', 'echo {{raw code}}'), { code: `one; touch ${dir}/raw-ran` }, { host: 'h1', vars: {}, check: false });
  const r = runRendered(steps[0] as CommandStep, dir);
  assert.is(r.stdout, 'one\n');
  assert.ok(existsSync(join(dir, 'raw-ran')));
});

test('environment values and args of other modules are data, never shell', () => {
  const evil = payload(dir);
  const t = { ...task('command', 'printenv E'), environment: { E: '{{ evil }}' } };
  const { steps } = renderTask(t, { evil }, { host: 'h1', vars: {}, check: false });
  const r = runRendered(steps[0] as CommandStep, dir);
  assert.is(r.stdout, evil + '\n');
  assert.ok(existsSync(join(dir, 'keep')));
  assert.not.ok(existsSync(join(dir, 'x')));
});

test.run();
