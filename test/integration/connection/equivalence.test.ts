/**
 * The local connection and the ssh connection run the same code for exec, put, get and become
 * (src/connection/channel.ts, base.ts, transfer.ts): the same cases over both, on the same machine
 * (the test sshd on loopback, logged in as root like this process), must give the same results:
 * rc, signal, stdout, stderr, error class/rc/message, file content, mode, owner.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { createConnection } from '../../../src/connection/factory.js';
import type { Connection } from '../../../src/connection/connection.js';
import { LocalConnection } from '../../../src/connection/local.js';
import { SshConnection } from '../../../src/connection/ssh.js';
import { varsFor, tempDir, noSshConfig } from './_helpers.js';

const HOST = 'eq';
const nobody = { user: 'nobody', method: 'sudo' as const };
const root = { user: 'root', method: 'sudo' as const };

let sshd: Sshd;
let local: Connection;
let ssh: Connection;
let tmp: ReturnType<typeof tempDir>;

test.before(async () => {
  tmp = tempDir();
  // become nobody must reach the case directories.
  chmodSync(tmp.dir, 0o755);
  sshd = await startSshd({ address: '127.0.0.61' });
  const o = { hostKeyChecking: 'strict' as const, sshConfigFile: noSshConfig(tmp.dir) };
  local = createConnection(HOST, { ansible_connection: 'local' }, o);
  ssh = createConnection(HOST, varsFor(sshd), o);
});

test.after(async () => {
  await local?.close();
  await ssh?.close();
  await sshd?.stop();
  tmp?.cleanup();
});

/** What a case produced, with the connection's own directory replaced by `<dir>`. */
type Outcome = Record<string, unknown>;

/** Errors as data: class, rc, one-line message. */
function errorOf(err: unknown): Outcome {
  const e = err as Error & { rc?: number };
  return { error: e.constructor.name, name: e.name, ...(e.rc !== undefined ? { rc: e.rc } : {}), message: e.message };
}

function fileOf(path: string): Outcome {
  const st = statSync(path);
  return { content: readFileSync(path, 'utf8'), mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid };
}

function sinkInto(chunks: Buffer[]): Writable {
  return new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } });
}

let dirs = 0;
/** Run `c` over both connections, each in a fresh directory; the two outcomes must be equal. */
async function same(name: string, c: (conn: Connection, dir: string) => Promise<Outcome>): Promise<Outcome> {
  const run = async (conn: Connection): Promise<Outcome> => {
    const dir = join(tmp.dir, `${name.replace(/\W+/g, '-')}-${dirs++}`);
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    let out: Outcome;
    try {
      out = await c(conn, dir);
    } catch (err) {
      out = errorOf(err);
    }
    return JSON.parse(JSON.stringify(out).split(dir).join('<dir>')) as Outcome;
  };
  const l = await run(local);
  const s = await run(ssh);
  assert.equal(l, s, `${name}: local and ssh differ`);
  return l;
}

/** A temp name (`.<name>.etcdplay-<random>`) in a message, made comparable. */
const noTemp = (o: Outcome): Outcome => JSON.parse(JSON.stringify(o).replace(/etcdplay-[0-9a-f]{12}/g, 'etcdplay-X')) as Outcome;

test('the two connections are what they claim', () => {
  assert.instance(local, LocalConnection);
  assert.instance(ssh, SshConnection);
});

test('exec: rc, stdout, stderr', async () => {
  const r = await same('exec', async (conn) => {
    const { rc, stdout, stderr, signal } = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    return { rc, stdout, stderr, signal };
  });
  assert.equal(r, { rc: 3, stdout: 'out\n', stderr: 'err\n' });
});

test('exec: quoting, env, cwd, stdin, streamed output', async () => {
  const r = await same('exec-io', async (conn, dir) => {
    let streamed = '';
    const x = await conn.exec(
      { kind: 'exec', argv: ['sh', '-c', 'pwd; cat; printf "[%s][%s]" "$V" "$1"', 'sh', "$(id) 'a b'"], env: { V: "it's $(x)" }, cwd: dir, stdin: 'in 1\nin 2\n' },
      { onStdout: (s) => { streamed += s; } },
    );
    return { rc: x.rc, stdout: x.stdout, stderr: x.stderr, streamedSame: streamed === x.stdout };
  });
  assert.equal(r, { rc: 0, stdout: "<dir>\nin 1\nin 2\n[it's $(x)][$(id) 'a b']", stderr: '', streamedSame: true });
});

test('exec: a command that reads stdin without any gets EOF; a signal is reported', async () => {
  const r = await same('exec-sig', async (conn) => {
    const cat = await conn.exec({ kind: 'exec', argv: ['cat'] });
    const k = await conn.exec({ kind: 'shell', script: 'kill -TERM $$' });
    return { cat: cat.stdout, rc: k.rc, signal: k.signal };
  });
  assert.equal(r, { cat: '', rc: 143, signal: 'TERM' });
});

test('exec: timeout is rc 124 and kills the command; abort is AbortError', async () => {
  const r = await same('exec-stop', async (conn, dir) => {
    const marker = join(dir, 'still-running');
    let timeout: Outcome = {};
    try {
      await conn.exec({ kind: 'shell', script: `sleep 2; touch '${marker}'` }, { timeoutMs: 300 });
    } catch (err) {
      timeout = errorOf(err);
    }
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    let abort: Outcome = {};
    try {
      await conn.exec({ kind: 'exec', argv: ['sleep', '30'] }, { signal: ac.signal });
    } catch (err) {
      abort = errorOf(err);
    }
    await new Promise((res) => setTimeout(res, 2500));
    const after = await conn.exec({ kind: 'shell', script: `[ -e '${marker}' ] && echo left-running || echo killed` });
    return { timeout, abort, after: after.stdout };
  });
  assert.equal(r['timeout'], { error: 'CommandFailedError', name: 'CommandFailedError', rc: 124, message: `${HOST}: command timed out after 0.3 s (rc=124)` });
  assert.is((r['abort'] as Outcome)['name'], 'AbortError');
  assert.is(r['after'], 'killed\n');
});

