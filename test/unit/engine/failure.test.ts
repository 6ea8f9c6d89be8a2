import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

test('block/rescue/always: rescue on failure only, always everywhere, host rescued not failed', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: the block
      block:
        - name: may fail
          command: "false"
          when: inventory_hostname == 'h1'
        - name: after failure point
          command: echo ok
      rescue:
        - name: rescue it
          debug:
            msg: "rescuing {{ ansible_failed_task.name }} rc={{ ansible_failed_result.rc }}"
      always:
        - name: always runs
          command: echo always
    - name: next
      command: echo next
`,
    localInventory(2),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  assert.equal(r.status('may fail'), { h1: 'failed', h2: 'skipped' });
  assert.equal(r.status('after failure point'), { h2: 'changed' });
  assert.equal(r.status('rescue it'), { h1: 'ok' });
  assert.is(r.result('rescue it', 'h1')!.msg, 'rescuing may fail rc=1');
  assert.equal(Object.keys(r.status('always runs')).sort(), ['h1', 'h2']);
  assert.equal(Object.keys(r.status('next')).sort(), ['h1', 'h2']);
  assert.is(r.recap.h1!.failed, 0);
  assert.is(r.recap.h1!.rescued, 1);
  assert.is(r.recap.h2!.rescued, 0);
});

test('block without rescue: always still runs, then the host is failed', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - block:
        - name: fails
          command: "false"
      always:
        - name: cleanup
          command: echo cleanup
    - name: next
      command: echo next
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.equal(r.status('cleanup'), { h1: 'changed' });
  assert.equal(r.status('next'), {});
  assert.is(r.recap.h1!.failed, 1);
});

test('a failing rescue leaves the host failed', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - block:
        - name: fails
          command: "false"
      rescue:
        - name: rescue fails too
          fail:
            msg: no luck
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.is(r.result('rescue fails too', 'h1')!.msg, 'no luck');
  assert.is(r.recap.h1!.failed, 1);
  assert.is(r.recap.h1!.rescued, 0);
});

test('block keywords (when, vars) are inherited by the tasks inside', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - when: inventory_hostname == 'h2'
      vars:
        word: inherited
      block:
        - name: inner
          debug:
            msg: "{{ word }}"
`,
    localInventory(2),
    { dir: dir() },
  );
  assert.equal(r.status('inner'), { h1: 'skipped', h2: 'ok' });
  assert.is(r.result('inner', 'h2')!.msg, 'inherited');
});

test('ignore_errors: status ignored, counted as ignored, host continues', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: fails
      command: "false"
      ignore_errors: true
    - name: next
      command: echo next
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  assert.equal(r.status('fails'), { h1: 'ignored' });
  assert.is(r.recap.h1!.ignored, 1);
  assert.is(r.recap.h1!.failed, 0);
  assert.equal(r.status('next'), { h1: 'changed' });
});

test('failed_when and changed_when see the registered result', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: grep-like
      shell: "echo 'state: degraded'; exit 1"
      register: st
      failed_when: "'degraded' in st.stdout and st.rc != 1 or false"
      changed_when: false
    - name: not ok really
      command: echo "all good"
      register: st2
      failed_when: "'good' in st2.stdout"
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.equal(r.status('grep-like'), { h1: 'ok' });
  assert.is(r.result('grep-like', 'h1')!.rc, 1);
  assert.equal(r.status('not ok really'), { h1: 'failed' });
  assert.is(r.exitCode, 2);
});

test('retries/until: repeats until the condition holds, attempts counted', async () => {
  const d = dir();
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: count up
      shell: "echo x >> @DIR@/count; wc -l < @DIR@/count"
      register: c
      until: c.stdout | int >= 3
      retries: 5
      delay: 0
`,
    localInventory(1),
    { dir: d },
  );
  assert.is(r.exitCode, 0);
  assert.is(r.result('count up', 'h1')!.attempts, 3);
  assert.is(readFileSync(join(d, 'count'), 'utf8'), 'x\nx\nx\n');
});

test('retries exhausted fails the host', async () => {
  const d = dir();
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: never
      shell: "echo x >> @DIR@/count; echo no"
      register: c
      until: c.stdout == 'yes'
      retries: 2
      delay: 0
`,
    localInventory(1),
    { dir: d },
  );
  assert.is(r.exitCode, 2);
  assert.is(readFileSync(join(d, 'count'), 'utf8'), 'x\nx\nx\n');
  assert.match(String(r.result('never', 'h1')!.msg), /retries exhausted after 3 attempts/);
});

test('an undefined variable fails only that host with a clear message', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: uses var
      command: echo {{ only_h1 }}
`,
    localInventory(2, '  hosts:\n    h1:\n      only_h1: here\n'),
    { dir: dir() },
  );
  assert.equal(r.status('uses var'), { h1: 'changed', h2: 'failed' });
  assert.match(String(r.result('uses var', 'h2')!.msg), /only_h1/);
});

test.after(() => dirs.forEach(cleanup));
test.run();
