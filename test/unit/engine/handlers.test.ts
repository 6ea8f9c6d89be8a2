import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, localInventory, runYaml, tempDir } from './harness.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

test('handlers run once at the end of the section, in handler order, only where notified by a change', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: change h1
      command: echo changed
      when: inventory_hostname == 'h1'
      notify: [second, first]
    - name: change again
      command: echo again
      when: inventory_hostname == 'h1'
      notify: first
    - name: no change
      command: echo same
      changed_when: false
      notify: first
  handlers:
    - name: first
      debug: msg=first
    - name: second
      debug: msg=second
`,
    localInventory(2),
    { dir: dir() },
  );
  assert.is(r.exitCode, 0);
  const names = r.taskNames();
  assert.equal(names, ['change h1', 'change again', 'no change', 'first', 'second']);
  assert.equal(r.status('first'), { h1: 'ok' });
  assert.equal(r.status('second'), { h1: 'ok' });
  assert.is(r.events.filter((e) => e.type === 'handler.notify').length, 3);
});

test('listen topics notify every handler listening', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: change
      command: echo x
      notify: restart stack
  handlers:
    - name: restart etcd
      debug: msg=etcd
      listen: restart stack
    - name: restart api
      debug: msg=api
      listen: restart stack
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.equal(r.taskNames(), ['change', 'restart etcd', 'restart api']);
});

test('a host that fails after notifying does not run handlers', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: change
      command: echo x
      notify: h
    - name: fail h2
      command: "false"
      when: inventory_hostname == 'h2'
  handlers:
    - name: h
      debug: msg=handled
`,
    localInventory(2),
    { dir: dir() },
  );
  assert.equal(r.status('h'), { h1: 'ok' });
});

test('handlers notified in pre_tasks run before tasks', async () => {
  const r = await runYaml(
    `- hosts: nodes
  gather_facts: false
  pre_tasks:
    - name: pre
      command: echo pre
      notify: h
  tasks:
    - name: main
      command: echo main
  handlers:
    - name: h
      debug: msg=handled
`,
    localInventory(1),
    { dir: dir() },
  );
  assert.equal(r.taskNames(), ['pre', 'h', 'main']);
});

test.after(() => dirs.forEach(cleanup));
test('handlers ignore tags, as in Ansible: a notified handler runs whatever --tags and --skip-tags select', async () => {
  const pb = `- hosts: nodes
  gather_facts: false
  tasks:
    - name: tagged change
      command: echo changed
      tags: [conf]
      notify: restart
    - name: untagged
      command: echo other
  handlers:
    - name: restart
      command: echo restarted
      tags: [never-selected]
`;
  const r = await runYaml(pb, localInventory(1), { dir: dir(), tags: ['conf'] });
  assert.is(r.exitCode, 0);
  assert.equal(r.taskNames(), ['tagged change', 'restart']);
  const s = await runYaml(pb, localInventory(1), { dir: dir(), tags: ['conf'], skipTags: ['never-selected'] });
  assert.equal(s.taskNames(), ['tagged change', 'restart']);
});

test.run();
