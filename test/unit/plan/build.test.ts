import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands, plan, taskNamed } from './support.js';

test('hosts, batches, run_once (first host of each batch) and delegate_to', () => {
  const { plan: p, diagnostics } = plan(`
- name: rolling
  hosts: etcd
  serial: [1, 2]
  gather_facts: false
  tasks:
    - name: everyone
      command: echo {{ inventory_hostname }}
    - name: once
      command: echo once {{ inventory_hostname }}
      run_once: true
    - name: delegated
      command: echo for {{ inventory_hostname }}
      delegate_to: "{{ groups.masters[0] }}"
`);
  assert.equal(diagnostics, []);
  const play = p.plays[0]!;
  assert.equal(play.hosts, ['e1', 'e2', 'e3']);
  assert.equal(play.batches, [['e1'], ['e2', 'e3']]);
  assert.equal(commands(taskNamed(p, 'everyone')), { e1: ['echo e1'], e2: ['echo e2'], e3: ['echo e3'] });
  const once = taskNamed(p, 'once');
  assert.ok(once.runOnce);
  assert.equal(commands(once), { e1: ['echo once e1'], e2: ['echo once e2'] });
  const del = taskNamed(p, 'delegated');
  assert.is(del.delegateTo, '{{ groups.masters[0] }}');
  assert.equal(del.perHost.map((h) => [h.host, h.runsOn]), [['e1', 'm1'], ['e2', 'm1'], ['e3', 'm1']]);
});

test('delegate_to a host outside the inventory is a warning', () => {
  const r = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - name: typo
      command: 'true'
      delegate_to: etcd9
    - name: local
      command: 'true'
      delegate_to: localhost
`);
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity, d.pos.line]), [['delegate-unknown-host', 'warning', 7]]);
  assert.match(r.diagnostics[0]!.message, /delegate_to 'etcd9' is not a host of the inventory/);
  assert.equal(taskNamed(r.plan, 'typo').perHost.map((h) => h.runsOn), ['etcd9', 'etcd9', 'etcd9']);
});

test('--limit, and a pattern matching no host is a diagnostic at hosts: with the groups', () => {
  const r = plan(`
- hosts: etcd
  gather_facts: false
  tasks: [{ command: 'true' }]
- name: typo
  hosts: etdc
  gather_facts: false
  tasks: [{ command: 'true' }]
`, { limit: 'e2' });
  assert.equal(r.plan.plays[0]!.hosts, ['e2']);
  assert.is(r.diagnostics.length, 1);
  const d = r.diagnostics[0]!;
  assert.is(d.code, 'no-hosts');
  assert.is(d.pos.line, 6);
  assert.is(d.pos.col, 10);
  assert.match(d.message, /pattern 'etdc' matches no host/);
  assert.match(d.hint!, /etcd, masters/);
  assert.match(d.sourceLine!, /hosts: etdc/);
});

test('a glob-only pattern that matches nothing is a warning (play skipped), not an error', () => {
  const r = plan(`
- hosts: "kube_control_plane*:masters_x*"
  gather_facts: false
  tasks: [{ command: 'true' }]
`);
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity]), [['no-hosts', 'warning']]);
  assert.equal(r.plan.plays[0]!.hosts, []);
  assert.match(r.plan.plays[0]!.notes.join(), /skipped/);
});

test('a templated hosts: pattern is rendered with -e; undefined is a diagnostic at hosts:', () => {
  const pb = `
- hosts: "{{ target }}"
  gather_facts: false
  tasks: [{ command: 'true' }]
`;
  assert.equal(plan(pb, { extraVars: { target: 'masters' } }).plan.plays[0]!.hosts, ['m1']);
  const r = plan(pb);
  assert.equal(r.diagnostics.map((d) => [d.code, d.pos.line]), [['bad-hosts-pattern', 2]]);
  assert.match(r.diagnostics[0]!.message, /undefined variable 'target'/);
});

test('when: decided now when possible, runtime when it needs registered values', () => {
  const { plan: p, diagnostics } = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - name: only e2
      command: echo hi
      when: inventory_hostname == 'e2'
    - name: probe
      command: etcdctl endpoint health
      register: health
    - name: after probe
      command: echo {{ health.stdout }}
      when: health.rc == 0
    - name: uses it
      debug:
        var: health.stdout
    - name: defined test on a registered name is not decided offline
      command: echo maybe
      when: health is defined and health.rc == 0
    - name: assert about it
      assert:
        that: [health is defined]
`);
  assert.equal(diagnostics, []);
  const only = taskNamed(p, 'only e2');
  assert.equal(only.perHost.map((h) => [h.host, h.when?.decided, h.when?.value, h.steps?.length ?? 0]), [['e1', true, false, 0], ['e2', true, true, 1], ['e3', true, false, 0]]);
  const after = taskNamed(p, 'after probe');
  for (const h of after.perHost) {
    assert.is(h.when?.decided, false);
    assert.is(h.deferred, "uses registered variable 'health'");
  }
  assert.is(taskNamed(p, 'uses it').perHost[0]!.deferred, "uses registered variable 'health'");
  const maybe = taskNamed(p, 'defined test on a registered name is not decided offline').perHost[0]!;
  assert.is(maybe.when?.decided, false);
  assert.equal(commands(taskNamed(p, 'defined test on a registered name is not decided offline')).e1, ['echo maybe']);
  assert.is(taskNamed(p, 'assert about it').perHost[0]!.deferred, "uses registered variable 'health'");
});

