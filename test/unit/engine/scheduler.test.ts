import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';
import { PlainReporter } from '../../../src/report/plain.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

test('linear strategy: a task finishes on every host before the next starts', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: one
      command: echo one
    - name: two
      command: echo two
`,
    localInventory(4),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  const seq = r.events.filter((e) => e.type === 'task.start' || e.type === 'host.end' || e.type === 'task.end').map((e) => e.type);
  assert.equal(seq, ['task.start', 'host.end', 'host.end', 'host.end', 'host.end', 'task.end', 'task.start', 'host.end', 'host.end', 'host.end', 'host.end', 'task.end']);
  for (const h of ['h1', 'h2', 'h3', 'h4']) assert.equal(r.recap[h], { ok: 2, changed: 2, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
});

test('forks bounds the hosts in flight', async () => {
  const d = dir();
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: count
      shell: "mkdir -p @DIR@/lock && touch @DIR@/lock/{{ inventory_hostname }} && ls @DIR@/lock | wc -l > @DIR@/peak-{{ inventory_hostname }} && sleep 0.2 && rm @DIR@/lock/{{ inventory_hostname }}"
`,
    localInventory(6),
    { dir: d, forks: 2 },
  );
  assert.is(r.exitCode, 0);
  const peaks = readdirSync(d).filter((f) => f.startsWith('peak-')).map((f) => Number(readFileSync(join(d, f), 'utf8').trim()));
  assert.is(peaks.length, 6);
  assert.ok(Math.max(...peaks) <= 2, `peak ${Math.max(...peaks)}`);
});

test('serial batches run the whole play per batch', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  serial: 2
  tasks:
    - name: a
      command: echo a
    - name: b
      command: echo b
`,
    localInventory(4),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  const batches = r.events.filter((e) => e.type === 'batch.start').map((e) => (e as { hosts: string[] }).hosts);
  assert.equal(batches, [['h1', 'h2'], ['h3', 'h4']]);
  assert.equal(r.taskNames(), ['a', 'b', 'a', 'b']);
});

test('max_fail_percentage exceeded stops the play: later batches never run', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  serial: 2
  max_fail_percentage: 49
  tasks:
    - name: maybe fail
      command: "false"
      when: inventory_hostname == 'h1'
    - name: after
      command: echo after
`,
    localInventory(4),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.is(r.recap.h1!.failed, 1);
  assert.is(r.recap.h2!.ok, 0); // stopped right after the failing task
  assert.equal(r.recap.h3, { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  assert.ok(r.events.some((e) => e.type === 'warning' && /max_fail_percentage/.test(e.message)));
});

test('max_fail_percentage not exceeded (equal) lets the play go on without the failed host', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  serial: 2
  max_fail_percentage: 50
  tasks:
    - name: maybe fail
      command: "false"
      when: inventory_hostname == 'h1'
    - name: after
      command: echo after
`,
    localInventory(4),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.equal(Object.keys(r.status('after')).sort(), ['h2', 'h3', 'h4']);
});

test('any_errors_fatal stops everything after the failing task', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: maybe fail
      command: "false"
      when: inventory_hostname == 'h2'
    - name: after
      command: echo after
- hosts: nodes
  gather_facts: false
  tasks:
    - name: second play
      command: echo x
`,
    localInventory(3),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.equal(r.taskNames(), ['maybe fail']);
});

test('any_errors_fatal inside a block without rescue: no host goes on to the next task of the block; always: runs; nested rescue still runs', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - name: maybe fail
          command: "false"
          when: inventory_hostname == 'h2'
        - name: destructive
          command: echo stop
        - block:
            - name: inner
              command: echo inner
          rescue:
            - name: inner rescue
              command: echo r
      always:
        - name: always
          command: echo always
          run_once: true
    - name: after
      command: echo after
`,
    localInventory(3),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.equal(r.taskNames(), ['maybe fail', 'always'], 'the block stops for every host; its always: runs once');
  assert.ok(r.events.some((e) => e.type === 'warning' && /h2 failed; h1, h3 leave the block too/.test(e.message)));

  const n = await runYaml(
    `- hosts: nodes
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - block:
            - name: maybe fail
              command: "false"
              when: inventory_hostname == 'h2'
            - name: inner next
              command: echo next
          rescue:
            - name: inner rescue
              command: echo r
        - name: after the inner block
          command: echo ok
      always:
        - name: always
          command: echo always
          run_once: true
`,
    localInventory(3),
    { dir: dir() },
  );
  assert.is(n.exitCode, 0, 'a rescue that succeeds keeps the hosts in the outer block');
  assert.equal(n.taskNames(), ['maybe fail', 'inner rescue', 'after the inner block', 'always']);
});

test('a failed host is left out of later tasks and plays; the others finish', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: maybe fail
      command: "false"
      when: inventory_hostname == 'h2'
    - name: after
      command: echo after
- hosts: nodes
  gather_facts: false
  tasks:
    - name: second play
      command: echo x
`,
    localInventory(3),
    { dir: dir() },
  );
  assert.is(r.exitCode, 2);
  assert.equal(Object.keys(r.status('after')).sort(), ['h1', 'h3']);
  assert.equal(Object.keys(r.status('second play')).sort(), ['h1', 'h3']);
});

