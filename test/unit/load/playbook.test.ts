import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePlaybook, loadPlaybook } from '../../../src/load/playbook.js';
import type { Task } from '../../../src/model/playbook.js';
import { fakeModules } from './fake-modules.js';

const parse = (text: string) => parsePlaybook(text, 'pb.yml', { modules: fakeModules });
const ok = (text: string) => {
  const r = parse(text);
  assert.equal(r.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`), []);
  assert.ok(r.playbook);
  return r.playbook!;
};

test('plays: defaults and every play keyword', () => {
  const pb = ok(`
- hosts: etcd
  tasks: []
- name: full
  hosts: [etcd, web]
  vars: { a: 1 }
  vars_files: one.yml
  serial: 2
  max_fail_percentage: 25
  any_errors_fatal: true
  become: true
  become_user: etcd
  gather_facts: false
  tags: a, b
  confirm: really?
  pre_tasks: [{ ping: }]
  tasks: [{ ping: }]
  post_tasks: [{ ping: }]
  handlers: [{ name: h, ping: }]
`);
  const [p0, p1] = pb.plays;
  assert.equal(p0, { index: 0, name: 'etcd', pos: { file: 'pb.yml', line: 2, col: 3 }, hosts: 'etcd', vars: {}, varsFiles: [], serial: [], anyErrorsFatal: false, gatherFacts: true, preTasks: [], tasks: [], postTasks: [], handlers: [], tags: [] });
  assert.is(p1!.name, 'full');
  assert.is(p1!.hosts, 'etcd,web');
  assert.equal(p1!.vars, { a: 1 });
  assert.equal(p1!.varsFiles, ['one.yml']);
  assert.equal(p1!.serial, [2]);
  assert.is(p1!.maxFailPercentage, 25);
  assert.is(p1!.anyErrorsFatal, true);
  assert.is(p1!.become, true);
  assert.is(p1!.becomeUser, 'etcd');
  assert.is(p1!.gatherFacts, false);
  assert.equal(p1!.tags, ['a', 'b']);
  assert.is(p1!.confirm, 'really?');
  assert.equal([p1!.preTasks[0]!.id, p1!.tasks[0]!.id, p1!.postTasks[0]!.id, p1!.handlers[0]!.id], ['p1.pre_tasks.0', 'p1.tasks.0', 'p1.post_tasks.0', 'p1.handlers.0']);
});

test('a tasks file passed as a playbook: one error saying so, with the fix', () => {
  const r = parsePlaybook('- name: one\n  command: echo 1\n- block:\n    - debug: msg=x\n- ansible.builtin.stat:\n    path: /x\n', 'tasks.yml');
  assert.is(r.playbook, undefined);
  assert.is(r.diagnostics.length, 1);
  assert.is(r.diagnostics[0]!.code, 'tasks-file');
  assert.match(r.diagnostics[0]!.message, 'this is a tasks file');
  assert.match(String(r.diagnostics[0]!.hint), "'- hosts: etcd' then 'tasks:'");
  assert.is(r.diagnostics[0]!.pos.line, 1);
  // a real playbook with a play missing hosts is not a tasks file
  const p = parsePlaybook('- hosts: all\n  tasks: []\n- name: x\n  command: echo\n', 'pb.yml');
  assert.ok(p.diagnostics.every((d) => d.code !== 'tasks-file'));
});

test('YAML 1.1 booleans as Ansible reads them: unquoted yes/no/on/off are booleans, quoted stay strings', () => {
  const r = loadPlaybook('test/corpus/good/yaml11-vars-yes-no.yml');
  assert.equal(r.diagnostics, []);
  const play = r.playbook!.plays[0]!;
  assert.equal(play.vars, { etcd_tls: false, quoted: 'no', real: false, list: [true, false] });
  assert.equal(play.tasks[0]!.vars, { again: true });
  const k = parsePlaybook('- hosts: all\n  become: yes\n  gather_facts: off\n  tasks:\n    - command: echo\n      ignore_errors: On\n    - copy: { content: x, dest: /x, remote_src: NO }\n', 'k.yml');
  assert.equal(k.diagnostics, []);
  const p = k.playbook!.plays[0]!;
  assert.is(p.become, true);
  assert.is(p.gatherFacts, false);
  assert.is(p.tasks[0]!.ignoreErrors, true);
  assert.is((p.tasks[1]!.args as Record<string, unknown>).remote_src, false);
});

test('serial forms', () => {
  const s = (v: string) => ok(`- hosts: a\n  serial: ${v}\n  tasks: []\n`).plays[0]!.serial;
  assert.equal(s('1'), [1]);
  assert.equal(s('"3"'), [3]);
  assert.equal(s('30%'), ['30%']);
  assert.equal(s('[1, 5, "100%"]'), [1, 5, '100%']);
});

test('tasks: every keyword maps to the model', () => {
  const pb = ok(`
- hosts: a
  tasks:
    - name: t
      command: ls
      when: x == 1
      register: out
      run_once: true
      delegate_to: localhost
      become: true
      become_user: postgres
      failed_when: [out.rc > 1, false]
      changed_when: false
      ignore_errors: true
      ignore_unreachable: true
      retries: 5
      delay: 2
      until: out.rc == 0
      tags: [x, 1]
      notify: h
      loop: [1, 2]
      loop_control: { loop_var: n, label: "{{ n }}" }
      vars: { v: 1 }
      no_log: true
      check_mode: false
      environment: { A: 1, B: x, C: true }
  handlers:
    - name: h
      listen: [topic]
      ping:
`);
  const t = pb.plays[0]!.tasks[0]!;
  const { keyPos, pos, ...rest } = t;
  assert.equal(rest, {
    id: 'p0.tasks.0', name: 't', module: 'command', args: 'ls', when: ['x == 1'], register: 'out', runOnce: true,
    delegateTo: 'localhost', become: true, becomeUser: 'postgres', failedWhen: ['out.rc > 1', 'false'], changedWhen: ['false'],
    ignoreErrors: true, ignoreUnreachable: true, retries: 5, delay: 2, until: ['out.rc == 0'], tags: ['x', '1'], notify: ['h'],
    loop: [1, 2], loopVar: 'n', vars: { v: 1 }, noLog: true, checkMode: false, environment: { A: '1', B: 'x', C: 'true' },
  });
  assert.equal(pos, { file: 'pb.yml', line: 4, col: 7 });
  assert.equal(keyPos!.command, { file: 'pb.yml', line: 5, col: 16 });
  assert.equal(keyPos!.when, { file: 'pb.yml', line: 6, col: 13 });
  assert.equal(pb.plays[0]!.handlers[0]!.listen, ['topic']);
});

test('module args: mapping, key=value, free form, args:, empty, FQCN', () => {
  const pb = ok(`
- hosts: a
  tasks:
    - service: { name: etcd, state: stopped }
    - service: name=etcd state=started enabled=yes
    - command: etcdctl get "a b"
    - command: etcdctl member list
      args: { chdir: /tmp }
    - copy: dest=/x
      args: { src: a, dest: /ignored }
    - ping:
    - ansible.builtin.debug: msg="hi there"
    - systemd: name=etcd
`);
  const a = pb.plays[0]!.tasks.map((t) => [t.module, t.args]);
  assert.equal(a, [
    ['service', { name: 'etcd', state: 'stopped' }],
    ['service', { name: 'etcd', state: 'started', enabled: 'yes' }],
    ['command', 'etcdctl get "a b"'],
    ['command', { cmd: 'etcdctl member list', chdir: '/tmp' }],
    ['copy', { src: 'a', dest: '/x' }],
    ['ping', {}],
    ['debug', { msg: 'hi there' }],
    ['service', { name: 'etcd' }],
  ]);
  assert.ok(pb.plays[0]!.tasks[6]!.keyPos!.debug, 'keyPos also under the canonical module name');
});

test('templates are accepted wherever a module arg has a type', () => {
  ok(`
- hosts: a
  tasks:
    - wait_for: { port: "{{ etcd_client_port }}", timeout: "{% if x %}1{% else %}2{% endif %}" }
    - service: { name: etcd, state: "{{ wanted }}" }
    - wait_for: port={{ p }}
    - wait_for: port=2379
`);
});

test('blocks nest with ids and sections', () => {
  const pb = ok(`
- hosts: a
  tasks:
    - name: outer
      block:
        - ping:
        - block:
            - ping:
          rescue:
            - ping:
      rescue:
        - ping:
      always:
        - ping:
      when: x
      become: true
    - block:
      always:
`);
  const outer = pb.plays[0]!.tasks[0]!;
  const ids = (ts: Task[] | undefined): unknown => (ts ?? []).map((t) => (t.block ? { [t.id]: [ids(t.block), ids(t.rescue), ids(t.always)] } : t.id));
  assert.equal(ids([outer]), [{ 'p0.tasks.0': [['p0.tasks.0.block.0', { 'p0.tasks.0.block.1': [['p0.tasks.0.block.1.block.0'], ['p0.tasks.0.block.1.rescue.0'], []] }], ['p0.tasks.0.rescue.0'], ['p0.tasks.0.always.0']] }]);
  assert.is(outer.module, undefined);
  assert.equal(outer.when, ['x']);
  assert.equal(pb.plays[0]!.tasks[1]!.block, []);
  assert.equal(pb.plays[0]!.tasks[1]!.always, []);
});

test('with_items becomes loop, flattened one level', () => {
  const pb = ok(`
- hosts: a
  tasks:
    - debug: var=item
      with_items: [[1, 2], 3]
    - debug: var=item
      with_items: "{{ xs }}"
`);
  assert.equal(pb.plays[0]!.tasks[0]!.loop, [1, 2, 3]);
  assert.is(pb.plays[0]!.tasks[1]!.loop, '{{ xs }}');
});

test('conditions: string, bool, list -> string[]', () => {
  const pb = ok(`
- hosts: a
  tasks:
    - { ping: , when: true }
    - { ping: , when: [a, false] }
    - { ping: , when: "a and b" }
`);
  assert.equal(pb.plays[0]!.tasks.map((t) => t.when), [['true'], ['a', 'false'], ['a and b']]);
});

test('merge keys and anchors in plays and tasks', () => {
  const pb = ok(`
- hosts: a
  vars:
    base: &base { become: true, tags: [t] }
  tasks:
    - <<: *base
      name: merged
      ping:
`);
  const t = pb.plays[0]!.tasks[0]!;
  assert.is(t.become, true);
  assert.equal(t.tags, ['t']);
});

test('warnings do not block loading; errors do', () => {
  const w = parse(`- hosts: a\n  tasks:\n    - { ping: , when: "{{ x }}" }\n`);
  assert.ok(w.playbook);
  assert.equal(w.diagnostics.map((d) => d.severity), ['warning']);
  const e = parse(`- hosts: a\n  tasks:\n    - { pingg: }\n`);
  assert.is(e.playbook, undefined);
});

test('unknown key: keyword or module, whichever it is closest to', () => {
  const d = (yaml: string) => parse(yaml).diagnostics.map((x) => `${x.code} ${x.hint ?? ''}`);
  assert.equal(d(`- hosts: a\n  tasks:\n    - { ping: , wehn: x }\n`), ["unknown-keyword did you mean 'when'?"]);
  assert.equal(d(`- hosts: a\n  tasks:\n    - { servic: {} }\n`), ["unknown-module did you mean 'service'?"]);
  assert.equal(d(`- hosts: a\n  tasks:\n    - { name: x, wehn: y }\n`), ["no-module add one, e.g. 'command: ...' (see 'etcdplay modules')", "unknown-keyword did you mean 'when'?"]);
  assert.equal(d(`- hosts: a\n  tasks:\n    - { xyzzy_plugh: 1 }\n`), ["unknown-module run 'etcdplay modules' for the list"]);
  assert.equal(d(`- hosts: a\n  tasks:\n    - { "with-items": [1], ping: }\n`), ["unknown-keyword did you mean 'with_items'?"]);
});

test('until without register warns; loop_control without loop warns; anonymous handler warns', () => {
  const codes = parse(`
- hosts: a
  tasks:
    - { ping: , until: x, retries: 2 }
    - { ping: , loop_control: { loop_var: y } }
  handlers:
    - ping:
`).diagnostics.map((d) => d.code);
  assert.equal(codes, ['until-without-register', 'loop-control-without-loop', 'anonymous-handler']);
});

test('notify may name a listen topic or be a template', () => {
  ok(`
- hosts: a
  tasks:
    - { ping: , notify: [topic, "{{ h }}", named] }
  handlers:
    - { name: named, ping: }
    - { listen: topic, ping: }
`);
});

test('loadPlaybook reports an unreadable file', () => {
  const r = loadPlaybook('/nonexistent/pb.yml', { modules: fakeModules });
  assert.equal(r.diagnostics.map((d) => [d.code, d.message]), [['file-unreadable', 'cannot read playbook: ENOENT']]);
});

test('a byte order mark is ignored', () => {
  assert.equal(parse('\uFEFF- hosts: a\n  tasks: [{ ping: }]\n').diagnostics, []);
});

test('the real registry is used by default', () => {
  const r = parsePlaybook('- hosts: a\n  tasks:\n    - ansible.builtin.command: ls\n', 'pb.yml');
  assert.equal(r.diagnostics, []);
  assert.is(r.playbook!.plays[0]!.tasks[0]!.module, 'command');
});

test.run();
