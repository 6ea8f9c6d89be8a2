/**
 * A role-based playbook (a role with defaults, vars, handlers, a template, a file and a
 * dependency; import_tasks; include_tasks with a loop; include_role; import_playbook) run by
 * etcdplay against two real sshd hosts on loopback addresses; when ansible-playbook is installed
 * it runs the same files on the same hosts, and both must write the same files with the same
 * content and give the same ok/changed counts per host.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../../src/engine/index.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import { ROLE_PLAYBOOK, writeRoleProject } from '../../unit/load/roles-fixture.js';
import { startSshd, writeKnownHosts, type Sshd } from '../../support/sshd.js';

const servers: Sshd[] = [];
let work = '';
let out = '';

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'etcdplay-roles-it-'));
  out = join(work, 'out');
  for (let i = 1; i <= 2; i++) servers.push(await startSshd({ address: `127.0.14.${i}`, users: ['root'] }));
  const kh = writeKnownHosts(work, servers.map((s) => s.knownHostsLine));
  writeRoleProject(work, out);
  writeFileSync(join(work, 'site.yml'), ROLE_PLAYBOOK);
  const host = (s: Sshd, i: number) => `        h${i + 1}:\n          ansible_host: ${s.address}\n          ansible_port: ${s.port}\n          ansible_ssh_private_key_file: ${s.clientKeyPath}\n`;
  writeFileSync(join(work, 'inventory.yml'), `all:\n  vars:\n    ansible_user: root\n    etcdplay_known_hosts_file: ${kh}\n    etcdplay_lock_dir: ${work}/lock\n  children:\n    nodes:\n      hosts:\n${servers.map(host).join('')}`);
});

test.after(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

function files(): Record<string, string> {
  return Object.fromEntries(readdirSync(out).sort().map((f) => [f, readFileSync(join(out, f), 'utf8')]));
}

const EXPECTED_FILES = {
  'out-h1.txt': 'port=8080 name=default-name user=www greet=from-play\n',
  'out-h2.txt': 'port=8080 name=default-name user=www greet=from-play\n',
  'static-h1.txt': 'static\n',
  'static-h2.txt': 'static\n',
};

let counts: Record<string, { ok: number; changed: number }> = {};

test('etcdplay runs the roles and includes over ssh', async () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const inv = loadInventory([join(work, 'inventory.yml')]);
  const pb = loadPlaybook(join(work, 'site.yml'));
  assert.ok(pb.playbook, formatDiagnostics(pb.diagnostics));
  const r = await runPlaybook({
    extraVars: {}, check: false, diff: false, forks: 5, connect: { hostKeyChecking: 'strict' }, runDir: join(work, 'run'),
    playbook: pb.playbook!, inventory: inv.inventory, onEvent: () => undefined,
  });
  assert.is(r.exitCode, 0);
  counts = Object.fromEntries(Object.entries(r.recap).map(([h, c]) => [h, { ok: c.ok, changed: c.changed }]));
  assert.equal(counts, { h1: { ok: 12, changed: 4 }, h2: { ok: 10, changed: 4 } });
  assert.equal(files(), EXPECTED_FILES);
});

test('ansible-playbook on the same hosts: same files, same ok/changed per host (skipped without it)', () => {
  if (spawnSync('sh', ['-c', 'command -v ansible-playbook']).status !== 0) {
    console.log('  (ansible-playbook not installed: not compared)');
    return;
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const r = spawnSync('ansible-playbook', ['-i', join(work, 'inventory.yml'), join(work, 'site.yml')], {
    encoding: 'utf8', cwd: work, timeout: 300_000,
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'), ANSIBLE_ROLES_PATH: '' },
  });
  assert.is(r.status, 0, r.stdout + r.stderr);
  const got: Record<string, { ok: number; changed: number }> = {};
  for (const m of r.stdout.matchAll(/^(h\d)\s+:\s+ok=(\d+)\s+changed=(\d+)/gm)) got[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]) };
  assert.equal(got, counts);
  assert.equal(files(), EXPECTED_FILES);
});

test.run();
