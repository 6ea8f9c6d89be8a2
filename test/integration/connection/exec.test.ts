import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { createConnection } from '../../../src/connection/factory.js';
import type { Connection } from '../../../src/connection/connection.js';
import { SshConnection } from '../../../src/connection/ssh.js';
import { CommandFailedError, UnreachableError } from '../../../src/errors.js';
import { varsFor, tempDir, noSshConfig } from './_helpers.js';

let sshd: Sshd;
let conn: Connection;
let tmp: ReturnType<typeof tempDir>;

test.before(async () => {
  tmp = tempDir();
  sshd = await startSshd({ address: '127.0.0.21' });
  conn = createConnection('exec1', varsFor(sshd), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
});

test.after(async () => {
  await conn?.close();
  await sshd?.stop();
  tmp?.cleanup();
});

test('it is an SshConnection and runs a command with its exit code', async () => {
  assert.instance(conn, SshConnection);
  const r = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'echo out; echo err >&2; exit 7'] });
  assert.is(r.rc, 7);
  assert.is(r.stdout, 'out\n');
  assert.is(r.stderr, 'err\n');
  assert.is(r.signal, undefined);
  const ok = await conn.exec({ kind: 'exec', argv: ['true'] });
  assert.is(ok.rc, 0);
  const who = await conn.exec({ kind: 'exec', argv: ['id', '-un'] });
  assert.is(who.stdout.trim(), 'root');
});

test('10 MB of stdout arrives whole', async () => {
  const r = await conn.exec({ kind: 'shell', script: 'head -c 10000000 /dev/zero | tr "\\000" x; echo done >&2' });
  assert.is(r.rc, 0);
  assert.is(r.stdout.length, 10_000_000);
  assert.ok(/^x+$/.test(r.stdout));
  assert.is(r.stderr, 'done\n');
});

test('large stderr and stdout together do not stall the channel', async () => {
  const r = await conn.exec({ kind: 'shell', script: 'i=0; while [ $i -lt 20 ]; do head -c 200000 /dev/zero | tr "\\000" e >&2; head -c 200000 /dev/zero | tr "\\000" o; i=$((i+1)); done' });
  assert.is(r.rc, 0);
  assert.is(r.stdout.length, 4_000_000);
  assert.is(r.stderr.length, 4_000_000);
});

test('onStdout/onStderr see the output as it comes', async () => {
  let out = '';
  let err = '';
  const r = await conn.exec({ kind: 'shell', script: 'echo a; echo b >&2; echo c' }, { onStdout: (c) => (out += c), onStderr: (c) => (err += c) });
  assert.is(out, r.stdout);
  assert.is(err, 'b\n');
});

test('argv and env values are quoted: $(...) is not executed', async () => {
  const marker = join(tmp.dir, 'pwned');
  const evil = `$(touch ${marker}); \`touch ${marker}\`; it's "quoted"`;
  const r = await conn.exec({ kind: 'exec', argv: ['printf', '%s|', evil, 'a b', ''], env: { EVIL: evil, EMPTY: '' } });
  assert.is(r.rc, 0);
  assert.is(r.stdout, `${evil}|a b||`);
  const e = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'printf "%s" "$EVIL"'], env: { EVIL: evil } });
  assert.is(e.stdout, evil);
  assert.not.ok(existsSync(marker), 'the command substitution ran');
});

test('cwd and stdin', async () => {
  const r = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'pwd; cat'], cwd: tmp.dir, stdin: 'from stdin\nline 2\n' });
  assert.is(r.stdout, `${tmp.dir}\nfrom stdin\nline 2\n`);
  // A command that reads stdin without being given any gets EOF, not a hang.
  const c = await conn.exec({ kind: 'exec', argv: ['cat'] });
  assert.is(c.stdout, '');
});

test('a command killed by a signal reports it', async () => {
  const r = await conn.exec({ kind: 'shell', script: 'kill -TERM $$' });
  assert.is(r.signal, 'TERM');
  assert.is(r.rc, 128 + 15);
});

test('15 concurrent commands on one connection all complete (limited to 10 channels)', async () => {
  const ssh = conn as SshConnection;
  let peak = 0;
  const limiter = (ssh as unknown as { limiter: { inUse: number } }).limiter;
  const timer = setInterval(() => { peak = Math.max(peak, limiter.inUse); }, 5);
  try {
    const rs = await Promise.all(Array.from({ length: 15 }, (_, i) => conn.exec({ kind: 'shell', script: `sleep 0.2; echo ${i}` })));
    assert.equal(rs.map((r) => r.stdout.trim()), Array.from({ length: 15 }, (_, i) => String(i)));
    assert.ok(rs.every((r) => r.rc === 0));
  } finally {
    clearInterval(timer);
  }
  assert.ok(peak <= 10, `peak channels ${peak}`);
  assert.ok(peak >= 2, `commands did run concurrently (peak ${peak})`);
  // Still one TCP connection: sshd logged a single accepted login for this suite so far.
  const logins = sshd.log().match(/Accepted publickey for root/g) ?? [];
  assert.is(logins.length, 1);
});

