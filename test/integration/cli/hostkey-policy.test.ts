/**
 * Issue 15 point 4: the command line wins over files. `ansible_ssh_common_args` /
 * `ansible_ssh_extra_args` / `etcdplay_known_hosts_file` from the inventory, play vars or -e
 * cannot weaken host-key checking below --host-key-checking (default strict): the run is refused
 * before any connection, saying what, where and how to fix it. Only the operator's flag weakens it.
 * The built CLI against a real sshd whose known_hosts entry does NOT match its key.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir } from '../connection/_helpers.js';
import { cli } from './_cli.js';

let tmp: ReturnType<typeof tempDir>;
let sshd: Sshd;
let inv = '';

function inventory(hostVars: Record<string, unknown>, groupVars: Record<string, unknown> = {}): string {
  const y = (o: Record<string, unknown>, ind: string) => Object.entries(o).map(([k, v]) => `${ind}${k}: ${JSON.stringify(v)}`).join('\n');
  const base = { ansible_host: sshd.address, ansible_port: sshd.port, ansible_user: 'root', ansible_ssh_private_key_file: sshd.clientKeyPath, etcdplay_known_hosts_file: join(tmp.dir, 'known_hosts'), etcdplay_lock_dir: join(tmp.dir, 'lock') };
  const file = join(tmp.dir, `inv-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, `all:\n  vars:\n${y({ ...groupVars }, '    ') || '    x: 1'}\n  hosts:\n    h1:\n${y({ ...base, ...hostVars }, '      ')}\n`);
  return file;
}

test.before(async () => {
  tmp = tempDir('etcdplay-hkc-');
  sshd = await startSshd({ address: '127.0.0.64', users: ['root'] });
  // A known_hosts entry with another key: the host's real key does not match.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp.dir, 'other')]);
  const other = readFileSync(join(tmp.dir, 'other.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(join(tmp.dir, 'known_hosts'), `[${sshd.address}]:${sshd.port} ${other}\n`);
  writeFileSync(join(tmp.dir, 'pb.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: touch\n      command: touch ${tmp.dir}/ran\n`);
  writeFileSync(join(tmp.dir, 'pb-vars.yml'), `- hosts: all\n  gather_facts: false\n  vars:\n    ansible_ssh_extra_args: -o StrictHostKeyChecking=no\n  tasks:\n    - name: touch\n      command: touch ${tmp.dir}/ran\n`);
  inv = inventory({});
});
test.after(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

const pb = () => join(tmp.dir, 'pb.yml');

function refused(r: { code: number; out: string; err: string }, what: string, where: RegExp): void {
  const all = r.out + r.err;
  assert.is(r.code, 2, all);
  assert.match(all, 'host-key checking would be weakened by a file');
  assert.match(all, what);
  assert.match(all, where);
  assert.match(all, /Fix: remove it from \w+, or, if this host really must be reached without checking its key, pass --host-key-checking (off|accept-new)/);
  assert.not.match(sshd.log(), /Accepted publickey/, 'nothing was contacted');
}

test('StrictHostKeyChecking=no in the inventory, the play vars, or -e: refused before connecting (default and explicit strict)', () => {
  const fromInv = inventory({ ansible_ssh_common_args: '-o StrictHostKeyChecking=no' });
  refused(cli(tmp.dir, ['run', pb(), '-i', fromInv]), 'ansible_ssh_common_args sets StrictHostKeyChecking=no', /set in the inventory, host h1 \(.*inv-\w+\.yml:\d+:\d+\)/);
  refused(cli(tmp.dir, ['run', pb(), '-i', fromInv, '--host-key-checking', 'strict']), "below this run's strict (--host-key-checking)", /host h1/);
  refused(cli(tmp.dir, ['run', pb(), '-i', inventory({}, { ansible_ssh_common_args: '-o StrictHostKeyChecking=no' })]), 'StrictHostKeyChecking=no', /set in the inventory, group all/);
  refused(cli(tmp.dir, ['run', join(tmp.dir, 'pb-vars.yml'), '-i', inv, '--host-key-checking', 'strict']), 'ansible_ssh_extra_args sets StrictHostKeyChecking=no', /set in the vars of play "all" \(.*pb-vars\.yml:1:3\)/);
  refused(cli(tmp.dir, ['run', pb(), '-i', inv, '-e', 'ansible_ssh_common_args="-o StrictHostKeyChecking=no"']), 'StrictHostKeyChecking=no', /set in the extra vars \(-e\)/);
  refused(cli(tmp.dir, ['adhoc', 'h1', '-i', fromInv, '-a', `touch ${tmp.dir}/ran`]), 'StrictHostKeyChecking=no', /host h1/);
});

test('UserKnownHostsFile=/dev/null from a file under accept-new: refused (every key would be new, so trusted)', () => {
  const i = inventory({ ansible_ssh_common_args: '-o UserKnownHostsFile=/dev/null' });
  refused(cli(tmp.dir, ['run', pb(), '-i', i, '--host-key-checking', 'accept-new']), 'UserKnownHostsFile=/dev/null', /host h1/);
  refused(cli(tmp.dir, ['run', pb(), '-i', inventory({ etcdplay_known_hosts_file: '/dev/null' }), '--host-key-checking', 'accept-new']), 'etcdplay_known_hosts_file is /dev/null', /host h1/);
});

test('with the operator\'s own --host-key-checking off the same inventory runs (mismatch accepted with a warning)', () => {
  const r = cli(tmp.dir, ['run', pb(), '-i', inventory({ ansible_ssh_common_args: '-o StrictHostKeyChecking=no' }), '--host-key-checking', 'off']);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(readFileSync(join(tmp.dir, 'known_hosts'), 'utf8'), '[127.0.0.64]');
});

test('a file may make checking stricter: StrictHostKeyChecking=yes under --host-key-checking off refuses the mismatching key', () => {
  const r = cli(tmp.dir, ['run', pb(), '-i', inventory({ ansible_ssh_common_args: '-o StrictHostKeyChecking=yes' }), '--host-key-checking', 'off']);
  assert.is(r.code, 4, r.out + r.err);
  assert.match(r.out + r.err, 'does not match');
});

test.run();
