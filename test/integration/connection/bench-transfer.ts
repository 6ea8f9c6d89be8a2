/**
 * Transfer benchmark (not part of the test suites): 1 GiB (or BENCH_MIB) through a real loopback
 * sshd, exec `cat > tmp` (what put/get use) vs ssh2 SFTP streams, per cipher.
 *
 *   node --import tsx test/integration/connection/bench-transfer.ts
 *
 * Every variant includes the local sha256 while streaming and the far side's sha256sum, as put does.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execFileSync } from 'node:child_process';
import type { SFTPWrapper, Client } from 'ssh2';
import { startSshd } from '../../support/sshd.js';
import { createConnection } from '../../../src/connection/factory.js';
import { SshConnection } from '../../../src/connection/ssh.js';
import { varsFor } from './_helpers.js';

const MIB = Number(process.env['BENCH_MIB'] ?? 1024);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 1);
const CIPHERS = (process.env['BENCH_CIPHERS'] ?? 'aes128-gcm@openssh.com,chacha20-poly1305@openssh.com').split(',');

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-bench-'));
const src = join(dir, 'src.bin');
execFileSync('sh', ['-c', `head -c ${MIB * 1048576} /dev/urandom > ${src}`]);
const size = statSync(src).size;
const sshd = await startSshd({ address: '127.0.0.99' });

let cpu0 = process.cpuUsage();
function rate(ms: number, cpuMs?: number): string {
  return `${(MIB / (ms / 1000)).toFixed(0)} MiB/s (${(ms / 1000).toFixed(1)} s${cpuMs !== undefined ? `, client CPU ${(cpuMs / 1000).toFixed(1)} s` : ''})`;
}
/** Client-side (this process) CPU ms since the last call: load-independent, unlike wall time. */
function cpuLap(): number {
  const c = process.cpuUsage(cpu0);
  cpu0 = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

async function sftpOf(conn: SshConnection): Promise<SFTPWrapper> {
  const client = (conn as unknown as { client: Client }).client;
  return new Promise((res, rej) => client.sftp((e, s) => (e ? rej(e) : res(s))));
}

try {
  for (const cipher of CIPHERS) {
    const conn = createConnection('bench', varsFor(sshd), { hostKeyChecking: 'strict', sshConfigFile: join(dir, 'none') }) as SshConnection;
    (conn as unknown as { opts: { ciphers: string[] } }).opts.ciphers = [cipher];
    await conn.connect();
    for (let round = 0; round < ROUNDS; round++) {
      let t = Date.now();
      cpuLap();
      await conn.put(createReadStream(src, { highWaterMark: 1 << 20 }), size, join(dir, 'dst-exec.bin'));
      const putExec = Date.now() - t;
      const putExecCpu = cpuLap();

      t = Date.now();
      await conn.get(join(dir, 'dst-exec.bin'), createWriteStream(join(dir, 'back-exec.bin')));
      const getExec = Date.now() - t;
      const getExecCpu = cpuLap();

      const sftp = await sftpOf(conn);
      t = Date.now();
      cpuLap();
      const h = createHash('sha256');
      const tmp = join(dir, '.dst-sftp.tmp');
      await pipeline(createReadStream(src, { highWaterMark: 1 << 20 }), async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) { h.update(chunk); yield chunk; }
      }, sftp.createWriteStream(tmp));
      const r = await conn.exec({ kind: 'shell', script: `sha256sum < ${tmp} && mv -f ${tmp} ${join(dir, 'dst-sftp.bin')}` });
      if (!r.stdout.startsWith(h.digest('hex'))) throw new Error('sftp put hash mismatch');
      const putSftp = Date.now() - t;
      const putSftpCpu = cpuLap();

      t = Date.now();
      const h2 = createHash('sha256');
      await pipeline(sftp.createReadStream(join(dir, 'dst-sftp.bin')), new Writable({ write(c: Buffer, _e, cb) { h2.update(c); cb(); } }));
      const r2 = await conn.exec({ kind: 'shell', script: `sha256sum < ${join(dir, 'dst-sftp.bin')}` });
      if (!r2.stdout.startsWith(h2.digest('hex'))) throw new Error('sftp get hash mismatch');
      const getSftp = Date.now() - t;
      const getSftpCpu = cpuLap();
      sftp.end();

      console.log(`${cipher} round ${round + 1}: \n  put exec ${rate(putExec, putExecCpu)}\n  put sftp ${rate(putSftp, putSftpCpu)}\n  get exec ${rate(getExec, getExecCpu)}\n  get sftp ${rate(getSftp, getSftpCpu)}`);
    }
    await conn.close();
  }
  let t = Date.now();
  execFileSync('sh', ['-c', `sha256sum < ${src} >/dev/null`]);
  console.log(`(reference) sha256sum of the file alone: ${rate(Date.now() - t)}`);
  t = Date.now();
  execFileSync('sh', ['-c', `ssh -o BatchMode=yes -o UserKnownHostsFile=${join(sshd.dir, 'known_hosts.test')} -i ${sshd.clientKeyPath} -p ${sshd.port} -c aes128-gcm@openssh.com root@${sshd.address} 'cat > ${join(dir, 'o.bin')} && sha256sum < ${join(dir, 'o.bin')}' < ${src}`]);
  console.log(`(reference) OpenSSH client cat > file && sha256sum, aes128-gcm: ${rate(Date.now() - t)}`);
} finally {
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