test('set_fact with known values feeds later tasks; loops are expanded', () => {
  const { plan: p, diagnostics } = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - set_fact:
        backup: "/backup/{{ inventory_hostname }}"
    - name: use fact
      command: ls {{ backup }}
    - name: loop
      command: echo {{ item }} {{ inventory_hostname }}
      loop: "{{ groups.etcd }}"
      when: inventory_hostname == 'e1'
    - name: loop literal
      file: path=/tmp/{{ item }} state=directory
      loop: [a, b]
      loop_control: { loop_var: item }
`);
  assert.equal(diagnostics, []);
  assert.equal(commands(taskNamed(p, 'loop')), { e1: ['echo e1 e1', 'echo e2 e1', 'echo e3 e1'], e2: [], e3: [] });
  assert.equal(commands(taskNamed(p, 'use fact')), { e1: ['ls /backup/e1'], e2: ['ls /backup/e2'], e3: ['ls /backup/e3'] });
  const lit = taskNamed(p, 'loop literal');
  assert.match(lit.perHost[0]!.steps![0]!.description, /^\[item=a\]/);
  assert.equal(commands(lit).e1, ['mkdir -p -- /tmp/a', 'mkdir -p -- /tmp/b']);
});

test('loop over a list variable keeps items; when per item', () => {
  const { plan: p, diagnostics } = plan(`
- hosts: e1
  gather_facts: false
  vars:
    pkgs: [etcd-server, etcd-client, skip-me]
  tasks:
    - name: each
      command: echo {{ item }}
      loop: "{{ pkgs }}"
      when: item != 'skip-me'
`);
  assert.equal(diagnostics, []);
  assert.equal(commands(taskNamed(p, 'each')), { e1: ['echo etcd-server', 'echo etcd-client'] });
});

test('every undefined variable is reported, with the file:line:col of the module key', () => {
  const r = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - name: one
      command: echo {{ nope }}
    - name: two
      shell: echo {{ other.thing }}
    - name: three
      command: echo ok
      when: also_missing == 1
    - name: four
      command: echo {{ item }}
      loop: [a]
      when: item < 1
`);
  const msgs = r.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.code} ${d.message}`);
  assert.is(msgs.length, 4, msgs.join('\n'));
  assert.match(msgs[3]!, /^15:13 bad-condition in condition "item < 1": cannot compare string "a" with number 1/);
  assert.match(msgs[0]!, /^6:16 undefined-variable undefined variable 'nope'/);
  assert.match(msgs[1]!, /^8:14 undefined-variable undefined variable 'other'/);
  assert.match(msgs[2]!, /^11:13 undefined-variable undefined variable 'also_missing'/);
  assert.match(r.diagnostics[0]!.sourceLine!, /command: echo \{\{ nope \}\}/);
  assert.match(r.diagnostics[0]!.hint!, /-e nope=/);
});

test('bad args after rendering are diagnostics too (all of them)', () => {
  const r = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - name: port
      wait_for: { port: "{{ p }}" }
      vars: { p: http }
    - name: absent root
      file: { path: "{{ root }}", state: absent }
      vars: { root: / }
`);
  assert.is(r.diagnostics.length, 2);
  assert.match(r.diagnostics[0]!.message, /argument 'port'/);
  assert.match(r.diagnostics[1]!.message, /refusing to remove/);
});

