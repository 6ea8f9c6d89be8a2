/**
 * Journal + resume with the real engine (LocalConnection hosts): a run interrupted after its
 * second task leaves a journal; resuming it does not repeat the completed tasks, restores their
 * registered results, and runs the rest.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readJournal } from '../../../src/engine/journal.js';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';

const PB = `- hosts: nodes
  gather_facts: false
  tasks:
    - name: first
      shell: echo "run-$$" >> @DIR@/first-{{ inventory_hostname }}; echo "orig-{{ inventory_hostname }}"
      register: first
    - name: second
      shell: echo x >> @DIR@/second-{{ inventory_hostname }}
    - name: third
      shell: echo "{{ first.stdout }}" > @DIR@/third-{{ inventory_hostname }}
`;

test('an interrupted run resumes where it stopped: completed tasks not repeated, results restored', async () => {
  const dir = tempDir();
  try {
    const ac = new AbortController();
    const r1 = await runYaml(PB, localInventory(2), {
      dir,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'task.end' && e.taskId.endsWith('1')) ac.abort(); // after "second"
      },
      journal: { inventory: [join(dir, 'inventory.yml')], secretVars: [] },
    });
    const taskIds = r1.events.filter((e) => e.type === 'task.start').map((e) => (e as { taskId: string }).taskId);
    assert.is(r1.exitCode, 130, JSON.stringify(taskIds));
    assert.not.ok(existsSync(join(dir, 'third-h1')));
    const j = readJournal(join(dir, 'run'))!;
    assert.is(j.status, 'interrupted');
    assert.is((j.hosts.h1!.registered.first as { stdout: string }).stdout, 'orig-h1');
    assert.is(j.hosts.h1!.lastCompleted?.name, 'second');

    // the first task's output differs if it ran again
    const r2 = await runYaml(PB, localInventory(2), { dir, resume: j, runId: j.runId, journal: { inventory: [], secretVars: [] } });
    assert.is(r2.exitCode, 0);
    assert.equal(r2.status('first'), { h1: 'skipped', h2: 'skipped' });
    assert.equal(r2.status('second'), { h1: 'skipped', h2: 'skipped' });
    assert.equal(r2.status('third'), { h1: 'changed', h2: 'changed' });
    assert.is(readFileSync(join(dir, 'first-h1'), 'utf8').split('\n').filter(Boolean).length, 1, 'first ran once');
    assert.is(readFileSync(join(dir, 'second-h1'), 'utf8').split('\n').filter(Boolean).length, 1, 'second ran once');
    assert.is(readFileSync(join(dir, 'third-h2'), 'utf8').trim(), 'orig-h2', 'registered result restored from the journal');
    assert.is(readJournal(join(dir, 'run'))!.status, 'ok');
    assert.is(readJournal(join(dir, 'run'))!.attempts, 2);
  } finally {
    cleanup(dir);
  }
});

test('secret extra vars are kept out of the journal (only their names)', async () => {
  const dir = tempDir();
  try {
    const r = await runYaml(
      `- hosts: nodes
  gather_facts: false
  tasks:
    - name: use it
      shell: test "$(printf %s "$P" | wc -c)" -eq 14 && echo ok
      environment:
        P: "{{ etcd_password }}"
      register: out
`,
      localInventory(1),
      { dir, extraVars: { etcd_password: 'hunter2-secret', plain_var: 'visible' }, journal: { inventory: [], secretVars: [] } },
    );
    assert.is(r.exitCode, 0);
    const text = readFileSync(join(dir, 'run', 'journal.json'), 'utf8');
    assert.not.match(text, 'hunter2-secret');
    const j = readJournal(join(dir, 'run'))!;
    assert.equal(j.secretVars, ['etcd_password']);
    assert.is(j.extraVars.plain_var, 'visible');
    assert.is(j.extraVars.etcd_password, undefined);
  } finally {
    cleanup(dir);
  }
});

test('a journal write is atomic: no temporary file is left', async () => {
  const dir = tempDir();
  try {
    await runYaml(`- hosts: nodes\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n`, localInventory(1), { dir });
    writeFileSync(join(dir, 'x'), '');
    const files = (await import('node:fs')).readdirSync(join(dir, 'run'));
    assert.ok(files.includes('journal.json'));
    assert.not.ok(files.some((f) => f.includes('.tmp')), files.join(' '));
  } finally {
    cleanup(dir);
  }
});

test.run();
