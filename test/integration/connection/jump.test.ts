import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { createConnection } from '../../../src/connection/factory.js';
import { UnreachableError } from '../../../src/errors.js';
import { tempDir } from './_helpers.js';

let target: Sshd;
let jump1: Sshd;
let jump2: Sshd;
let closed: Sshd; // a jump that forbids forwarding
let tmp: ReturnType<typeof tempDir>;
let knownHosts: string;
let noConfig: string;

test.before(async () => {
  tmp = tempDir();
  noConfig = join(tmp.dir, 'none');
  target = await startSshd({ address: '127.0.0.62' });
  // The jumps accept the target's client key too, so one key opens the whole chain.
  const users = [{ name: 'root', publicKeys: [target.clientPublicKey] }];
  jump1 = await startSshd({ address: '127.0.0.61', users, logLevel: 'DEBUG1' });
  jump2 = await startSshd({ address: '127.0.0.63', users, logLevel: 'DEBUG1' });
  closed = await startSshd({ address: '127.0.0.64', users, extraConfig: ['AllowTcpForwarding no'] });
  knownHosts = join(tmp.dir, 'known_hosts');
  writeFileSync(knownHosts, [target, jump1, jump2, closed].map((s) => s.knownHostsLine).join('\n') + '\n');
});

test.after(async () => {
  for (const s of [target, jump1, jump2, closed]) await s?.stop();
  tmp?.cleanup();
});

const spec = (s: Sshd) => `root@${s.address}:${s.port}`;

function targetVars(commonArgs: string, kh = knownHosts) {
  return {
    ansible_host: target.address,
    ansible_port: target.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: target.clientKeyPath,
    etcdplay_known_hosts_file: kh,
    ansible_ssh_common_args: commonArgs,
  };
}

/** What sshd (LogLevel DEBUG1) logs when a client asks it to open a TCP connection to the target. */
const directTcpip = (_s: Sshd) => new RegExp(`server_request_direct_tcpip: originator .* target 127\\.0\\.0\\.62 port ${target.port}`);

test('ProxyJump user@host:port: the target is reached through the jump', async () => {
  const before = (target.log().match(/Accepted publickey for root/g) ?? []).length;
  const c = createConnection('behind', targetVars(`-o ProxyJump=${spec(jump1)}`), { hostKeyChecking: 'strict', sshConfigFile: noConfig });
  try {
    const r = await c.exec({ kind: 'exec', argv: ['sh', '-c', 'echo "$SSH_CONNECTION"'] });
    // The target sees a connection arriving on its own address and port.
    assert.match(r.stdout, new RegExp(` 127\\.0\\.0\\.62 ${target.port}\\n$`));
  } finally {
    await c.close();
  }
  // The jump opened a direct-tcpip channel to the target, and the target accepted one more login.
  await jump1.waitForLog(directTcpip(jump1));
  assert.match(jump1.log(), /Accepted publickey for root/);
  assert.is((target.log().match(/Accepted publickey for root/g) ?? []).length, before + 1);
});

test('negative control: through a jump that forbids forwarding, the target is not reachable', async () => {
  const c = createConnection('behind', targetVars(`-J ${spec(closed)}`), { hostKeyChecking: 'strict', sshConfigFile: noConfig });
  try {
    await c.exec({ kind: 'exec', argv: ['true'] });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, UnreachableError);
    assert.match((err as Error).message, new RegExp(`^behind: jump root@127\\.0\\.0\\.64:${closed.port}: cannot reach 127\\.0\\.0\\.62:${target.port}`));
  }
});

test('a chain of two jumps (a,b): both forward, the target is reached', async () => {
  const c = createConnection('behind2', targetVars(`-o ProxyJump=${spec(jump1)},${spec(jump2)}`), { hostKeyChecking: 'strict', sshConfigFile: noConfig });
  try {
    const r = await c.exec({ kind: 'exec', argv: ['hostname'] });
    assert.is(r.rc, 0);
  } finally {
    await c.close();
  }
  // jump1 forwarded to jump2, jump2 forwarded to the target.
  await jump1.waitForLog(new RegExp(`server_request_direct_tcpip: originator .* target 127\\.0\\.0\\.63 port ${jump2.port}`));
  await jump2.waitForLog(directTcpip(jump2));
});

test('every hop is verified: an unknown jump host key is refused, naming the jump', async () => {
  const kh = join(tmp.dir, 'only-target');
  writeFileSync(kh, `${target.knownHostsLine}\n`);
  const c = createConnection('behind3', targetVars(`-o ProxyJump=${spec(jump1)}`, kh), { hostKeyChecking: 'strict', sshConfigFile: noConfig });
  try {
    await c.exec({ kind: 'exec', argv: ['true'] });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, UnreachableError);
    assert.match((err as Error).message, new RegExp(`^behind3: jump root@127\\.0\\.0\\.61:${jump1.port}: host key for \\[127\\.0\\.0\\.61\\]:${jump1.port} is not known`));
  }
});

test('every hop is verified: a wrong key for the target behind a good jump is refused', async () => {
  const kh = join(tmp.dir, 'wrong-target');
  writeFileSync(kh, `${jump1.knownHostsLine}\n[${target.address}]:${target.port} ${jump2.hostKeyPublic}\n`);
  const c = createConnection('behind4', targetVars(`-o ProxyJump=${spec(jump1)}`, kh), { hostKeyChecking: 'strict', sshConfigFile: noConfig });
  try {
    await c.exec({ kind: 'exec', argv: ['true'] });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, UnreachableError);
    assert.match((err as Error).message, /^behind4: host key for \[127\.0\.0\.62\]:\d+ does not match/);
  }
});

test('ProxyJump from the ssh config, with a jump alias resolved through the config too', async () => {
  const cfg = join(tmp.dir, 'ssh_config');
  writeFileSync(cfg, [
    'Host bastion',
    `  HostName ${jump1.address}`,
    `  Port ${jump1.port}`,
    '  User root',
    `  IdentityFile ${target.clientKeyPath}`,
    `  UserKnownHostsFile ${knownHosts}`,
    'Host etcd-* !etcd-direct',
    `  HostName ${target.address}`,
    `  Port ${target.port}`,
    '  User root',
    `  IdentityFile ${target.clientKeyPath}`,
    `  UserKnownHostsFile ${knownHosts}`,
    '  ProxyJump bastion',
    '',
  ].join('\n'));
  const logins = (jump1.log().match(/Accepted publickey for root/g) ?? []).length;
  const c = createConnection('etcd-a', {}, { hostKeyChecking: 'strict', sshConfigFile: cfg });
  try {
    const r = await c.exec({ kind: 'exec', argv: ['sh', '-c', 'echo "$SSH_CONNECTION"'] });
    assert.match(r.stdout, new RegExp(` 127\\.0\\.0\\.62 ${target.port}\\n$`));
  } finally {
    await c.close();
  }
  assert.is((jump1.log().match(/Accepted publickey for root/g) ?? []).length, logins + 1);
});

test.run();
