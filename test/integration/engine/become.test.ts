/**
 * become through the engine over real sshd: a login user that needs a sudo password, -K (or
 * ansible_become_password), become_user, the password never in any event, a wrong password fails
 * the host with a clear message instead of hanging.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../../src/engine/index.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { parsePlaybook } from '../../../src/load/playbook.js';
import type { EngineEvent } from '../../../src/model/event.js';
import { startSshd, writeKnownHosts, type Sshd } from '../../support/sshd.js';

const USER = 'etcdplay-engbecome';
const PASSWORD = "b3come pass'word";
const RULE = `/etc/sudoers.d/${USER}`;
let sshd: Sshd;
let work = '';

function removeUser(): void {
  try {
    execFileSync('userdel', ['-r', '-f', USER], { stdio: 'ignore' });
  } catch {
    /* absent */
  }
  rmSync(RULE, { force: true });
}

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'etcdplay-become-it-'));
  removeUser();
  execFileSync('useradd', ['-m', '-s', '/bin/sh', USER]);
  execFileSync('chpasswd', { input: `${USER}:${PASSWORD}\n` });
  writeFileSync(RULE, `Defaults:${USER} timestamp_timeout=0, !lecture\n${USER} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
  execFileSync('visudo', ['-c', '-f', RULE], { stdio: 'ignore' });
  sshd = await startSshd({ address: '127.0.4.21', users: [USER] });
});

test.after(async () => {
  try {
    await sshd?.stop();
  } finally {
    removeUser();
    if (work) rmSync(work, { recursive: true, force: true });
  }
});

async function run(yaml: string, hostVars: string, becomePassword?: string) {
  const kh = writeKnownHosts(work, [sshd.knownHostsLine]);
  const invFile = join(work, 'inv.yml');
  writeFileSync(
    invFile,
    `all:\n  hosts:\n    b1:\n      ansible_host: ${sshd.address}\n      ansible_port: ${sshd.port}\n      ansible_user: ${USER}\n      ansible_ssh_private_key_file: ${sshd.clientKeyPath}\n      etcdplay_known_hosts_file: ${kh}\n${hostVars}`,
  );
  const inv = loadInventory([invFile]);
  const pb = parsePlaybook(yaml, join(work, 'pb.yml'));
  assert.ok(pb.playbook);
  const events: EngineEvent[] = [];
  const out = await runPlaybook({
    playbook: pb.playbook!,
    inventory: inv.inventory,
    extraVars: {},
    check: false,
    diff: false,
    forks: 5,
    connect: { hostKeyChecking: 'strict', sshConfigFile: join(work, 'none'), ...(becomePassword ? { becomePassword } : {}) },
    runDir: join(work, 'run'),
    onEvent: (e) => events.push(e),
  });
  const ends = events.filter((e): e is Extract<EngineEvent, { type: 'host.end' }> => e.type === 'host.end');
  return { exitCode: out.exitCode, events, ends };
}

const PB = `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: as root
      command: id -un
    - name: as nobody
      command: id -un
      become_user: nobody
    - name: not becoming
      command: id -un
      become: false
    - name: write as root
      copy:
        content: "secret-free\\n"
        dest: /root/etcdplay-become-test
        mode: "0600"
    - name: cleanup
      file:
        path: /root/etcdplay-become-test
        state: absent
`;

test('-K: play become runs as root, become_user as another user, become: false as the login user', async () => {
  const r = await run(PB, '', PASSWORD);
  assert.is(r.exitCode, 0, JSON.stringify(r.ends.map((e) => [e.status, e.result.msg])));
  assert.equal(r.ends.slice(0, 3).map((e) => e.result.stdout), ['root', 'nobody', USER]);
  assert.is(r.ends[3]!.status, 'changed');
  assert.not.ok(JSON.stringify(r.events).includes(PASSWORD));
});

test('ansible_become_password from the inventory works the same, and is redacted', async () => {
  const r = await run(PB, `      ansible_become_password: "${PASSWORD.replace(/"/g, '\\"')}"\n`);
  assert.is(r.exitCode, 0, JSON.stringify(r.ends.map((e) => [e.status, e.result.msg])));
  assert.is(r.ends[0]!.result.stdout, 'root');
  assert.not.ok(JSON.stringify(r.events).includes(PASSWORD));
});

test('a wrong become password fails the host quickly with a clear message', async () => {
  const r = await run(`- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n    - name: as root\n      command: id -un\n`, '', 'wrong-password');
  assert.is(r.exitCode, 2);
  assert.is(r.ends[0]!.status, 'failed');
  assert.match(String(r.ends[0]!.result.msg), /password|sudo/i);
});

test.run();
