import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { createConnection } from '../../../src/connection/factory.js';
import type { Connection } from '../../../src/connection/connection.js';
import { CommandFailedError } from '../../../src/errors.js';
import { varsFor, tempDir, noSshConfig } from './_helpers.js';

const USER = 'etcdplay-sudo';
const PASSWORD = "s3cret pass'word $(x)";
const RULE = `/etc/sudoers.d/${USER}`;
const root = { user: 'root', method: 'sudo' as const };

let sshd: Sshd;
let conn: Connection;
let tmp: ReturnType<typeof tempDir>;

function removeUser(): void {
  try { execFileSync('userdel', ['-r', '-f', USER], { stdio: 'ignore' }); } catch { /* absent */ }
  rmSync(RULE, { force: true });
}

test.before(async () => {
  tmp = tempDir();
  removeUser();
  execFileSync('useradd', ['-m', '-s', '/bin/sh', USER]);
  execFileSync('chpasswd', { input: `${USER}:${PASSWORD}\n` });
  // Password required every time (no cached credentials between tests).
  writeFileSync(RULE, `Defaults:${USER} timestamp_timeout=0, !lecture\n${USER} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
  execFileSync('visudo', ['-c', '-f', RULE], { stdio: 'ignore' });
  sshd = await startSshd({ address: '127.0.0.41', users: ['root', USER] });
  conn = createConnection('sudo1', varsFor(sshd, {}, USER), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
});

test.after(async () => {
  try {
    await conn?.close();
    await sshd?.stop();
  } finally {
    removeUser();
    tmp?.cleanup();
  }
});

test('without become the command runs as the login user', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['id', '-un'] });
  assert.is(r.stdout, `${USER}\n`);
});

test('become root with the password: runs as root, no sudo chatter in the output', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'id -un; echo to-stderr >&2'] }, { become: root, becomePassword: PASSWORD });
  assert.is(r.rc, 0, r.stderr);
  assert.is(r.stdout, 'root\n');
  assert.is(r.stderr, 'to-stderr\n');
  assert.not.ok(r.stdout.includes(PASSWORD) || r.stderr.includes(PASSWORD));
  assert.not.match(r.stderr, /etcdplay-sudo-|password/);
  // sshd logged the command: the password is not part of it.
  assert.not.ok(sshd.log().includes(PASSWORD));
});

test('become with stdin, env and quoting: stdin reaches the command, not sudo', async () => {
  const marker = `${tmp.dir}/pwned`;
  const r = await conn.exec(
    { kind: 'exec', argv: ['sh', '-c', 'cat; printf "[%s]" "$V" "$1"', 'sh', `$(touch ${marker})`], env: { V: "it's $(touch x)" }, stdin: 'line one\nline two\n' },
    { become: root, becomePassword: PASSWORD },
  );
  assert.is(r.rc, 0, r.stderr);
  assert.is(r.stdout, `line one\nline two\n[it's $(touch x)][$(touch ${marker})]`);
  assert.not.ok(existsSync(marker));
});

test('become another user (-u)', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: { user: 'nobody', method: 'sudo' }, becomePassword: PASSWORD });
  assert.is(r.stdout, 'nobody\n');
});

test('become the login user itself runs without sudo (no password needed)', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: { user: USER, method: 'sudo' } });
  assert.is(r.stdout, `${USER}\n`);
});

test('exit codes pass through sudo', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'exit 42'] }, { become: root, becomePassword: PASSWORD });
  assert.is(r.rc, 42);
});

test('a wrong become password fails clearly instead of hanging', async () => {
  try {
    await conn.exec({ kind: 'exec', argv: ['id'] }, { become: root, becomePassword: 'wrong' });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
    assert.match((err as Error).message, /^sudo1: sudo: incorrect become password/);
    assert.not.ok((err as Error).message.includes('wrong'));
  }
  // The connection is still usable afterwards.
  const r = await conn.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: root, becomePassword: PASSWORD });
  assert.is(r.stdout, 'root\n');
});

test('no become password when sudo asks for one -> clear error', async () => {
  try {
    await conn.exec({ kind: 'exec', argv: ['id'] }, { become: root });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
    assert.match((err as Error).message, /sudo asked for a password but no become password was given/);
  }
});

test('ansible_become_password (or ConnectOptions.becomePassword) is used when exec gives none', async () => {
  const c = createConnection('sudo2', varsFor(sshd, { ansible_become_password: PASSWORD }, USER), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  const c2 = createConnection('sudo3', varsFor(sshd, {}, USER), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir), becomePassword: PASSWORD });
  try {
    assert.is((await c.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: root })).stdout, 'root\n');
    assert.is((await c2.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: root })).stdout, 'root\n');
  } finally {
    await c.close();
    await c2.close();
  }
});

test('root login with NOPASSWD-free sudo (root needs no password): become works without one', async () => {
  const c = createConnection('sudo-root', varsFor(sshd), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  try {
    const r = await c.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: { user: 'nobody', method: 'sudo' } });
    assert.is(r.stdout, 'nobody\n');
  } finally {
    await c.close();
  }
});

test('put and get with become into a root-only directory', async () => {
  const dir = `${tmp.dir}/root-only`;
  mkdirSync(dir, { mode: 0o700 });
  const dest = `${dir}/secret.conf`;
  const data = Buffer.from('key=value\n'.repeat(1000));
  const out = await conn.put(Readable.from([data]), data.length, dest, { become: root, becomePassword: PASSWORD, mode: '0640', owner: 'root', group: USER });
  assert.is(out.bytes, data.length);
  assert.equal(readFileSync(dest), data);
  const st = execFileSync('stat', ['-c', '%a %U %G', dest]).toString().trim();
  assert.is(st, `640 root ${USER}`);
  // Without become the login user cannot write there: a clear failure, no temp file left.
  try {
    await conn.put(Readable.from([data]), data.length, dest);
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CommandFailedError);
  }
  assert.equal(execFileSync('ls', ['-A', dir]).toString(), 'secret.conf\n');
  const chunks: Buffer[] = [];
  const { Writable } = await import('node:stream');
  const sink = new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } });
  const got = await conn.get(dest, sink, { become: root, becomePassword: PASSWORD });
  assert.equal(Buffer.concat(chunks), data);
  assert.is(got.sha256, out.sha256);
});

test.run();
