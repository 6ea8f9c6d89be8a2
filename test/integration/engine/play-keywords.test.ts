/**
 * The play keywords over real sshd: remote_user (a second user that exists on the host; an
 * inventory ansible_user wins, as in Ansible; one connection per host and user), connection:
 * local, play/block environment merged with the task's, async with poll (a time limit), and
 * poll: 0 with async_status waiting in an until loop.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../../src/engine/index.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { parsePlaybook } from '../../../src/load/playbook.js';
import type { EngineEvent } from '../../../src/model/event.js';
import type { TaskResult } from '../../../src/model/result.js';
import { startSshd, writeKnownHosts, type Sshd } from '../../support/sshd.js';

const USER = 'etcdplay-kwuser';
const ME = userInfo().username;
let sshd: Sshd;
let work = '';

function removeUser(): void {
  try {
    execFileSync('userdel', ['-r', '-f', USER], { stdio: 'ignore' });
  } catch {
    /* absent */
  }
}

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'etcdplay-keywords-it-'));
  removeUser();
  execFileSync('useradd', ['-m', '-s', '/bin/sh', USER]);
  // no password, but not locked ('!'): sshd refuses a key login to a locked account
  execFileSync('usermod', ['-p', '*', USER]);
  sshd = await startSshd({ address: '127.0.4.31', users: [ME, USER] });
});

test.after(async () => {
  try {
    await sshd?.stop();
  } finally {
    removeUser();
    if (work) rmSync(work, { recursive: true, force: true });
  }
});

async function run(yaml: string) {
  const kh = writeKnownHosts(work, [sshd.knownHostsLine]);
  const host = (extra = '') => `      ansible_host: ${sshd.address}\n      ansible_port: ${sshd.port}\n      ansible_ssh_private_key_file: ${sshd.clientKeyPath}\n      etcdplay_known_hosts_file: ${kh}\n${extra}`;
  const invFile = join(work, 'inv.yml');
  writeFileSync(invFile, `all:\n  hosts:\n    k1:\n${host()}    k2:\n${host(`      ansible_user: ${ME}\n`)}`);
  const inv = loadInventory([invFile]);
  const pb = parsePlaybook(yaml, join(work, 'pb.yml'));
  assert.equal(pb.diagnostics.filter((d) => d.severity === 'error'), []);
  const events: EngineEvent[] = [];
  const out = await runPlaybook({
    playbook: pb.playbook!,
    inventory: inv.inventory,
    extraVars: {},
    check: false,
    diff: false,
    forks: 5,
    // both hosts are this machine (and one logs in as a user who cannot write /var/lib): no run lock
    lock: false,
    connect: { hostKeyChecking: 'strict', sshConfigFile: join(work, 'none') },
    runDir: join(work, 'run'),
    onEvent: (e) => events.push(e),
  });
  const names = new Map<string, string>();
  for (const e of events) if (e.type === 'task.start') names.set(e.taskId, e.name);
  const result = (task: string, h: string): TaskResult | undefined => {
    const e = events.find((x): x is Extract<EngineEvent, { type: 'host.end' }> => x.type === 'host.end' && names.get(x.taskId) === task && x.host === h);
    return e?.result;
  };
  return { exitCode: out.exitCode, events, result };
}

test('remote_user logs in as that user; an inventory ansible_user wins; connection: local runs on the workstation', async () => {
  const r = await run(`
- hosts: all
  gather_facts: false
  remote_user: ${USER}
  tasks:
    - name: who
      command: id -un
    - name: who as the task says
      command: id -un
      remote_user: ${ME}
    - name: who again
      command: id -un
    - block:
        - name: where
          command: id -un
          remote_user: nobody-at-all
      connection: local
`);
  assert.is(r.exitCode, 0, JSON.stringify(r.events.filter((e) => (e.type === 'host.end' && e.status !== 'ok' && e.status !== 'changed') || e.type === 'warning')));
  assert.is(r.result('who', 'k1')?.stdout, USER);
  assert.is(r.result('who', 'k2')?.stdout, ME, 'the inventory ansible_user wins over remote_user');
  assert.is(r.result('who as the task says', 'k1')?.stdout, ME);
  assert.is(r.result('who again', 'k1')?.stdout, USER, 'the first connection (as USER) is still the one for the play');
  assert.is(r.result('where', 'k1')?.stdout, ME, 'connection: local runs as the workstation user, ignoring remote_user');
});

test('play and block environment merged under the task’s, over ssh', async () => {
  const r = await run(`
- hosts: k1
  gather_facts: false
  environment: { PLAY_V: play, BOTH: play }
  tasks:
    - block:
        - name: env
          shell: echo "$PLAY_V $BOTH $BLOCK_V"
          environment: { BOTH: task }
      environment: { BLOCK_V: block }
`);
  assert.is(r.exitCode, 0);
  assert.is(r.result('env', 'k1')?.stdout, 'play task block');
});

test('async with poll: a time limit; poll: 0 starts a job that async_status waits for (as the remote user)', async () => {
  const r = await run(`
- hosts: k1
  gather_facts: false
  remote_user: ${USER}
  tasks:
    - name: quick enough
      command: sleep 0.2
      async: 10
      poll: 2
    - name: too slow
      command: sleep 5
      async: 1
      poll: 1
      ignore_errors: true
    - name: background
      shell: sleep 1; echo "done as $(id -un)"; echo oops >&2
      async: 30
      poll: 0
      register: job
    - name: wait
      async_status: jid="{{ job.ansible_job_id }}"
      register: st
      until: st.finished
      retries: 30
      delay: 0.5
    - name: cleanup
      async_status: jid="{{ job.ansible_job_id }}" mode=cleanup
`);
  assert.is(r.exitCode, 0, JSON.stringify(r.events.filter((e) => (e.type === 'host.end' && e.status !== 'ok' && e.status !== 'changed') || e.type === 'warning')));
  assert.is(r.result('quick enough', 'k1')?.failed, false);
  const slow = r.result('too slow', 'k1')!;
  assert.is(slow.failed, true);
  assert.match(String(slow.msg), /async task did not complete within the requested time - 1s/);
  const started = r.result('background', 'k1')!;
  assert.is(started.started, 1);
  assert.is(started.finished, 0);
  assert.match(String(started.ansible_job_id), /^\d+\.\d+$/);
  assert.match(String(started.results_file), new RegExp(`/home/${USER}/\\.etcdplay_async/`));
  const st = r.result('wait', 'k1')!;
  assert.is(st.finished, 1);
  assert.is(st.rc, 0);
  assert.is(st.stdout, `done as ${USER}`);
  assert.is(st.stderr, 'oops');
  assert.ok((st.attempts as number) >= 2, 'the job was still running at the first check');
});

test.run();
