import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

test('gather_facts sets distribution, package manager and init system facts', async () => {
  const r = await runYaml(
    `- hosts: nodes
  tasks:
    - name: show facts
      debug:
        msg: "{{ ansible_distribution }}|{{ ansible_pkg_mgr }}|{{ ansible_service_mgr }}|{{ ansible_facts.hostname }}|{{ ansible_selinux.status }}"
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  assert.equal(r.taskNames(), ['Gathering Facts', 'show facts']);
  const parts = String(r.result('show facts', 'h1')!.msg).split('|');
  assert.is(parts.length, 5);
  assert.ok(parts.every((p) => p !== ''));
});

test('gather_facts: false skips gathering', async () => {
  const r = await runYaml(`- hosts: nodes\n  gather_facts: false\n  tasks:\n    - name: x\n      debug: msg=x\n`, localInventory(1), { dir: dir() });
  assert.equal(r.taskNames(), ['x']);
});

test('set_fact and register are visible to later tasks and through hostvars', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: set
      set_fact:
        my_fact: "fact-{{ inventory_hostname }}"
    - name: reg
      command: echo reg-{{ inventory_hostname }}
      register: out
    - name: read
      debug:
        msg: "{{ my_fact }} {{ out.stdout }} {{ hostvars['h2'].my_fact }} {{ hostvars['h2'].out.stdout }}"
`,
    localInventory(2),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  assert.is(r.result('read', 'h1')!.msg, 'fact-h1 reg-h1 fact-h2 reg-h2');
});

test('loops: per-item results, when per item, loop_var', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  vars:
    words: [a, b, c]
  tasks:
    - name: each
      command: echo {{ item }}
      loop: "{{ words }}"
      when: item != 'b'
      register: each
    - name: summary
      debug:
        msg: "{{ each.results[0].stdout }},{{ each.results[2].stdout }},{{ each.results[1].item }}"
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0, JSON.stringify(r.result('summary', 'h1')));
  const res = r.result('each', 'h1')!;
  assert.is((res.results as unknown[]).length, 3);
  assert.is(((res.results as Record<string, unknown>[])[1]!).skipped, true);
  assert.is(r.result('summary', 'h1')!.msg, 'a,c,b');
});

test('tags select tasks; always runs; --skip-tags skips', async () => {
  const pb = `- hosts: nodes
  gather_facts: false
  tasks:
    - name: t-a
      debug: msg=a
      tags: [a]
    - name: t-b
      debug: msg=b
      tags: [b]
    - name: t-always
      debug: msg=always
      tags: [always]
    - name: t-never
      debug: msg=never
      tags: [never]
`;
  const r1 = await runYaml(pb, localInventory(1), { dir: dir(), tags: ['b'] });
  assert.equal(r1.taskNames(), ['t-b', 't-always']);
  const r2 = await runYaml(pb, localInventory(1), { dir: dir(), skipTags: ['a'] });
  assert.equal(r2.taskNames(), ['t-b', 't-always']);
  const r3 = await runYaml(pb, localInventory(1), { dir: dir() });
  assert.equal(r3.taskNames(), ['t-a', 't-b', 't-always']);
});

test('--start-at-task skips everything before the named task', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: first
      debug: msg=1
    - name: second
      debug: msg=2
    - name: third
      debug: msg=3
`,
    localInventory(1),
    { dir: dir(), startAtTask: 'second' },
  );
  assert.equal(r.taskNames(), ['second', 'third']);
});

test('no_log hides output and results; secret vars and become password are redacted everywhere', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  vars:
    etcdplay_secret_vars: [db_password]
    db_password: s3cr3t-value
  tasks:
    - name: hidden
      command: echo top-secret-output
      no_log: true
    - name: leaky
      shell: echo "pw=$PW bp=$BP"
      environment:
        PW: "{{ db_password }}"
        BP: b3c0me-pass
    - name: on the command line
      command: echo "pw={{ db_password }}"
      ignore_errors: true
`,
    localInventory(1),
    { dir: dir(), connect: { hostKeyChecking: 'strict', becomePassword: 'b3c0me-pass' } },
  );
  assert.is(r.exitCode, 0);
  const text = JSON.stringify(r.events);
  assert.not.match(text, /top-secret-output/);
  assert.not.match(text, /s3cr3t-value/);
  assert.not.match(text, /b3c0me-pass/);
  assert.match(String(r.result('hidden', 'h1')!.msg), /no_log/);
  assert.is(r.result('leaky', 'h1')!.stdout, 'pw=******** bp=********');
  // a secret is never put on a command line (visible in ps): refused
  assert.is(r.status('on the command line').h1, 'ignored');
  assert.match(String(r.result('on the command line', 'h1')!.msg), /contains a secret/);
});

test('--step: a "no" answer skips the task, "continue" stops asking', async () => {
  const asked: string[] = [];
  const answers = ['no', 'continue'] as const;
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: first
      debug: msg=1
    - name: second
      debug: msg=2
    - name: third
      debug: msg=3
`,
    localInventory(1),
    {
      dir: dir(),
      confirmTask: async (t) => {
        asked.push(t.name);
        return answers[asked.length - 1] ?? 'yes';
      },
    },
  );
  assert.equal(asked, ['first', 'second']);
  assert.equal(r.taskNames(), ['second', 'third']);
});

test.after(() => dirs.forEach(cleanup));
test.run();
