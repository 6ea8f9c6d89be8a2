import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, freePort, type Sshd } from '../../support/sshd.js';
import { createConnection, ConnectionPool } from '../../../src/connection/factory.js';
import { LocalConnection } from '../../../src/connection/local.js';
import { SshConnection } from '../../../src/connection/ssh.js';
import { UnreachableError } from '../../../src/errors.js';
import { varsFor, tempDir, noSshConfig } from './_helpers.js';

const PWUSER = 'etcdplay-pw';
const PASSWORD = 'pw-for-tests-1';
let s1: Sshd;
let s2: Sshd;
let pw: Sshd;
let tmp: ReturnType<typeof tempDir>;

function removeUser(): void {
  try { execFileSync('userdel', ['-r', '-f', PWUSER], { stdio: 'ignore' }); } catch { /* absent */ }
}

test.before(async () => {
  tmp = tempDir();
  s1 = await startSshd({ address: '127.0.0.71' });
  s2 = await startSshd({ address: '127.0.0.72' });
  removeUser();
  execFileSync('useradd', ['-m', '-s', '/bin/sh', PWUSER]);
  execFileSync('chpasswd', { input: `${PWUSER}:${PASSWORD}\n` });
  pw = await startSshd({ address: '127.0.0.73', users: [], passwordAuth: true, usePam: true });
});

test.after(async () => {
  try {
    for (const s of [s1, s2, pw]) await s?.stop();
  } finally {
    removeUser();
    tmp?.cleanup();
  }
});

const logins = (s: Sshd) => (s.log().match(/Accepted \S+ for/g) ?? []).length;

