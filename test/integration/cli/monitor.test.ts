/**
 * `etcdplay monitor` (the built CLI) against real OpenSSH servers, no etcd: a host without etcd is
 * up 0 with SSH up (the probe worked: the member is known to be down); a host whose sshd is gone is
 * ssh_up 0 and the exporter keeps serving; when sshd comes back the exporter reconnects (backoff)
 * and counts the connect. `--once` exits 1 and names each reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir } from '../connection/_helpers.js';
import { BIN, cli } from './_cli.js';

let tmp: ReturnType<typeof tempDir>;
let sshd: Sshd | undefined;
let inv = '';
let deadPort = 0;
let clientPub = '';
const ADDR = '127.0.0.66';

function inventory(port: number): string {
  const file = join(tmp.dir, 'inv.yml');
  writeFileSync(file, `etcd:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ${join(tmp.dir, 'key')}
    etcdplay_known_hosts_file: ${join(tmp.dir, 'known_hosts')}
  hosts:
    h1: { ansible_host: ${ADDR}, ansible_port: ${port}, etcd_address: ${ADDR} }
    h2: { ansible_host: 127.0.0.67, ansible_port: ${deadPort}, etcd_address: 127.0.0.67 }
`);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scrape(url: string): Promise<string> {
  return (await fetch(url)).text();
}

async function until(what: string, f: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await f().catch(() => false))) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test.before(async () => {
  tmp = tempDir('etcdplay-monitor-');
  sshd = await startSshd({ address: ADDR, users: ['root'] });
  // the key outlives this sshd: the one started later accepts it too
  copyFileSync(sshd.clientKeyPath, join(tmp.dir, 'key'));
  chmodSync(join(tmp.dir, 'key'), 0o600);
  clientPub = sshd.clientPublicKey;
  deadPort = await freePort('127.0.0.67');
  inv = inventory(sshd.port);
});

test.after(async () => {
  await sshd?.stop();
  tmp.cleanup();
});

test('--once: one reason per member, exit 1', () => {
  const r = cli(tmp.dir, ['monitor', '-i', inv, '--once', '--host-key-checking', 'accept-new']);
  assert.is(r.code, 1, r.out + r.err);
  assert.match(r.out, /^h1\s+http:\/\/127\.0\.0\.66:2379\s+no\s/m);
  assert.match(r.out, /^h2\s+http:\/\/127\.0\.0\.67:2379\s+no \(ssh\)\s/m);
  assert.match(r.out, /^h2: connect ECONNREFUSED 127\.0\.0\.67:\d+$/m);
  const j = JSON.parse(cli(tmp.dir, ['monitor', '-i', inv, '--once', '--json']).out) as { members: { member: string; sshUp: boolean; probeOk: boolean; up: boolean }[] };
  assert.equal(j.members.map((m) => [m.member, m.sshUp, m.probeOk, m.up]), [['h1', true, true, false], ['h2', false, false, false]]);
});

test('the exporter survives its hosts going away and reconnects when sshd is back', async () => {
  let exporter: ChildProcess | undefined;
  let log = '';
  try {
    exporter = spawn(process.execPath, [BIN, 'monitor', '-i', inv, '--listen', '127.0.0.1:0', '--interval', '300ms', '--host-key-checking', 'off'], { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    exporter.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
    let url = '';
    await until('the exporter to listen', async () => !!(url = /serving (http:\/\/\S+\/metrics)/.exec(log)?.[1] ?? ''));
    await until('h1 probed', async () => /etcdplay_probe_success\{member="h1"\} 1/.test(await scrape(url)));
    let m = await scrape(url);
    assert.match(m, 'etcdplay_member_ssh_up{member="h1"} 1\n');
    assert.match(m, 'etcdplay_member_up{member="h1"} 0\n');
    assert.match(m, 'etcdplay_member_process_running{member="h1"} 0\n');
    assert.match(m, 'etcdplay_member_ssh_up{member="h2"} 0\n');
    assert.match(m, 'etcdplay_ssh_connects_total{member="h1"} 1\n');

    // sshd goes away: h1's SSH is down, the exporter keeps serving
    const port = sshd!.port;
    await sshd!.stop();
    sshd = undefined;
    await until('h1 ssh_up 0', async () => /etcdplay_member_ssh_up\{member="h1"\} 0/.test(await scrape(url)));
    assert.ok(exporter.exitCode === null, 'the exporter still runs');

    // it comes back on the same address and port (a new host key: checking is off here)
    sshd = await startSshd({ address: ADDR, port, users: [{ name: 'root', publicKeys: [clientPub] }] });
    const t0 = Date.now();
    await until('h1 reconnected', async () => /etcdplay_member_ssh_up\{member="h1"\} 1/.test(await scrape(url)));
    console.log(`reconnected ${Date.now() - t0} ms after sshd came back`);
    m = await scrape(url);
    assert.match(m, 'etcdplay_ssh_connects_total{member="h1"} 2\n');
    assert.match(log, /h1: down \(ssh\)/);
  } finally {
    if (exporter && exporter.exitCode === null) {
      const gone = new Promise((r) => exporter!.once('exit', r));
      exporter.kill('SIGTERM');
      await gone;
    }
  }
  assert.match(log, 'etcdplay monitor: stopping');
});

test.run();