test('a server with MaxSessions 3 still runs 12 concurrent commands (the limit adapts)', async () => {
  const small = await startSshd({ address: '127.0.0.22', extraConfig: ['MaxSessions 3'] });
  const warnings: string[] = [];
  const c = createConnection('small', varsFor(small), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir), onWarning: (m) => warnings.push(m) });
  try {
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => c.exec({ kind: 'shell', script: `sleep 0.2; echo ${i}` })));
    assert.equal(rs.map((r) => r.stdout.trim()), Array.from({ length: 12 }, (_, i) => String(i)));
    assert.ok(warnings.some((w) => /limiting to/.test(w)), warnings.join('\n'));
  } finally {
    await c.close();
    await small.stop();
  }
});

test('command timeout -> CommandFailedError rc 124, and the connection still works', async () => {
  // A duration no other process on this machine uses, so `ps` finds only ours.
  const secs = `29.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  try {
    await conn.exec({ kind: 'exec', argv: ['sleep', secs] }, { timeoutMs: 500 });
    assert.unreachable('should time out');
  } catch (err) {
    assert.instance(err, CommandFailedError);
    assert.is((err as CommandFailedError).rc, 124);
    assert.match((err as Error).message, /timed out/);
  }
  const r = await conn.exec({ kind: 'exec', argv: ['echo', 'alive'] });
  assert.is(r.stdout, 'alive\n');
  // The remote process was killed, not left running (the kill goes through a second channel:
  // give it a moment to land before looking).
  const ps = await conn.exec({ kind: 'shell', script: `for i in 1 2 3 4 5 6 7 8 9 10; do n=$(ps -eo args | grep -c "^sleep ${secs}$"); [ "$n" = 0 ] && break; sleep 0.3; done; echo "$n"` });
  assert.is(ps.stdout.trim(), '0');
});

test('abort signal closes the channel and rejects with AbortError', async () => {
  const ac = new AbortController();
  const p = conn.exec({ kind: 'exec', argv: ['sleep', '30'] }, { signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  try {
    await p;
    assert.unreachable('should abort');
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  const r = await conn.exec({ kind: 'exec', argv: ['echo', 'alive'] });
  assert.is(r.rc, 0);
});

test('after the server drops the connection, the next command reconnects', async () => {
  const own = await startSshd({ address: '127.0.0.23' });
  const c = createConnection('drop', varsFor(own), { hostKeyChecking: 'strict', sshConfigFile: noSshConfig(tmp.dir) });
  try {
    assert.is((await c.exec({ kind: 'exec', argv: ['echo', '1'] })).stdout, '1\n');
    // Kill this connection's sshd session process (not the listener).
    await c.exec({ kind: 'shell', script: 'kill -HUP $PPID' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.is((await c.exec({ kind: 'exec', argv: ['echo', '2'] })).stdout, '2\n');
  } finally {
    await c.close();
    await own.stop();
  }
});

test('a connection that dies under a running command -> UnreachableError, then it reconnects', async () => {
  const own = await startSshd({ address: '127.0.0.25' });
  const o = { hostKeyChecking: 'strict' as const, sshConfigFile: noSshConfig(tmp.dir) };
  const victim = createConnection('victim', varsFor(own), o);
  const killer = createConnection('killer', varsFor(own), o);
  try {
    let out = '';
    let seen!: () => void;
    const started = new Promise<void>((r) => { seen = r; });
    const running = victim.exec({ kind: 'shell', script: 'echo "$PPID"; sleep 30' }, { onStdout: (c) => { out += c; if (out.includes('\n')) seen(); } });
    running.catch(() => undefined);
    await started;
    // $PPID is the sshd process serving this connection: kill it and the connection is gone.
    await killer.exec({ kind: 'exec', argv: ['kill', '-KILL', out.trim()] });
    try {
      await running;
      assert.unreachable('should fail');
    } catch (err) {
      assert.instance(err, UnreachableError);
      assert.match((err as Error).message, /^victim: connection to root@127\.0\.0\.25:\d+ lost/);
    }
    assert.is((await victim.exec({ kind: 'exec', argv: ['echo', 'back'] })).stdout, 'back\n');
  } finally {
    await victim.close();
    await killer.close();
    await own.stop();
  }
});

test.run();
