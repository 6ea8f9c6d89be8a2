import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

const PB = `- hosts: nodes
  gather_facts: false
  tasks:
    - name: mutate
      command: touch @DIR@/touched
    - name: read only
      file:
        path: @DIR@/missing
      ignore_errors: true
    - name: guarded
      command: touch @DIR@/guarded
      args:
        creates: @DIR@/exists
    - name: write config
      copy:
        content: "a=1\\nb=3\\n"
        dest: @DIR@/app.conf
        mode: "0640"
`;

test('--check: mutating steps do not run, read-only steps do, guards decide would-change', async () => {
  const d = dir();
  writeFileSync(join(d, 'exists'), '');
  writeFileSync(join(d, 'app.conf'), 'a=1\nb=2\n');
  const r = await runYaml(PB, localInventory(1), { dir: d, check: true });
  assert.is(r.exitCode, 0);
  assert.not.ok(existsSync(join(d, 'touched')));
  assert.is(readFileSync(join(d, 'app.conf'), 'utf8'), 'a=1\nb=2\n');
  assert.is(r.result('mutate', 'h1')!.wouldChange, true);
  assert.is(r.status('mutate').h1, 'changed');
  // the read-only check ran (and found the file missing) even in check mode
  assert.is(r.status('read only').h1, 'ignored');
  // creates: exists -> nothing to do, even in check mode
  assert.is(r.status('guarded').h1, 'ok');
  assert.not.ok(r.result('guarded', 'h1')!.wouldChange);
  assert.is(r.result('write config', 'h1')!.wouldChange, true);
  const start = r.events[0]!;
  assert.is(start.type === 'run.start' && start.check, true);
});

test('--diff shows a unified diff of a text file, then writes it', async () => {
  const d = dir();
  writeFileSync(join(d, 'exists'), '');
  writeFileSync(join(d, 'app.conf'), 'a=1\nb=2\n');
  const r = await runYaml(PB, localInventory(1), { dir: d, diff: true });
  assert.is(r.exitCode, 0);
  const diff = String(r.result('write config', 'h1')!.diff);
  assert.match(diff, /^--- .*app\.conf \(before\)\n\+\+\+ .*app\.conf \(after\)\n@@ -1,2 \+1,2 @@\n a=1\n-b=2\n\+b=3\n$/);
  assert.is(readFileSync(join(d, 'app.conf'), 'utf8'), 'a=1\nb=3\n');
  assert.is(statSync(join(d, 'app.conf')).mode & 0o777, 0o640);
  assert.ok(existsSync(join(d, 'touched')));
});

test('copy is idempotent: same content -> ok, then a mode change alone -> changed', async () => {
  const d = dir();
  writeFileSync(join(d, 'exists'), '');
  writeFileSync(join(d, 'app.conf'), 'a=1\nb=3\n', { mode: 0o640 });
  const r = await runYaml(PB, localInventory(1), { dir: d });
  assert.is(r.status('write config').h1, 'ok');
  writeFileSync(join(d, 'app.conf'), 'a=1\nb=3\n');
  const { chmodSync } = await import('node:fs');
  chmodSync(join(d, 'app.conf'), 0o600);
  const r2 = await runYaml(PB, localInventory(1), { dir: d });
  assert.is(r2.status('write config').h1, 'changed');
  assert.is(statSync(join(d, 'app.conf')).mode & 0o777, 0o640);
});

test('check_mode: false on a task runs it even under --check', async () => {
  const d = dir();
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: always real
      command: touch @DIR@/real
      check_mode: false
`,
    localInventory(1),
    { dir: d, check: true },
  );
  assert.is(r.exitCode, 0);
  assert.ok(existsSync(join(d, 'real')));
});

test('--check: a task that needs a held-back result is skipped, not failed; real typos still fail', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: produce
      command: echo value
      register: produced
    - name: consume
      debug:
        msg: "{{ produced.stdout }}"
      register: consumed
    - name: consume transitively
      debug:
        msg: "{{ consumed.msg }}"
    - name: typo
      debug:
        msg: "{{ not_defined_anywhere }}"
`,
    localInventory(1),
    { dir: dir(), check: true },
  );
  assert.is(r.status('consume').h1, 'skipped');
  assert.match(String(r.result('consume', 'h1')!.skip_reason), /needs 'produced.stdout'/);
  assert.is(r.status('consume transitively').h1, 'skipped');
  assert.is(r.status('typo').h1, 'failed');
});

test('--check: changed_when/failed_when/until on a held-back command are not evaluated', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: judged by output
      command: echo ready
      register: out
      changed_when: "'changed' in out.stdout"
      failed_when: "out.rc != 0"
      until: "'ready' in out.stdout"
      retries: 3
      delay: 10
`,
    localInventory(1),
    { dir: dir(), check: true },
  );
  assert.is(r.exitCode, 0);
  assert.is(r.status('judged by output').h1, 'changed');
  assert.is(r.result('judged by output', 'h1')!.wouldChange, true);
});

test.after(() => dirs.forEach(cleanup));
test.run();
