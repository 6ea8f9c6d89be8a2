import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Plan } from '../../../src/model/plan.js';
import { formatPlan, redactPlan, showCommand } from '../../../src/plan/format.js';

const plan: Plan = {
  playbook: 'pb.yml',
  inventory: ['inv.ini'],
  extraVars: { ansible_become_password: 'hunter2', target: '3.4' },
  check: true,
  plays: [{
    index: 0, name: 'p', pattern: 'etcd', hosts: ['e1', 'e2'], batches: [['e1'], ['e2']], notes: ['a note'], confirm: 'destroy things',
    handlers: [],
    tasks: [{
      taskId: 't0', name: 'secret cmd', module: 'command', pos: { file: 'pb.yml', line: 4, col: 7 }, section: 'tasks', runOnce: true, delegateTo: '{{ x }}', tags: ['a'],
      perHost: [
        { host: 'e1', runsOn: 'e2', steps: [
          { kind: 'command', description: 'use a token', mutates: true, command: { kind: 'exec', argv: ['tool', 'login'], env: { TOKEN: 's3cret' }, secret: true, stdin: 'pw' } },
          { kind: 'command', description: 'long helper', mutates: false, command: { kind: 'exec', argv: ['sh', '-c', 'a\nb\nc', 'etcdplay', 'x y'] } },
          { kind: 'put', description: 'copy', mutates: true, src: { content: 'hello' }, dest: '/etc/x', mode: '0600' },
        ] },
        { host: 'e2', when: { expr: ['snap.rc == 0'], decided: false }, deferred: "uses registered variable 'snap'" },
      ],
    }],
  }],
};

test('text: hosts, batches, run_once, delegate_to, secrets hidden, check marks, runtime conditions', () => {
  const t = formatPlan(plan);
  assert.not.match(t, /s3cret/);
  assert.match(t, /\$ env TOKEN='\*\*\*\*\*\*\*\*' tool login/);
  assert.match(t, /BATCH 1\/2: e1\n\n    TASK \[secret cmd\][^\n]*\n      e1 -> e2/);
  assert.match(t, /BATCH 2\/2: e2\n\n    TASK \[secret cmd\][^\n]*\n      e2 when/);
  assert.match(t, /TASK \[secret cmd\] \[command\] run_once delegate_to: \{\{ x \}\} tags: a pb\.yml:4/);
  assert.match(t, /e1 -> e2 \(delegate_to\)/);
  assert.match(t, /use a token \(not run in --check\)/);
  assert.match(t, /e2 when snap\.rc == 0 \(decided at run time\)\n\s+deferred: uses registered variable 'snap'/);
  assert.match(t, /asks for confirmation: destroy things/);
  assert.match(t, /sh -c '<3-line script, see --full>' etcdplay 'x y'/);
  assert.match(t, /put <5 bytes of content> -> \/etc\/x mode=0600/);
  assert.not.match(t, /\x1b\[/);
  assert.match(t, /1 play, 1 task, 3 steps \(2 changing\), 1 deferred to run time, 1 condition decided at run time; nothing was contacted\n$/);
  assert.match(formatPlan(plan, { color: true }), /\x1b\[/);
  assert.match(formatPlan(plan, { full: true }), /sh -c 'a\nb\nc' etcdplay 'x y'/);
});

test('showCommand abbreviates only multi-line sh -c scripts', () => {
  assert.is(showCommand({ kind: 'exec', argv: ['sh', '-c', 'echo "$1"', 'etcdplay', 'a'] }), `sh -c 'echo "$1"' etcdplay a`);
});

test('redactPlan hides secret env/stdin and password-like extra vars', () => {
  const r = JSON.stringify(redactPlan(plan));
  assert.not.match(r, /s3cret|hunter2|"pw"/);
  assert.match(r, /"target":"3.4"/);
  assert.match(JSON.stringify(plan), /s3cret/, 'the original is not modified');
});

test.run();