test('become: another user through sudo (stdin after sudo let us in), the login user directly', async () => {
  const r = await same('become', async (conn) => {
    const other = await conn.exec({ kind: 'shell', script: 'id -un; cat; echo e >&2', stdin: 'secret-in\n' }, { become: nobody });
    const self = await conn.exec({ kind: 'exec', argv: ['id', '-un'] }, { become: root });
    const rc = await conn.exec({ kind: 'exec', argv: ['sh', '-c', 'exit 42'] }, { become: nobody });
    return { other: [other.rc, other.stdout, other.stderr], self: self.stdout, rc: rc.rc };
  });
  assert.equal(r, { other: [0, 'nobody\nsecret-in\n', 'e\n'], self: 'root\n', rc: 42 });
});

test('put: a new file gets the umask mode; replacing keeps mode and owner; mode/owner/group applied', async () => {
  const r = await same('put', async (conn, dir) => {
    const fresh = join(dir, 'fresh');
    const out = await conn.put(Readable.from([Buffer.from('one\n')]), 4, fresh);
    const kept = join(dir, 'kept');
    writeFileSync(kept, 'old');
    chmodSync(kept, 0o600);
    chownSync(kept, 65534, 65534);
    await conn.put(Readable.from([Buffer.from('two\n')]), 4, kept);
    const set = join(dir, 'set');
    await conn.put(Readable.from([Buffer.from('three\n')]), 6, set, { mode: '0640', owner: 'nobody', group: 'nogroup' });
    const fromFile = join(dir, 'from-file');
    await conn.put({ path: set }, 6, fromFile, { mode: '0751' });
    return { out, fresh: fileOf(fresh), kept: fileOf(kept), set: fileOf(set), fromFile: fileOf(fromFile) };
  });
  assert.is((r['kept'] as Outcome)['mode'], '600');
  assert.is((r['kept'] as Outcome)['uid'], 65534);
  assert.is((r['set'] as Outcome)['mode'], '640');
  assert.is((r['set'] as Outcome)['uid'], 65534);
  assert.is((r['fromFile'] as Outcome)['content'], 'three\n');
});

test('put: with become the file belongs to the become user; failures leave nothing behind', async () => {
  const r = await same('put-fail', async (conn, dir) => {
    chownSync(dir, 65534, 65534);
    const mine = join(dir, 'mine');
    await conn.put(Readable.from([Buffer.from('x')]), 1, mine, { become: nobody });
    const errors: Outcome[] = [];
    for (const put of [
      () => conn.put(Readable.from([Buffer.from('x')]), 1, join(dir, 'no', 'such', 'f')),
      () => conn.put(Readable.from([Buffer.from('new')]), 3, mine, { expectSha256: 'f'.repeat(64) }),
      () => conn.put(new Readable({ read() { this.destroy(new Error('disk on fire')); } }), 10, join(dir, 'broken')),
    ]) {
      try { await put(); errors.push({ ok: true }); } catch (err) { errors.push(noTemp(errorOf(err))); }
    }
    const left = await conn.exec({ kind: 'exec', argv: ['ls', '-A', dir] });
    return { mine: fileOf(mine), errors, left: left.stdout };
  });
  assert.is((r['mine'] as Outcome)['uid'], 65534);
  assert.is(r['left'], 'mine\n');
  const errors = r['errors'] as Outcome[];
  assert.match(String(errors[0]!['message']), /^eq: writing <dir>\/no\/such\/f failed: /);
  assert.match(String(errors[1]!['message']), /sha256 mismatch writing <dir>\/mine: expected f{64}/);
  assert.match(String(errors[2]!['message']), /disk on fire/);
});

test('get: streamed bytes, sha256, progress; with become; a missing file', async () => {
  const r = await same('get', async (conn, dir) => {
    const src = join(dir, 'src.bin');
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    writeFileSync(src, data);
    chmodSync(src, 0o600);
    const chunks: Buffer[] = [];
    let last: [number, number] = [0, 0];
    const out = await conn.get(src, sinkInto(chunks), { onProgress: (n, t) => { last = [n, t]; } });
    const asNobody: Buffer[] = [];
    let refused: Outcome = {};
    try {
      await conn.get(src, sinkInto(asNobody), { become: nobody });
    } catch (err) {
      refused = errorOf(err);
    }
    let missing: Outcome = {};
    try {
      await conn.get(join(dir, 'missing'), sinkInto([]));
    } catch (err) {
      missing = errorOf(err);
    }
    return { out, same: Buffer.concat(chunks).equals(data), last, asNobody: asNobody.length, refused, missing };
  });
  assert.equal(r['out'], { bytes: 200_000, sha256: (r['out'] as { sha256: string }).sha256 });
  assert.is(r['same'], true);
  assert.equal(r['last'], [200_000, 200_000]);
  assert.is((r['refused'] as Outcome)['error'], 'CommandFailedError');
  assert.match(String((r['missing'] as Outcome)['message']), /^eq: reading <dir>\/missing failed: cannot read it: .*No such file/);
});

test.run();
