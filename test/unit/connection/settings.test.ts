import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJumpSpec, parseSshArgs, proxyCommandAsJump, resolveSshTarget, shellWords } from '../../../src/connection/settings.js';
import { ValidationError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-settings-'));
const cfg = join(dir, 'config');
const run = { hostKeyChecking: 'strict' as const, sshConfigFile: cfg };
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('shellWords and ssh args', () => {
  assert.equal(shellWords(`-o 'ProxyCommand=ssh -W %h:%p x' -o"A=b c"`), ['-o', 'ProxyCommand=ssh -W %h:%p x', '-oA=b c']);
  const a = parseSshArgs('-o ProxyJump=j1 -o StrictHostKeyChecking no -oUserKnownHostsFile=/k -i /id -p 2200 -J ignored');
  assert.is(a.options.get('proxyjump'), 'j1', 'first value wins');
  assert.is(a.options.get('stricthostkeychecking'), 'no');
  assert.is(a.options.get('userknownhostsfile'), '/k');
  assert.is(a.options.get('port'), '2200');
  assert.equal(a.identityFiles, ['/id']);
});

test('jump specs', () => {
  assert.equal(parseJumpSpec('bastion'), { host: 'bastion' });
  assert.equal(parseJumpSpec('ops@bastion:2222'), { user: 'ops', host: 'bastion', port: 2222 });
  assert.equal(parseJumpSpec('ssh://ops@[::1]:22'), { user: 'ops', host: '::1', port: 22 });
});

test('inventory vars win over the ssh config; config fills the rest', () => {
  writeFileSync(cfg, 'Host 10.0.0.5\n  User cfguser\n  Port 2222\n  IdentityFile /cfg/key\n  ProxyJump jumper\nHost jumper\n  HostName 10.9.9.9\n  User juser\n');
  const t = resolveSshTarget('etcd1', { ansible_host: '10.0.0.5', ansible_user: 'root', ansible_ssh_private_key_file: '/inv/key', etcdplay_known_hosts_file: '/kh' }, run);
  assert.is(t.hostName, '10.0.0.5');
  assert.is(t.user, 'root');
  assert.is(t.port, 2222);
  assert.equal(t.identityFiles.slice(0, 2), ['/inv/key', '/cfg/key']);
  assert.is(t.knownHostsFiles[0], '/kh');
  assert.is(t.knownHostsWriteFile, '/kh');
  assert.is(t.jumps.length, 1);
  assert.is(t.jumps[0]!.hostName, '10.9.9.9');
  assert.is(t.jumps[0]!.user, 'juser');
  assert.is(t.jumps[0]!.knownHostsFiles[0], '/kh', 'jumps are checked against the same known_hosts');
});

test('ProxyJump in common args beats the config, none disables', () => {
  writeFileSync(cfg, 'Host h\n  ProxyJump cfgjump\n');
  assert.equal(resolveSshTarget('h', { ansible_ssh_common_args: '-o ProxyJump=a@j1:1,j2' }, run).jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`).slice(0, 1), ['a@j1:1']);
  assert.is(resolveSshTarget('h', { ansible_ssh_common_args: '-o ProxyJump=none' }, run).jumps.length, 0);
  assert.is(resolveSshTarget('h', {}, run).jumps[0]!.hostName, 'cfgjump');
});

test('host key checking: args > relaxed run option > config > strict', () => {
  writeFileSync(cfg, 'Host *\n  StrictHostKeyChecking no\n');
  assert.is(resolveSshTarget('h', {}, run).hostKeyChecking, 'off');
  assert.is(resolveSshTarget('h', { ansible_ssh_common_args: '-o StrictHostKeyChecking=yes' }, run).hostKeyChecking, 'strict');
  writeFileSync(cfg, '');
  assert.is(resolveSshTarget('h', {}, run).hostKeyChecking, 'strict');
  assert.is(resolveSshTarget('h', {}, { ...run, hostKeyChecking: 'accept-new' }).hostKeyChecking, 'accept-new');
});

test('host variables never weaken host-key checking below the run option; an explicit option beats ~/.ssh/config too', () => {
  const weak = (args: string, hkc: 'strict' | 'accept-new' | 'off') => () => resolveSshTarget('h', { ansible_ssh_common_args: args }, { ...run, hostKeyChecking: hkc });
  assert.throws(weak('-o StrictHostKeyChecking=no', 'strict'), (e: unknown) => e instanceof ValidationError && /ansible_ssh_common_args sets StrictHostKeyChecking=no.*--host-key-checking off/.test(e.message));
  assert.throws(weak('-oStrictHostKeyChecking=accept-new', 'strict'), /StrictHostKeyChecking=accept-new/);
  assert.throws(weak('-o StrictHostKeyChecking=no', 'accept-new'), /below this run's accept-new/);
  assert.throws(weak('-o UserKnownHostsFile=/dev/null', 'accept-new'), /UserKnownHostsFile=\/dev\/null/);
  assert.throws(weak('-o "UserKnownHostsFile /dev/null"', 'strict'), /UserKnownHostsFile/);
  assert.throws(() => resolveSshTarget('h', { ansible_ssh_extra_args: '-o StrictHostKeyChecking=no' }, run), /ansible_ssh_extra_args/);
  assert.is(weak('-o StrictHostKeyChecking=no', 'off')().hostKeyChecking, 'off');
  assert.is(weak('-o StrictHostKeyChecking=yes', 'off')().hostKeyChecking, 'strict');
  writeFileSync(cfg, 'Host *\n  StrictHostKeyChecking no\n');
  assert.is(resolveSshTarget('h', {}, { ...run, hostKeyCheckingExplicit: true }).hostKeyChecking, 'strict');
  writeFileSync(cfg, '');
});

test('a ProxyJump loop and a bad port are validation errors', () => {
  writeFileSync(cfg, 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
  assert.throws(() => resolveSshTarget('t', { ansible_ssh_common_args: '-J a' }, run), (e: unknown) => e instanceof ValidationError);
  assert.throws(() => resolveSshTarget('t', { ansible_port: 'x' }, run), (e: unknown) => e instanceof ValidationError && /invalid port/.test(e.message));
});

test('ProxyCommand "ssh -W %h:%p" becomes a jump; anything else is refused', () => {
  assert.is(proxyCommandAsJump('ssh -q -W %h:%p ops@bastion', 'h'), 'ops@bastion');
  assert.is(proxyCommandAsJump('/usr/bin/ssh -p 2222 -l ops -o StrictHostKeyChecking=no -W %h:%p bastion', 'h'), 'ops@bastion:2222');
  assert.throws(() => proxyCommandAsJump('nc -X 5 -x proxy:1080 %h %p', 'h'), /not supported/);
  writeFileSync(cfg, '');
  const t = resolveSshTarget('h', { ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q root@j9"` }, run);
  assert.equal(t.jumps.map((j) => `${j.user}@${j.hostName}`), ['root@j9']);
});

test.run();