test('run_once runs on the first host and copies the result to every host of the batch', async () => {
  const d = dir();
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: once
      shell: "echo {{ inventory_hostname }} >> @DIR@/ran && echo from-{{ inventory_hostname }}"
      run_once: true
      register: once_out
    - name: show
      debug:
        msg: "{{ once_out.stdout }}"
`,
    localInventory(3),
    { dir: d },
  );
  assert.is(r.exitCode, 0);
  assert.is(readFileSync(join(d, 'ran'), 'utf8'), 'h1\n');
  for (const h of ['h1', 'h2', 'h3']) {
    assert.is(r.result('show', h)!.msg, 'from-h1');
    assert.is(r.status('once')[h], 'changed');
  }
});

test('delegate_to runs on another host with the original host vars', async () => {
  const r = await runYaml(
    `- hosts: h1
  gather_facts: false
  tasks:
    - name: delegated
      command: echo {{ inventory_hostname }}
      delegate_to: h2
`,
    localInventory(2),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  const { at, ...start } = r.events.find((e) => e.type === 'host.start')!;
  assert.type(at, 'number', 'events carry the ms since run.start');
  assert.equal(start, { type: 'host.start', taskId: (start as { taskId: string }).taskId, host: 'h1', runsOn: 'h2' });
  assert.is(r.result('delegated', 'h1')!.stdout, 'h1');
});

test('an unreachable host is counted as unreachable while the others finish (exit 4)', async () => {
  const inv = `all:
  children:
    nodes:
      hosts:
        h1: { ansible_connection: local }
        dead: { ansible_host: 127.0.0.1, ansible_port: 1, ansible_user: nobody }
        h3: { ansible_connection: local }
`;
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: one
      command: echo one
    - name: two
      command: echo two
`,
    inv,
    { dir: dir(), connect: { hostKeyChecking: 'off', connectTimeoutMs: 5000 } },
  );
  assert.is(r.exitCode, 4);
  assert.is(r.recap.dead!.unreachable, 1);
  assert.is(r.status('one').dead, 'unreachable');
  assert.equal(r.status('two'), { h1: 'changed', h3: 'changed' });
  assert.is(r.recap.h1!.changed, 2);
});

test('ignore_unreachable keeps the host in the play with status ignored', async () => {
  const inv = `all:
  children:
    nodes:
      hosts:
        h1: { ansible_connection: local }
        dead: { ansible_host: 127.0.0.1, ansible_port: 1, ansible_user: nobody }
`;
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: tolerant
      command: echo one
      ignore_unreachable: true
    - name: strict
      command: echo two
`,
    inv,
    { dir: dir(), connect: { hostKeyChecking: 'off', connectTimeoutMs: 5000 } },
  );
  assert.equal(r.status('tolerant'), { h1: 'changed', dead: 'ignored' });
  assert.equal(r.status('strict'), { h1: 'changed', dead: 'unreachable' });
  assert.is(r.recap.dead!.ignored, 1);
  assert.is(r.exitCode, 4);
});

test('--limit narrows the play hosts', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: one
      command: echo one
`,
    localInventory(3),
    { dir: dir(), limit: 'h2' },
  );
  assert.equal(Object.keys(r.status('one')), ['h2']);
});

test('an aborted run ends with 130 after the step in flight', async () => {
  const ac = new AbortController();
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: long
      command: sleep 30
    - name: never
      command: echo never
`,
    localInventory(2),
    {
      dir: dir(),
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'host.start') setTimeout(() => ac.abort(), 50);
      },
    },
  );
  assert.is(r.exitCode, 130);
  assert.not.ok(r.taskNames().includes('never'));
  const end = r.events[r.events.length - 1]!;
  assert.is(end.type, 'run.end');
  assert.is((end as { interrupted: boolean }).interrupted, true);
});

test.after(() => dirs.forEach(cleanup));
test('delegate_to "{{ item }}" with a loop: each item runs on its own host (run_once, the usual distribute pattern)', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: to every member
      command: echo {{ inventory_hostname }} for {{ item }}
      delegate_to: "{{ item }}"
      loop: "{{ groups.nodes }}"
      run_once: true
`,
    localInventory(3),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0, JSON.stringify(r.result('to every member', 'h1')));
  const starts = r.events.filter((e) => e.type === 'host.start').map((e) => [(e as { host: string }).host, (e as { runsOn?: string }).runsOn ?? '-']);
  assert.equal(starts, [['h1', '-'], ['h1', 'h2'], ['h1', 'h3']]);
  const res = r.result('to every member', 'h1')!;
  assert.equal((res.results as { stdout: string }[]).map((x) => x.stdout), ['h1 for h1', 'h1 for h2', 'h1 for h3']);
  const end = r.events.find((e) => e.type === 'host.end' && (e as { host: string }).host === 'h1') as { result: { runsOn?: string } };
  assert.is(end.result.runsOn, 'h2, h3');
  assert.equal((res.results as { runsOn?: string }[]).map((x) => x.runsOn), ['h1', 'h2', 'h3'], 'each item says where it ran');
  let text = '';
  const plain = new PlainReporter({ write: (t) => { text += t; } });
  for (const e of r.events) plain.handle(e);
  const lines = text.split('\n');
  assert.ok(lines.includes('changed: [h1] => (item=h1)') && lines.includes('changed: [h1 -> h2] => (item=h2)') && lines.includes('changed: [h1 -> h3] => (item=h3)'), lines.join('\n'));
});

test.run();
