import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { startSshd, freePort, type Sshd } from '../../support/sshd.js';
import { createConnection, type ConnectOptions } from '../../../src/connection/factory.js';
import { UnreachableError } from '../../../src/errors.js';
import { knownHostsLine } from '../../../src/connection/knownhosts.js';
import { tempDir, noSshConfig } from './_helpers.js';

let sshd: Sshd;
let other: Sshd;
let tmp: ReturnType<typeof tempDir>;

test.before(async () => {
  tmp = tempDir();
  sshd = await startSshd({ address: '127.0.0.31' });
  other = await startSshd({ address: '127.0.0.32' }); // a different host key, for mismatches
});

test.after(async () => {
  await sshd?.stop();
  await other?.stop();
  tmp?.cleanup();
});

function opts(extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir), ...extra };
}

function vars(knownHostsFile: string, extra: Record<string, unknown> = {}) {
  return {
    ansible_host: sshd.address,
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: sshd.clientKeyPath,
    etcdplay_known_hosts_file: knownHostsFile,
    ...extra,
  };
}

async function refused(p: Promise<unknown>): Promise<UnreachableError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, UnreachableError);
    assert.not.match((err as Error).message, /\n/, 'one-line message');
    return err as UnreachableError;
  }
  throw new Error('expected the connection to be refused');
}

const hostKeyB64 = () => sshd.hostKeyPublic.split(' ')[1]!;
const otherKeyLine = () => `[${sshd.address}]:${sshd.port} ${other.hostKeyPublic}`;
const fingerprintOf = (pub: string) => execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: pub }).toString().split(' ')[1]!;

test('a matching plain entry connects', async () => {
  const kh = join(tmp.dir, 'plain');
  writeFileSync(kh, `# comment\n\nsomeone-else ${other.hostKeyPublic}\n${sshd.knownHostsLine}\n`);
  const c = createConnection('hk1', vars(kh), opts());
  try {
    assert.is((await c.exec({ kind: 'exec', argv: ['echo', 'ok'] })).stdout, 'ok\n');
  } finally {
    await c.close();
  }
});

test('comma-separated host list and wildcard patterns match; a negated pattern excludes', async () => {
  const kh = join(tmp.dir, 'lists');
  writeFileSync(kh, `etcd9,[${sshd.address}]:${sshd.port},10.9.9.9 ${sshd.hostKeyPublic}\n`);
  let c = createConnection('hk2', vars(kh), opts());
  try { await c.exec({ kind: 'exec', argv: ['true'] }); } finally { await c.close(); }
  writeFileSync(kh, `[127.0.0.3?]:* ${sshd.hostKeyPublic}\n`);
  c = createConnection('hk2', vars(kh), opts());
  try { await c.exec({ kind: 'exec', argv: ['true'] }); } finally { await c.close(); }
  writeFileSync(kh, `[127.0.0.*]:*,![${sshd.address}]:${sshd.port} ${sshd.hostKeyPublic}\n`);
  c = createConnection('hk2', vars(kh), opts());
  const err = await refused(c.exec({ kind: 'exec', argv: ['true'] }));
  assert.match(err.message, /not known/);
});