test('tags with always/never; --start-at-task', () => {
  const pb = `
- hosts: e1
  gather_facts: false
  tasks:
    - { name: a, command: echo a, tags: [x] }
    - { name: b, command: echo b, tags: [always] }
    - { name: c, command: echo c, tags: [never, debug] }
    - { name: d, command: echo d }
`;
  const names = (opts: object) => plan(pb, opts).plan.plays[0]!.tasks.map((t) => t.name);
  assert.equal(names({}), ['a', 'b', 'd']);
  assert.equal(names({ tags: ['x'] }), ['a', 'b']);
  assert.equal(names({ tags: ['debug'] }), ['b', 'c']);
  assert.equal(names({ skipTags: ['x'] }), ['b', 'd']);
  assert.equal(names({ startAtTask: 'b' }), ['b', 'd']);
  const r = plan(pb, { startAtTask: 'zzz' });
  assert.is(r.diagnostics[0]!.code, 'start-at-task-not-found');
});

test('blocks: children inherit when, tags and vars; rescue and always are planned', () => {
  const { plan: p, diagnostics } = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - name: guarded
      when: inventory_hostname != 'e3'
      tags: [blk]
      vars: { word: hello }
      block:
        - name: inner
          command: echo {{ word }}
      rescue:
        - name: fix
          command: echo rescue
      always:
        - name: fin
          command: echo always
`, { tags: ['blk'] });
  assert.equal(diagnostics, []);
  const blk = p.plays[0]!.tasks[0]!;
  assert.is(blk.block!.length, 1);
  const inner = blk.block![0]!;
  assert.equal(inner.tags, ['blk']);
  assert.equal(commands(inner), { e1: ['echo hello'], e2: ['echo hello'], e3: [] });
  assert.is(blk.rescue![0]!.name, 'fix');
  assert.is(blk.always![0]!.name, 'fin');
});

test('gather_facts: ansible_* facts are deferred, not errors', () => {
  const r = plan(`
- hosts: e1
  tasks:
    - command: echo {{ ansible_distribution }}
`);
  assert.equal(r.diagnostics, []);
  assert.is(r.plan.plays[0]!.tasks[0]!.perHost[0]!.deferred, "uses gathered fact 'ansible_distribution'");
});

test('extra vars win and appear in the plan; check flag is recorded', () => {
  const r = plan(`
- hosts: e1
  gather_facts: false
  vars: { v: play }
  tasks: [{ name: t, command: "echo {{ v }}" }]
`, { extraVars: { v: 'extra' }, check: true });
  assert.equal(commands(taskNamed(r.plan, 't')), { e1: ['echo extra'] });
  assert.is(r.plan.check, true);
  assert.equal(r.plan.extraVars, { v: 'extra' });
});

test('delegate_to "{{ item }}" with a loop: each item planned on its own host; a typo is a warning per host name', () => {
  const r = plan(`
- hosts: etcd
  gather_facts: false
  tasks:
    - name: to every member
      command: echo {{ inventory_hostname }} to {{ item }}
      delegate_to: "{{ item }}"
      loop: "{{ groups.etcd }}"
      run_once: true
    - name: typo
      command: 'true'
      delegate_to: "{{ peer }}"
      loop: [e1, e9]
      loop_control: { loop_var: peer }
`);
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity, d.pos.line]), [['delegate-unknown-host', 'warning', 12]]);
  assert.match(r.diagnostics[0]!.message, /delegate_to 'e9' is not a host/);
  const t = taskNamed(r.plan, 'to every member');
  assert.equal(t.perHost.map((h) => [h.host, h.runsOn]), [['e1', 'e2, e3']]);
  assert.equal(commands(t), { e1: ['echo e1 to e1', 'echo e1 to e2', 'echo e1 to e3'] });
  const steps = t.perHost[0]!.steps!.map((s) => s.description.split(']')[0] + ']');
  assert.equal(steps, ['[item=e1]', '[item=e2 -> e2]', '[item=e3 -> e3]']);
});

test('a play\'s confirm: question is planned as it will be asked: rendered with -e and play vars', () => {
  const r = plan(`
- hosts: etcd
  gather_facts: false
  confirm: "downgrade {{ groups.etcd | length }} members of {{ cluster }} to {{ target }}"
  vars: { cluster: prod-a }
  tasks: [{ command: 'true' }]
- hosts: etcd
  gather_facts: false
  confirm: "only at run time: {{ later }}"
  tasks: [{ command: 'true' }]
`, { extraVars: { target: '3.4.23' } });
  assert.is(r.plan.plays[0]!.confirm, 'downgrade 3 members of prod-a to 3.4.23');
  assert.is(r.plan.plays[1]!.confirm, 'only at run time: {{ later }}', 'left as written when it cannot be rendered');
});

test.run();
