import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandStep } from '../../../src/model/step.js';
import type { Task } from '../../../src/model/playbook.js';
import { commandModule } from '../../../src/modules/command.js';
import { shellModule } from '../../../src/modules/shell.js';
import { renderTask } from '../../../src/plan/task.js';
import { ctx, runSteps } from './support.js';

let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'etcdplay-cmd-')); });
test.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

const task = (module: string, args: unknown): Task => ({ id: 't', pos: { file: 'p.yml', line: 3, col: 7 }, keyPos: { [module]: { file: 'p.yml', line: 3, col: 16 } }, tags: [], notify: [], vars: {}, module, args });

test('command: free form with key=value options', () => {
  const { steps, args } = renderTask(task('command', `touch made chdir=${dir} creates=${dir}/made`), {}, ctx());
  assert.equal(args, { cmd: 'touch made', chdir: dir, creates: `${dir}/made` });
  let r = runSteps(steps);
  assert.is(r[0]!.status, 'ran');
  assert.ok(existsSync(join(dir, 'made')));
  r = runSteps(steps);
  assert.is(r[0]!.status, 'skipped', 'creates= makes it idempotent');
});

test('command: removes= and argv form', () => {
  writeFileSync(join(dir, 'f'), 'x');
  const steps = commandModule.plan({ argv: ['rm', join(dir, 'f')], removes: join(dir, 'f') }, ctx());
  assert.is(runSteps(steps)[0]!.status, 'ran');
  assert.is(runSteps(steps)[0]!.status, 'skipped');
});

test('command: no shell features', () => {
  const steps = commandModule.plan({ cmd: 'echo a | wc -l' }, ctx());
  const r = runSteps(steps);
  assert.is(r[0]!.stdout, 'a | wc -l\n');
});

test('shell: pipes work; stdin; executable', () => {
  let r = runSteps(shellModule.plan({ cmd: 'printf "a\\nb\\n" | wc -l' }, ctx()));
  assert.is(r[0]!.stdout.trim(), '2');
  r = runSteps(shellModule.plan({ cmd: 'cat', stdin: 'hello' }, ctx()));
  assert.is(r[0]!.stdout, 'hello');
  const s = shellModule.plan({ cmd: 'echo $0', executable: '/bin/bash' }, ctx())[0] as CommandStep;
  assert.equal(s.command.kind === 'exec' && s.command.argv, ['/bin/bash', '-c', 'echo $0']);
});

test('undefined variable carries the task position', () => {
  try {
    renderTask(task('command', 'echo {{ nope }}'), {}, ctx());
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /undefined variable 'nope'/);
    assert.equal((e as { pos?: unknown }).pos, { file: 'p.yml', line: 3, col: 16 });
  }
});

test('rendered args are coerced and validated', () => {
  const t = task('wait_for', { port: '{{ p }}', timeout: '{{ t }}' });
  const { args } = renderTask(t, { p: '2379', t: 5 }, ctx());
  assert.equal(args, { port: 2379, timeout: 5 });
  assert.throws(() => renderTask(task('wait_for', { port: '{{ p }}' }), { p: 'http' }, ctx()), /argument 'port'/);
  assert.throws(() => renderTask(task('command', { cmd: 'ls', bogus: 1 }), {}, ctx()), /no argument 'bogus'/);
});

test('task environment is added to command steps', () => {
  const t = { ...task('command', 'printenv A'), environment: { A: '{{ v }}' } };
  const r = runSteps(renderTask(t, { v: 'x y' }, ctx()).steps);
  assert.is(r[0]!.stdout, 'x y\n');
});

test.run();