test('a hashed entry (ssh-keygen -H) works', async () => {
  const kh = join(tmp.dir, 'hashed');
  writeFileSync(kh, `${sshd.knownHostsLine}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  const text = readFileSync(kh, 'utf8');
  assert.match(text, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
  assert.not.match(text, new RegExp(sshd.address.replace(/\./g, '\\.')));
  const c = createConnection('hk3', vars(kh), opts());
  try {
    assert.is((await c.exec({ kind: 'exec', argv: ['echo', 'hashed'] })).stdout, 'hashed\n');
  } finally {
    await c.close();
  }
  // Our own hashed lines are readable by OpenSSH.
  const ours = join(tmp.dir, 'ours-hashed');
  writeFileSync(ours, knownHostsLine(sshd.address, sshd.port, Buffer.from(hostKeyB64(), 'base64'), true) + '\n');
  const found = execFileSync('ssh-keygen', ['-F', `[${sshd.address}]:${sshd.port}`, '-f', ours]).toString();
  assert.match(found, /Host \[127\.0\.0\.31\]:\d+ found: line 1/);
});

test('a mismatching key is refused with the file:line, the fingerprint seen and the ssh-keygen -R fix', async () => {
  const kh = join(tmp.dir, 'mismatch');
  writeFileSync(kh, `# first line\n${otherKeyLine()}\n`);
  const c = createConnection('hk4', vars(kh), opts());
  const err = await refused(c.exec({ kind: 'exec', argv: ['true'] }));
  assert.match(err.message, /^hk4: host key for \[127\.0\.0\.31\]:\d+ does not match/);
  assert.ok(err.message.includes(`${kh}:2`), err.message);
  assert.ok(err.message.includes(fingerprintOf(sshd.hostKeyPublic)), err.message);
  assert.ok(err.message.includes(`ssh-keygen -R '[${sshd.address}]:${sshd.port}' -f ${kh}`), err.message);
  // The fix in the message does what it says.
  execFileSync('ssh-keygen', ['-R', `[${sshd.address}]:${sshd.port}`, '-f', kh], { stdio: 'ignore' });
  writeFileSync(kh, `${readFileSync(kh, 'utf8')}${sshd.knownHostsLine}\n`);
  const again = createConnection('hk4', vars(kh), opts());
  try { await again.exec({ kind: 'exec', argv: ['true'] }); } finally { await again.close(); }
});

test('a mismatch is refused under accept-new too; off accepts it with a warning', async () => {
  const kh = join(tmp.dir, 'mismatch2');
  writeFileSync(kh, `${otherKeyLine()}\n`);
  await refused(createConnection('hk5', vars(kh), opts({ hostKeyChecking: 'accept-new' })).exec({ kind: 'exec', argv: ['true'] }));
  const warnings: string[] = [];
  const c = createConnection('hk5', vars(kh), opts({ hostKeyChecking: 'off', onWarning: (m) => warnings.push(m) }));
  try {
    await c.exec({ kind: 'exec', argv: ['true'] });
  } finally {
    await c.close();
  }
  assert.ok(warnings.some((w) => /does not match/.test(w)), warnings.join('\n'));
  assert.is(readFileSync(kh, 'utf8'), `${otherKeyLine()}\n`, 'off never writes');
});

test('unknown host: refused under strict, accepted and recorded under accept-new (file created 0600)', async () => {
  const kh = join(tmp.dir, 'sub', 'new_known_hosts');
  const err = await refused(createConnection('hk6', vars(kh), opts()).exec({ kind: 'exec', argv: ['true'] }));
  assert.match(err.message, /host key for \[127\.0\.0\.31\]:\d+ is not known/);
  assert.ok(err.message.includes(fingerprintOf(sshd.hostKeyPublic)), err.message);
  assert.ok(err.message.includes('accept-new'), err.message);
  assert.not.ok(existsSync(kh));

  const warnings: string[] = [];
  const c = createConnection('hk6', vars(kh), opts({ hostKeyChecking: 'accept-new', onWarning: (m) => warnings.push(m) }));
  try {
    await c.exec({ kind: 'exec', argv: ['true'] });
  } finally {
    await c.close();
  }
  assert.is(readFileSync(kh, 'utf8'), `${sshd.knownHostsLine}\n`);
  assert.is(statSync(kh).mode & 0o777, 0o600);
  assert.ok(warnings.some((w) => w.includes('added')));
  // Now strict accepts it, and OpenSSH agrees with what we wrote.
  const strict = createConnection('hk6', vars(kh), opts());
  try { await strict.exec({ kind: 'exec', argv: ['true'] }); } finally { await strict.close(); }
  execFileSync('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${kh}`, '-i', sshd.clientKeyPath,
    '-p', String(sshd.port), `root@${sshd.address}`, 'true'], { stdio: 'ignore' });
});

test('accept-new appends to an existing file without touching other lines', async () => {
  const kh = join(tmp.dir, 'existing');
  writeFileSync(kh, `other-host ${other.hostKeyPublic}`); // no trailing newline
  const c = createConnection('hk7', vars(kh), opts({ hostKeyChecking: 'accept-new' }));
  try { await c.exec({ kind: 'exec', argv: ['true'] }); } finally { await c.close(); }
  assert.is(readFileSync(kh, 'utf8'), `other-host ${other.hostKeyPublic}\n${sshd.knownHostsLine}\n`);
});

test('off accepts an unknown host with a warning and writes nothing', async () => {
  const kh = join(tmp.dir, 'never-written');
  const warnings: string[] = [];
  const c = createConnection('hk8', vars(kh), opts({ hostKeyChecking: 'off', onWarning: (m) => warnings.push(m) }));
  try { await c.exec({ kind: 'exec', argv: ['true'] }); } finally { await c.close(); }
  assert.ok(warnings.some((w) => /without checking/.test(w)));
  assert.not.ok(existsSync(kh));
});

