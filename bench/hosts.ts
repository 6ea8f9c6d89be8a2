/**
 * Bench hosts: N real OpenSSH sshd processes on 127.0.2.1..N, port 2222 (or --port), each with its
 * own host key, all accepting one bench client key for root. Runs in the foreground as a
 * supervisor until SIGTERM/SIGINT/SIGHUP or until its parent dies, then stops every sshd.
 *
 *   node --import tsx bench/hosts.ts --count 20 --dir DIR [--port 2222] [--base 127.0.2]
 *
 * Port 2222, not 22: the rehearsal lab puts its hosts' sshd on 127.0.N.11.. port 22 and may pick
 * 127.0.2.x when 127.0.1.x is busy.
 *
 * Writes into DIR (which must exist):
 *   id_bench, id_bench.pub   the client key (ed25519, no passphrase)
 *   known_hosts              one line per host (strict host key checking works)
 *   ssh_config               Host hNN -> 127.0.2.N, root, the key, the known_hosts, ControlMaster no
 *   hosts.txt                h01..hNN, one a line
 *   inventory-K.yml          YAML inventory (ansible and etcdplay) of the first K hosts, K in
 *                            {1,5,20,50,100,200,N} up to N;
 *                            each host has its own etcdplay_lock_dir under DIR/locks (shared filesystem)
 *   ansible.cfg              host_key_checking on (bench known_hosts), pipelining on, gathering off
 *   ready                    written last; holds the supervisor's pid
 *
 * Uses the integration-test harness test/support/sshd.ts (startSshd) for each sshd.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSshd, type Sshd } from '../test/support/sshd.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    dir: { type: 'string' },
    port: { type: 'string', default: '2222' },
    base: { type: 'string', default: '127.0.2' },
  },
});

const count = Number(values.count);
const port = Number(values.port);
const base = values.base!;
if (!values.dir || !existsSync(values.dir)) {
  process.stderr.write('bench/hosts.ts: --dir DIR (existing) is required\n');
  process.exit(2);
}
if (!Number.isInteger(count) || count < 1 || count > 250) {
  process.stderr.write('bench/hosts.ts: --count must be 1..250\n');
  process.exit(2);
}
if (!/^127\.\d{1,3}\.\d{1,3}$/.test(base)) {
  process.stderr.write('bench/hosts.ts: --base must be a 127.x.y prefix (loopback only)\n');
  process.exit(2);
}
const dir = resolve(values.dir);
const started: Sshd[] = [];
let stopping = false;

function hostName(i: number): string {
  return `h${String(i).padStart(2, '0')}`;
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.allSettled(started.map((s) => s.stop()));
  }
  process.exit(code);
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void stopAll(0));
// If whoever started us dies without telling us (SIGKILL), stop anyway.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stopAll(0);
}, 500).unref();

function inventoryYaml(hosts: number, key: string, known: string): string {
  const lines = ['all:', '  hosts:'];
  // All bench hosts share this machine's filesystem: each needs its own etcdplay run lock.
  for (let i = 1; i <= hosts; i++) lines.push(`    ${hostName(i)}:`, `      ansible_host: ${base}.${i}`, `      etcdplay_lock_dir: ${join(dir, 'locks', hostName(i))}`);
  lines.push(
    '  vars:',
    '    ansible_user: root',
    `    ansible_port: ${port}`,
    `    ansible_ssh_private_key_file: ${key}`,
    `    etcdplay_known_hosts_file: ${known}`,
    `    ansible_ssh_common_args: "-o UserKnownHostsFile=${known} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes"`,
    '    ansible_python_interpreter: /usr/bin/python3',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const key = join(dir, 'id_bench');
  if (!existsSync(key)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'etcdplay-bench', '-f', key], { stdio: 'ignore' });
  const pub = readFileSync(`${key}.pub`, 'utf8').trim();

  // Start in small parallel waves: key generation + sshd -t per host costs ~50 ms.
  const wave = 5;
  for (let i = 1; i <= count; i += wave) {
    const batch = [];
    for (let j = i; j < Math.min(i + wave, count + 1); j++) {
      batch.push(
        startSshd({ address: `${base}.${j}`, port, users: [{ name: 'root', publicKeys: [pub] }], logLevel: 'INFO' }).then((s) => {
          started.push(s);
          return s;
        }),
      );
    }
    const res = await Promise.allSettled(batch);
    const bad = res.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (bad) throw bad.reason;
  }
  started.sort((a, b) => Number(a.address.split('.')[3]) - Number(b.address.split('.')[3]));
  // The banner check of startSshd is satisfied by ANY sshd on address:port (e.g. a lab host that
  // took the same address): make sure each answers with its own host key.
  for (const s of started) {
    const scan = execFileSync('ssh-keyscan', ['-T', '10', '-t', 'ed25519', '-p', String(s.port), s.address], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const got = scan.split('\n').find((l) => l.includes('ssh-ed25519'))?.trim().split(/\s+/).slice(1, 3).join(' ');
    if (got !== s.hostKeyPublic) throw new Error(`${s.address}:${s.port} answers with another host key (${got ?? 'none'}): is something else listening there? Try --port or --base`);
  }

  const known = join(dir, 'known_hosts');
  writeFileSync(known, started.map((s) => s.knownHostsLine).join('\n') + '\n', { mode: 0o600 });

  const cfg: string[] = [];
  started.forEach((s, idx) => cfg.push(`Host ${hostName(idx + 1)}`, `  HostName ${s.address}`, ''));
  cfg.push(
    'Host *',
    '  User root',
    `  Port ${port}`,
    `  IdentityFile ${key}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${known}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ControlMaster no',
    '  ControlPath none',
    '  LogLevel ERROR',
    '',
  );
  writeFileSync(join(dir, 'ssh_config'), cfg.join('\n'), { mode: 0o644 });
  writeFileSync(join(dir, 'hosts.txt'), started.map((_, i) => hostName(i + 1)).join('\n') + '\n');

  for (const k of new Set([1, 5, 20, 50, 100, 200, count].filter((k) => k <= count))) {
    writeFileSync(join(dir, `inventory-${k}.yml`), inventoryYaml(k, key, known));
  }

  writeFileSync(
    join(dir, 'ansible.cfg'),
    [
      '[defaults]',
      'host_key_checking = True',
      'gathering = explicit',
      'retry_files_enabled = False',
      'interpreter_python = /usr/bin/python3',
      'deprecation_warnings = False',
      '',
      '[ssh_connection]',
      'pipelining = True',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'ready'), `${process.pid}\n`);
  process.stdout.write(`bench hosts: ${started.length} sshd on ${base}.1..${started.length}:${port}, files in ${dir}\n`);
}

main().catch(async (err: Error) => {
  process.stderr.write(`bench/hosts.ts: ${err.message}\n`);
  await stopAll(1);
});
// Keep the event loop alive until a signal arrives.
setInterval(() => {}, 1 << 30);
