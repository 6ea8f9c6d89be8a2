/**
 * The engine and the CLI against real OpenSSH sshd on loopback addresses (127.0.4.x): four hosts,
 * serial with max_fail_percentage, run_once, block/rescue/always, an unreachable host, --check,
 * adhoc output lines, the run directory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPlaybook } from '../../../src/engine/index.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import type { EngineEvent } from '../../../src/model/event.js';
import type { HostStatus, TaskResult } from '../../../src/model/result.js';
import { startSshd, writeKnownHosts, freePort, type Sshd } from '../../support/sshd.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const servers: Sshd[] = [];
let work = '';
let inventoryFile = '';
let deadPort = 0;

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'etcdplay-engine-it-'));
  for (let i = 1; i <= 4; i++) servers.push(await startSshd({ address: `127.0.4.${i}`, users: ['root'] }));
  const kh = writeKnownHosts(work, servers.map((s) => s.knownHostsLine));
  deadPort = await freePort('127.0.4.9');
  const host = (s: Sshd, i: number) =>
    `        n${i + 1}:\n          ansible_host: ${s.address}\n          ansible_port: ${s.port}\n          ansible_ssh_private_key_file: ${s.clientKeyPath}\n`;
  inventoryFile = join(work, 'inventory.yml');
  writeFileSync(
    inventoryFile,
    `all:
  vars:
    ansible_user: root
    etcdplay_known_hosts_file: ${kh}
  children:
    nodes:
      hosts:
${servers.map(host).join('')}    broken:
      hosts:
        dead:
          ansible_host: 127.0.4.9
          ansible_port: ${deadPort}
          ansible_ssh_private_key_file: ${servers[0]!.clientKeyPath}
`,
  );
});

test.after(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  exitCode: number;
  events: EngineEvent[];
  recap: Record<string, Record<string, number>>;
  status(task: string): Record<string, HostStatus>;
  result(task: string, host: string): TaskResult | undefined;
  runDir: string;
}

async function run(name: string, yaml: string, opts: { check?: boolean; diff?: boolean; limit?: string } = {}): Promise<Run> {
  const file = join(work, `${name}.yml`);
  writeFileSync(file, yaml.replaceAll('@W@', work));
  const inv = loadInventory([inventoryFile]);
  assert.is(inv.diagnostics.filter((d) => d.severity === 'error').length, 0, formatDiagnostics(inv.diagnostics));
  const pb = loadPlaybook(file);
  assert.ok(pb.playbook, formatDiagnostics(pb.diagnostics));
  const events: EngineEvent[] = [];
  const { RunDirReporter } = await import('../../../src/report/rundir.js');
  const runDir = join(work, 'runs', name);
  const journal = new RunDirReporter(runDir);
  const out = await runPlaybook({
    playbook: pb.playbook!,
    inventory: inv.inventory,
    extraVars: {},
    check: !!opts.check,
    diff: !!opts.diff,
    forks: 10,
    limit: opts.limit,
    connect: { hostKeyChecking: 'strict', sshConfigFile: join(work, 'no-ssh-config'), connectTimeoutMs: 5000 },
    runDir,
    onEvent: (e) => {
      events.push(e);
      journal.handle(e);
    },
  });
  await journal.close();
  const names = new Map<string, string>();
  for (const e of events) if (e.type === 'task.start') names.set(e.taskId, e.name);
  const ends = events.filter((e): e is Extract<EngineEvent, { type: 'host.end' }> => e.type === 'host.end');
  return {
    exitCode: out.exitCode,
    events,
    recap: out.recap as unknown as Record<string, Record<string, number>>,
    runDir,
    status: (t) => Object.fromEntries(ends.filter((e) => names.get(e.taskId) === t).map((e) => [e.host, e.status])),
    result: (t, h) => ends.find((e) => names.get(e.taskId) === t && e.host === h)?.result,
  };
}

test('4 hosts, serial 2, max_fail_percentage exceeded in the first batch: the second batch never runs', async () => {
  const r = await run(
    'serial',
    `- hosts: nodes
  gather_facts: false
  serial: 2
  max_fail_percentage: 25
  tasks:
    - name: whoami
      command: hostname
    - name: fail n2
      command: "false"
      when: inventory_hostname == 'n2'
    - name: after
      command: "true"
`,
  );
  assert.is(r.exitCode, 2);
  assert.equal(Object.keys(r.status('whoami')).sort(), ['n1', 'n2']);
  assert.is(r.recap.n2!.failed, 1);
  assert.is(r.recap.n3!.ok, 0);
  assert.is(r.recap.n4!.ok, 0);
});

test('4 hosts, serial 2, failures within max_fail_percentage: every batch runs, failed host dropped', async () => {
  const r = await run(
    'serial-ok',
    `- hosts: nodes
  gather_facts: true
  serial: 2
  max_fail_percentage: 50
  tasks:
    - name: fail n3
      command: "false"
      when: inventory_hostname == 'n3'
    - name: after
      command: echo {{ inventory_hostname }} {{ ansible_distribution }}
`,
  );
  assert.is(r.exitCode, 2);
  assert.equal(r.status('after'), { n1: 'changed', n2: 'changed', n4: 'changed' });
  assert.match(String(r.result('after', 'n4')!.stdout), /^n4 \S+/);
});

test('run_once result is copied to every host of the batch', async () => {
  const r = await run(
    'once',
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: once
      shell: "echo {{ inventory_hostname }} >> @W@/once.txt; echo snapshot-from-{{ inventory_hostname }}"
      run_once: true
      register: snap
    - name: use it
      debug:
        msg: "{{ snap.stdout }}"
`,
  );
  assert.is(r.exitCode, 0);
  assert.is(readFileSync(join(work, 'once.txt'), 'utf8'), 'n1\n');
  for (const h of ['n1', 'n2', 'n3', 'n4']) assert.is(r.result('use it', h)!.msg, 'snapshot-from-n1');
});

test('block/rescue/always over ssh', async () => {
  const r = await run(
    'block',
    `- hosts: nodes
  gather_facts: false
  tasks:
    - block:
        - name: may fail
          shell: "test {{ inventory_hostname }} != n3"
      rescue:
        - name: rescue
          shell: "echo rescued {{ inventory_hostname }}"
      always:
        - name: always
          shell: "echo always {{ inventory_hostname }} >> @W@/always-{{ inventory_hostname }}"
`,
  );
  assert.is(r.exitCode, 0);
  assert.equal(r.status('may fail'), { n1: 'changed', n2: 'changed', n3: 'failed', n4: 'changed' });
  assert.equal(r.status('rescue'), { n3: 'changed' });
  for (const h of ['n1', 'n2', 'n3', 'n4']) assert.ok(existsSync(join(work, `always-${h}`)));
  assert.is(r.recap.n3!.rescued, 1);
  assert.is(r.recap.n3!.failed, 0);
});

test('an unreachable host is counted as unreachable while the others finish (exit 4)', async () => {
  const r = await run(
    'unreachable',
    `- hosts: all
  gather_facts: false
  tasks:
    - name: one
      command: "true"
    - name: two
      command: "true"
`,
  );
  assert.is(r.exitCode, 4);
  assert.is(r.recap.dead!.unreachable, 1);
  assert.is(r.status('one').dead, 'unreachable');
  assert.equal(Object.keys(r.status('two')).sort(), ['n1', 'n2', 'n3', 'n4']);
});

test('--check does not run mutating steps; --diff shows the change; then a real run writes', async () => {
  writeFileSync(join(work, 'conf-n1'), 'x=1\n');
  const pb = `- hosts: n1
  gather_facts: false
  tasks:
    - name: touch
      command: touch @W@/touched-{{ inventory_hostname }}
    - name: config
      copy:
        content: "x=2\\n"
        dest: "@W@/conf-{{ inventory_hostname }}"
`;
  const c = await run('check', pb, { check: true, diff: true });
  assert.is(c.exitCode, 0);
  assert.not.ok(existsSync(join(work, 'touched-n1')));
  assert.is(readFileSync(join(work, 'conf-n1'), 'utf8'), 'x=1\n');
  assert.is(c.result('touch', 'n1')!.wouldChange, true);
  assert.match(String(c.result('config', 'n1')!.diff), /-x=1\n\+x=2\n/);
  const real = await run('real', pb);
  assert.is(real.exitCode, 0);
  assert.ok(existsSync(join(work, 'touched-n1')));
  assert.is(readFileSync(join(work, 'conf-n1'), 'utf8'), 'x=2\n');
});

test('relay over ssh: a file streamed from n1 to n2 through the workstation, sha256 verified', async () => {
  const { createHash } = await import('node:crypto');
  const data = Buffer.alloc(2 * 1024 * 1024 + 17, 'e');
  writeFileSync(join(work, 'snap.db'), data);
  writeFileSync(join(work, 'snap.db.json'), '{}');
  const sha = createHash('sha256').update(data).digest('hex');
  const r = await run(
    'relay',
    `- hosts: n2
  gather_facts: false
  tasks:
    - name: distribute
      etcd_snapshot_distribute:
        src: @W@/snap.db
        from_host: n1
        dest: @W@/snap-copy.db
        sha256: ${sha}
      delegate_to: n3
`,
  );
  assert.is(r.exitCode, 0, JSON.stringify(r.result('distribute', 'n2')));
  assert.equal(readFileSync(join(work, 'snap-copy.db')), data);
  const start = r.events.find((e) => e.type === 'host.start');
  assert.equal(start && start.type === 'host.start' ? start.runsOn : undefined, 'n3');
  assert.ok(r.events.some((e) => e.type === 'host.progress' && e.bytes === data.length && e.total === data.length));
});

test('the run dir has events, a log per host with its output, and a summary', async () => {
  const r = await run(
    'rundir',
    `- hosts: nodes
  gather_facts: false
  tasks:
    - name: speak
      shell: "echo out-{{ inventory_hostname }}; echo err-{{ inventory_hostname }} >&2"
`,
  );
  assert.is(r.exitCode, 0);
  assert.equal(readdirSync(join(r.runDir, 'hosts')).sort(), ['n1.log', 'n2.log', 'n3.log', 'n4.log']);
  for (const h of ['n1', 'n2', 'n3', 'n4']) {
    const log = readFileSync(join(r.runDir, 'hosts', `${h}.log`), 'utf8');
    assert.match(log, new RegExp(`TASK \\[speak\\][^\\n]*\\nout\\| out-${h}\\n(err\\| err-${h}\\n)?`));
    assert.match(log, new RegExp(`err\\| err-${h}`));
  }
  const events = readFileSync(join(r.runDir, 'events.jsonl'), 'utf8').trim().split('\n');
  assert.is(events.length, r.events.length);
  const summary = JSON.parse(readFileSync(join(r.runDir, 'summary.json'), 'utf8'));
  assert.is(summary.exitCode, 0);
  assert.is(Object.keys(summary.recap).length, 4);
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('${join(ROOT, 'src/cli/main.ts')}').then(m => m.main(process.argv.slice(1))).then(c => { process.exitCode = c; })`, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ETCDPLAY_HOME: join(work, 'home'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('adhoc: one line per host like Ansible, then the recap', async () => {
  const r = await cli(['adhoc', 'all', '-i', inventoryFile, '-a', 'echo hello {{ inventory_hostname }}']);
  assert.is(r.code, 4, r.stderr + r.stdout);
  for (const h of ['n1', 'n2', 'n3', 'n4']) assert.match(r.stdout, new RegExp(`^${h} \\| CHANGED \\| rc=0 \\| \\(stdout\\) hello ${h}$`, 'm'));
  assert.match(r.stdout, /^dead \| UNREACHABLE! => /m);
  assert.match(r.stdout, /PLAY RECAP/);
  assert.match(r.stdout, /^run dir: .*home\/runs\//m);
  const f = await cli(['adhoc', 'n2', '-i', inventoryFile, '-m', 'shell', '-a', 'echo oops >&2; exit 3']);
  assert.is(f.code, 2);
  assert.match(f.stdout, /^n2 \| FAILED \| rc=3 \| \(stdout\)  \(stderr\) oops$/m);
});

test('run CLI: plain output, --json events, exit code, bad input -> 2 with diagnostics', async () => {
  const pb = join(work, 'cli.yml');
  writeFileSync(pb, `- hosts: nodes\n  gather_facts: false\n  tasks:\n    - name: hi\n      command: echo hi\n`);
  const r = await cli(['run', pb, '-i', inventoryFile]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^TASK \[hi\] \*+$/m);
  assert.match(r.stdout, /^changed: \[n1\]$/m);
  assert.match(r.stdout, /^n4 +: ok=1    changed=1 /m);
  const j = await cli(['run', pb, '-i', inventoryFile, '--json', '--limit', 'n1']);
  assert.is(j.code, 0, j.stderr);
  const events = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(events[0].type, 'run.start');
  assert.is(events[events.length - 1].type, 'run.end');
  const bad = join(work, 'bad.yml');
  writeFileSync(bad, `- hosts: nodes\n  tasks:\n    - name: x\n      comand: echo\n`);
  const b = await cli(['run', bad, '-i', inventoryFile]);
  assert.is(b.code, 2);
  assert.match(b.stderr, /bad\.yml:4:7: error/);
  const confirm = join(work, 'confirm.yml');
  writeFileSync(confirm, `- hosts: nodes\n  confirm: this will wipe things\n  gather_facts: false\n  tasks:\n    - name: x\n      command: echo\n`);
  const c = await cli(['run', confirm, '-i', inventoryFile]);
  assert.is(c.code, 2);
  assert.match(c.stderr, /--yes/);
  const y = await cli(['run', confirm, '-i', inventoryFile, '--yes', '--limit', 'n1']);
  assert.is(y.code, 0, y.stderr);
});

test.run();
