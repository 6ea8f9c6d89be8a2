import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePlaybook } from '../../../src/load/playbook.js';
import { blockChildren, inherit, playInheritance, handlerInheritance } from '../../../src/plan/inherit.js';
import { describeReach, reachOf, reachVars } from '../../../src/plan/reach.js';
import { asyncSteps } from '../../../src/plan/async.js';
import { parseJobStatus, startedResult } from '../../../src/modules/async-job.js';
import { fakeModules } from './fake-modules.js';

const parse = (text: string) => parsePlaybook(text, 'pb.yml', { modules: fakeModules });
const msgs = (text: string) => parse(text).diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.severity}: ${d.message}`);

test('remote_user, connection and environment on plays, blocks and tasks', () => {
  const r = parse(`
- hosts: etcd
  remote_user: deploy
  connection: ssh
  environment: { A: 1, B: x }
  tasks:
    - block:
        - name: t
          ping:
          remote_user: "{{ other }}"
          connection: local
          environment: { B: task }
      remote_user: blockuser
      environment: { C: c }
`);
  assert.equal(r.diagnostics, []);
  const play = r.playbook!.plays[0]!;
  assert.is(play.remoteUser, 'deploy');
  assert.is(play.connection, 'ssh');
  assert.equal(play.environment, { A: '1', B: 'x' });
  const block = play.tasks[0]!;
  assert.is(block.remoteUser, 'blockuser');
  const task = block.block![0]!;
  assert.is(task.remoteUser, '{{ other }}');
  assert.is(task.connection, 'local');
  // inheritance: play -> block -> task, the task's own win, environments merge
  const { body } = blockChildren(playInheritance(play), block);
  const eff = inherit(body, task);
  assert.is(eff.remoteUser, '{{ other }}');
  assert.is(eff.connection, 'local');
  assert.equal(eff.environment, { A: '1', B: 'task', C: 'c' });
  const other = inherit(body, { ...task, remoteUser: undefined, connection: undefined });
  assert.is(other.remoteUser, 'blockuser');
  assert.is(other.connection, 'ssh');
  // handlers get the play's connection keywords, not its tags
  assert.is(handlerInheritance(play).remoteUser, 'deploy');
});

test('an unsupported connection, an empty remote_user, bad async/poll: errors where they are', () => {
  assert.equal(msgs(`
- hosts: etcd
  connection: winrm
  remote_user: ""
  tasks:
    - ping:
      async: soon
    - ping:
      async: 10
      poll: 0
    - ping:
      poll: 5
`), [
    "3:15 error: connection 'winrm' is not supported by etcdplay",
    "4:16 error: 'remote_user' is empty",
    "7:14 error: 'async' must be a whole number of seconds, at least 1",
    "10:7 error: 'async' with 'poll: 0' (a background job) is supported for the command and shell modules only, not 'ping'",
    "12:7 warning: 'poll' has no effect without 'async'",
  ]);
});

test('async and poll are not block keywords; a keyword that stays unsupported still errors', () => {
  const m = msgs(`
- hosts: etcd
  strategy: free
  tasks:
    - block: [{ ping: }]
      async: 10
`);
  assert.ok(m.some((x) => x.startsWith("3:3 error: play keyword 'strategy' is not supported")), m.join('\n'));
  assert.ok(m.some((x) => x.includes("'async' is not allowed on a block")), m.join('\n'));
});

test('reach: variables win over the keywords (as in Ansible), the keyword fills in otherwise', () => {
  const eff = { remoteUser: '{{ u }}', connection: undefined };
  assert.is(reachVars({ u: 'deploy' }, eff).ansible_user, 'deploy');
  assert.is(reachVars({ u: 'deploy', ansible_user: 'inv' }, eff).ansible_user, 'inv');
  assert.is(reachVars({ ansible_connection: 'ssh' }, { connection: 'local' }).ansible_connection, 'ssh');
  assert.is(describeReach('db1', reachVars({}, { connection: 'local' })), 'local');
  assert.is(describeReach('db1', { ansible_user: 'x' }), 'ssh as x');
  assert.is(describeReach('localhost', {}), 'local');
  const base = { when: [], vars: {}, tags: [], rescuable: false };
  assert.is(reachOf('db1', { ansible_host: '10.0.0.1' }, base), undefined);
  assert.is(reachOf('db1', {}, { ...base, remoteUser: 'deploy' }), 'ssh as deploy');
  assert.is(reachOf('db1', {}, { ...base, remoteUser: '{{ nope }}' }), undefined);
});

test('async: a time limit on every command with poll > 0; one background job with poll: 0', () => {
  const step = { kind: 'command' as const, description: 'run', command: { kind: 'exec' as const, argv: ['sleep', '100'], env: { A: 'b' } }, mutates: true };
  const limited = asyncSteps([step, { ...step, timeoutMs: 1000 }], 30, 5);
  assert.equal(limited.map((s) => (s.kind === 'command' ? s.timeoutMs : -1)), [30_000, 1000]);
  const [bg] = asyncSteps([step], 600, 0);
  assert.ok(bg && bg.kind === 'command');
  if (bg?.kind !== 'command' || bg.command.kind !== 'exec') throw new Error('not a command');
  assert.is(bg.command.argv[0], 'sh');
  assert.equal(bg.command.argv.slice(3), ['etcdplay', '.etcdplay_async', '600', 'sleep 100']);
  assert.equal(bg.command.env, { A: 'b' }, 'the environment is on the launcher (the job inherits it)');
  assert.match(bg.description, /start in the background \(async 600 s, poll 0\)/);
  assert.throws(() => asyncSteps([step, step], 10, 0), /one command/);
  assert.throws(() => asyncSteps([{ ...step, command: { ...step.command, stdin: 'x' } }], 10, 0), /stdin/);
});

test('async jobs: the start and the status are read as Ansible reports them', () => {
  assert.equal(startedResult('1700.42\n/home/u/.etcdplay_async/1700.42\n'), { ansible_job_id: '1700.42', results_file: '/home/u/.etcdplay_async/1700.42', started: 1, finished: 0 });
  assert.equal(parseJobStatus('1.2', 'running\n'), { changed: false, failed: false, ansible_job_id: '1.2', started: 1, finished: 0 });
  const done = parseJobStatus('1.2', 'finished 0 7 4\nhé\nyo\nerr\n');
  assert.is(done.finished, 1);
  assert.is(done.rc, 0);
  assert.is(done.stdout, 'hé\nyo');
  assert.is(done.stderr, 'err');
  assert.equal(done.stdout_lines, ['hé', 'yo']);
  assert.is(done.failed, false);
  const late = parseJobStatus('1.2', 'finished 124 0 0\n');
  assert.is(late.failed, true);
  assert.match(String(late.msg), /did not complete within the requested time/);
});

test.run();