test('the pool opens one connection per host, lazily and concurrently, and closes them all', async () => {
  const pool = new ConnectionPool({ hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  const before1 = logins(s1);
  const before2 = logins(s2);
  const inv = { a: varsFor(s1), b: varsFor(s2) };
  assert.is(logins(s1), before1, 'nothing opened before get()');
  const got = await Promise.all([pool.get('a', inv.a), pool.get('b', inv.b), pool.get('a', inv.a), pool.get('a', inv.a)]);
  assert.ok(got[0] === got[2] && got[0] === got[3]);
  assert.instance(got[0], SshConnection);
  await Promise.all(got.map((c) => c.exec({ kind: 'exec', argv: ['true'] })));
  assert.ok((await pool.get('a', inv.a)) === got[0]);
  assert.is(logins(s1), before1 + 1);
  assert.is(logins(s2), before2 + 1);
  await pool.closeAll();
  await s1.waitForLog(/Disconnected from user root/);
});

test('pool: an unreachable host throws UnreachableError (one line), the others still work', async () => {
  const pool = new ConnectionPool({ hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  const port = await freePort('127.0.0.74');
  try {
    const [ok, bad] = await Promise.allSettled([pool.get('a', varsFor(s1)), pool.get('etcd2', { ansible_host: '127.0.0.74', ansible_port: port })]);
    assert.is(ok.status, 'fulfilled');
    assert.is(bad.status, 'rejected');
    const err = (bad as PromiseRejectedResult).reason as Error;
    assert.instance(err, UnreachableError);
    assert.is(err.message, `etcd2: connect ECONNREFUSED 127.0.0.74:${port}`);
  } finally {
    await pool.closeAll();
  }
});

test('local hosts: ansible_connection local, or localhost / 127.0.0.1 without ansible_host', () => {
  const o = { hostKeyChecking: 'strict' as const };
  assert.instance(createConnection('anything', { ansible_connection: 'local' }, o), LocalConnection);
  assert.instance(createConnection('localhost', {}, o), LocalConnection);
  assert.instance(createConnection('127.0.0.1', {}, o), LocalConnection);
  assert.instance(createConnection('localhost', { ansible_host: '127.0.0.71' }, o), SshConnection);
  assert.instance(createConnection('localhost', { ansible_connection: 'ssh' }, o), SshConnection);
  assert.throws(() => createConnection('w', { ansible_connection: 'winrm' }, o), /not supported/);
});

test('password authentication (ansible_password) and keyboard-interactive (--ask-pass)', async () => {
  const kh = join(tmp.dir, 'pw_known');
  writeFileSync(kh, `${pw.knownHostsLine}\n`);
  const base = { ansible_host: pw.address, ansible_port: pw.port, ansible_user: PWUSER, etcdplay_known_hosts_file: kh };
  const c = createConnection('pw', { ...base, ansible_password: PASSWORD }, { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  try {
    assert.is((await c.exec({ kind: 'exec', argv: ['id', '-un'] })).stdout, `${PWUSER}\n`);
  } finally {
    await c.close();
  }
  assert.match(pw.log(), new RegExp(`Accepted (password|keyboard-interactive/pam) for ${PWUSER}`));
  const c2 = createConnection('pw', base, { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir), password: PASSWORD });
  try {
    assert.is((await c2.exec({ kind: 'exec', argv: ['id', '-un'] })).stdout, `${PWUSER}\n`);
  } finally {
    await c2.close();
  }
  const bad = createConnection('pw', { ...base, ansible_password: 'nope' }, { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  try {
    await bad.exec({ kind: 'exec', argv: ['true'] });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, UnreachableError);
    assert.match((err as Error).message, /authentication failed .*tried: password, keyboard-interactive/);
    assert.not.ok((err as Error).message.includes('nope'));
  }
});

test('keyboard-interactive alone (server offers only PAM challenge-response)', async () => {
  const kbd = await startSshd({ address: '127.0.0.75', users: [], usePam: true, extraConfig: ['AuthenticationMethods keyboard-interactive'] });
  try {
    const kh = join(tmp.dir, 'kbd_known');
    writeFileSync(kh, `${kbd.knownHostsLine}\n`);
    const c = createConnection('kbd', { ansible_host: kbd.address, ansible_port: kbd.port, ansible_user: PWUSER, etcdplay_known_hosts_file: kh, ansible_password: PASSWORD }, { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
    try {
      assert.is((await c.exec({ kind: 'exec', argv: ['id', '-un'] })).stdout, `${PWUSER}\n`);
    } finally {
      await c.close();
    }
    assert.match(kbd.log(), new RegExp(`Accepted keyboard-interactive/pam for ${PWUSER}`));
  } finally {
    await kbd.stop();
  }
});

test('an encrypted private key asks promptPassphrase once for all hosts; a slow prompt does not count against the connect timeout', async () => {
  const key = join(tmp.dir, 'enc_key');
  copyFileSync(s1.clientKeyPath, key);
  execFileSync('ssh-keygen', ['-p', '-q', '-N', 'hunter2', '-P', '', '-f', key], { stdio: 'ignore' });
  // s2 accepts the same key: authorize it there through the s1 key's public half.
  const pub = execFileSync('ssh-keygen', ['-y', '-P', 'hunter2', '-f', key]).toString().trim();
  writeFileSync(join(s2.dir, 'authorized_keys', 'root'), `${s2.clientPublicKey}\n${pub}\n`);
  const asked: string[] = [];
  const pool = new ConnectionPool({
    hostKeyChecking: 'strict',
    sshConfigFile: noSshConfig(tmp.dir),
    connectTimeoutMs: 1500,
    promptPassphrase: async (f) => { asked.push(f); await new Promise((r) => setTimeout(r, 3000)); return 'hunter2'; },
  });
  try {
    const [a, b] = await Promise.all([
      pool.get('enc1', varsFor(s1, { ansible_ssh_private_key_file: key })),
      pool.get('enc2', varsFor(s2, { ansible_ssh_private_key_file: key })),
    ]);
    assert.is((await a.exec({ kind: 'exec', argv: ['true'] })).rc, 0);
    assert.is((await b.exec({ kind: 'exec', argv: ['true'] })).rc, 0);
  } finally {
    await pool.closeAll();
  }
  assert.equal(asked, [key]);
});

test('ssh-agent (SSH_AUTH_SOCK) is used', async () => {
  const sock = join(tmp.dir, 'agent.sock');
  const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  const saved = process.env['SSH_AUTH_SOCK'];
  try {
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    execFileSync('ssh-add', ['-q', s1.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    process.env['SSH_AUTH_SOCK'] = sock;
    const vars = varsFor(s1);
    delete vars['ansible_ssh_private_key_file'];
    const c = createConnection('agent', vars, { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
    try {
      assert.is((await c.exec({ kind: 'exec', argv: ['true'] })).rc, 0);
    } finally {
      await c.close();
    }
  } finally {
    if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
    else process.env['SSH_AUTH_SOCK'] = saved;
    agent.kill();
  }
});

test('defaults from $HOME: ~/.ssh/config, ~/.ssh/id_ed25519 and ~/.ssh/known_hosts; inventory vars win over the config', async () => {
  const home = join(tmp.dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(s1.clientKeyPath, join(home, '.ssh', 'id_ed25519'));
  writeFileSync(join(home, '.ssh', 'known_hosts'), `${s1.knownHostsLine}\n${s2.knownHostsLine}\n`);
  writeFileSync(join(home, '.ssh', 'config'), [
    'Host node1',
    `  HostName ${s1.address}`,
    `  Port ${s1.port}`,
    '  User root',
    'Host *',
    '  User nobody-here',
    '',
  ].join('\n'));
  const saved = process.env['HOME'];
  process.env['HOME'] = home;
  try {
    const c = createConnection('node1', {}, { hostKeyChecking: 'strict' });
    try {
      assert.match((await c.exec({ kind: 'exec', argv: ['sh', '-c', 'echo "$SSH_CONNECTION"'] })).stdout, new RegExp(` 127\\.0\\.0\\.71 ${s1.port}\\n$`));
    } finally {
      await c.close();
    }
    // Inventory vars beat the config: same name, but ansible_host/port point at s2 (whose key also works here).
    const s2KeyHome = join(home, '.ssh', 'id_ed25519');
    copyFileSync(s2.clientKeyPath, s2KeyHome);
    const c2 = createConnection('node1', { ansible_host: s2.address, ansible_port: s2.port, ansible_user: 'root' }, { hostKeyChecking: 'strict' });
    try {
      assert.match((await c2.exec({ kind: 'exec', argv: ['sh', '-c', 'echo "$SSH_CONNECTION"'] })).stdout, new RegExp(` 127\\.0\\.0\\.72 ${s2.port}\\n$`));
    } finally {
      await c2.close();
    }
    assert.ok(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8').split('\n').length === 3);
  } finally {
    if (saved === undefined) delete process.env['HOME'];
    else process.env['HOME'] = saved;
  }
});

test.run();