test('@revoked key is refused even under off, even with a matching line', async () => {
  const kh = join(tmp.dir, 'revoked');
  writeFileSync(kh, `${sshd.knownHostsLine}\n@revoked * ${sshd.hostKeyPublic}\n`);
  for (const mode of ['strict', 'accept-new', 'off'] as const) {
    const err = await refused(createConnection('hk9', vars(kh), opts({ hostKeyChecking: mode })).exec({ kind: 'exec', argv: ['true'] }));
    assert.match(err.message, /@revoked/);
    assert.ok(err.message.includes(`${kh}:2`));
  }
});

test('@cert-authority lines are ignored (no host certificates)', async () => {
  const kh = join(tmp.dir, 'ca');
  writeFileSync(kh, `@cert-authority * ${sshd.hostKeyPublic}\n`);
  const err = await refused(createConnection('hk10', vars(kh), opts()).exec({ kind: 'exec', argv: ['true'] }));
  assert.match(err.message, /not known/);
});

test('UserKnownHostsFile from ansible_ssh_common_args; StrictHostKeyChecking=accept-new there only under the operator\'s accept-new', async () => {
  const kh = join(tmp.dir, 'from-args');
  writeFileSync(kh, `${sshd.knownHostsLine}\n`);
  const base = { ansible_host: sshd.address, ansible_port: sshd.port, ansible_user: 'root', ansible_ssh_private_key_file: sshd.clientKeyPath };
  const c = createConnection('hk11', { ...base, ansible_ssh_common_args: `-o UserKnownHostsFile="${kh}"` }, opts());
  try { await c.exec({ kind: 'exec', argv: ['true'] }); } finally { await c.close(); }
  const fresh = join(tmp.dir, 'fresh');
  const args = { ...base, ansible_ssh_common_args: `-o UserKnownHostsFile=${fresh} -o StrictHostKeyChecking=accept-new` };
  // A file cannot weaken the run's strict checking (issue 15 point 4): refused before connecting.
  assert.throws(() => createConnection('hk11', args, opts()), /StrictHostKeyChecking=accept-new, which would weaken host-key checking below this run's strict/);
  const c2 = createConnection('hk11', args, opts({ hostKeyChecking: 'accept-new' }));
  try { await c2.exec({ kind: 'exec', argv: ['true'] }); } finally { await c2.close(); }
  assert.is(readFileSync(fresh, 'utf8'), `${sshd.knownHostsLine}\n`);
});

test('UserKnownHostsFile and StrictHostKeyChecking from the ssh config file', async () => {
  const kh = join(tmp.dir, 'cfg_known');
  const cfg = join(tmp.dir, 'ssh_config');
  writeFileSync(cfg, `Host cfg-*\n  HostName ${sshd.address}\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n  UserKnownHostsFile ${kh}\n  StrictHostKeyChecking accept-new\n`);
  const c = createConnection('cfg-host', {}, { hostKeyChecking: 'strict', sshConfigFile: cfg });
  try { assert.is((await c.exec({ kind: 'exec', argv: ['id', '-un'] })).stdout, 'root\n'); } finally { await c.close(); }
  assert.is(readFileSync(kh, 'utf8'), `${sshd.knownHostsLine}\n`);
});

test('unreachable: connection refused -> UnreachableError naming host and address', async () => {
  const port = await freePort('127.0.0.33');
  const c = createConnection('etcd2', { ansible_host: '127.0.0.33', ansible_port: port }, opts());
  const err = await refused(c.exec({ kind: 'exec', argv: ['true'] }));
  assert.is(err.message, `etcd2: connect ECONNREFUSED 127.0.0.33:${port}`);
  assert.is(err.host, 'etcd2');
});

test('unreachable: a server that never speaks -> timeout UnreachableError', async () => {
  const silent: Server = createServer(() => { /* accept and say nothing */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.34', () => r()));
  const port = (silent.address() as { port: number }).port;
  try {
    const c = createConnection('mute', { ansible_host: '127.0.0.34', ansible_port: port }, opts({ connectTimeoutMs: 700 }));
    const err = await refused(c.exec({ kind: 'exec', argv: ['true'] }));
    assert.match(err.message, /^mute: connect timed out after 0\.7 s \(127\.0\.0\.34:\d+\)$/);
  } finally {
    silent.close();
  }
});

test('authentication failure -> UnreachableError listing what was tried', async () => {
  const kh = join(tmp.dir, 'auth');
  writeFileSync(kh, `${sshd.knownHostsLine}\n`);
  const c = createConnection('noauth', vars(kh, { ansible_ssh_private_key_file: other.clientKeyPath }), opts());
  const err = await refused(c.exec({ kind: 'exec', argv: ['true'] }));
  assert.match(err.message, /^noauth: authentication failed for root@127\.0\.0\.31:\d+ \(tried: publickey .*client_key\)$/);
});

test.run();
