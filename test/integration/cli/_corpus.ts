/**
 * Issue 14's corpus: Ansible files in the shapes real projects write (kubespray, kubeasz,
 * openshift-ansible, a storage vendor's helpers, seed 004's flow), kept in test/ansible-corpus/.
 * (site.yml: import_playbook, roles with defaults/vars/handlers/templates/files/params, include_tasks
 * with a loop, import_tasks; keywords.yml: remote_user, play environment, async/poll, async_status,
 * implicit localhost.) Each playbook is validated, planned and run by the built bin/etcdplay.js against two real sshd
 * hosts; then, when ansible-playbook is installed (npm test installs ansible-core), the same
 * playbook runs under ansible-playbook on the same hosts with the same inventory, and the two must
 * agree: the same ok/changed/failed/skipped/rescued/ignored counts per host, the same files (path,
 * content, mode) written. Ansible's counts are also pinned below, so the comparison holds on a
 * machine without Ansible.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { homedir } from 'node:os';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir, varsFor } from '../connection/_helpers.js';
import { cli, cliAsync, ROOT } from './_cli.js';
import type { Recap } from '../../../src/model/result.js';

const CORPUS = join(ROOT, 'test/ansible-corpus');
const HOSTS = ['etcd-2', 'etcd-10'];

export type Counts = Pick<Recap, 'ok' | 'changed' | 'failed' | 'skipped' | 'rescued' | 'ignored'>;
export const c = (ok: number, changed: number, failed = 0, skipped = 0, rescued = 0, ignored = 0): Counts =>
  ({ ok, changed, failed, skipped, rescued, ignored });


export interface CorpusCase { file: string; ansible: Counts; rc?: number; others?: Record<string, Counts> }

/** One half of the corpus (a file each, so that each stays within the runner's time per file). */
export function corpusSuite(name: string, CASES: CorpusCase[], addresses: string[], extras: boolean): void {
const t = suite(name);
let tmp: ReturnType<typeof tempDir>;
  let hosts: Sshd[] = [];
  let inv = '';
  let out = '';
  const ansible = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).status === 0;
  
  t.before(async () => {
    tmp = tempDir('etcdplay-corpus-');
    hosts = await Promise.all(addresses.map((address) => startSshd({ address, users: ['root'] })));
    cpSync(CORPUS, join(tmp.dir, 'corpus'), { recursive: true });
    inv = join(tmp.dir, 'corpus/hosts.ini');
    out = join(tmp.dir, 'out');
    // The connection vars next to the inventory file, where both tools read host_vars/.
    mkdirSync(join(tmp.dir, 'corpus/host_vars'));
    hosts.forEach((h, i) => {
      const v = varsFor(h);
      const known = String(v['etcdplay_known_hosts_file']);
      const vars = {
        ansible_host: h.address, ansible_port: h.port, ansible_user: 'root',
        ansible_ssh_private_key_file: h.clientKeyPath,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${known} -o StrictHostKeyChecking=yes`,
        ansible_python_interpreter: '/usr/bin/python3',
        etcdplay_lock_dir: join(tmp.dir, 'lock'),
      };
      writeFileSync(join(tmp.dir, `corpus/host_vars/${HOSTS[i]}.yml`), Object.entries(vars).map(([k, x]) => `${k}: ${JSON.stringify(x)}`).join('\n') + '\n');
    });
    copyFileSync(join(CORPUS, 'hosts.ini'), inv);
  });
  // keywords.yml's fire-and-forget jobs leave their files in root's home (both tools do): removed after.
  const JOB_DIRS = [join(homedir(), '.etcdplay_async'), join(homedir(), '.ansible_async')];
  const jobFilesBefore = new Set(JOB_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [])));
  t.after(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    tmp?.cleanup();
    if (CASES.some((k) => k.file === 'keywords.yml')) for (const d of JOB_DIRS) for (const f of existsSync(d) ? readdirSync(d) : []) if (!jobFilesBefore.has(join(d, f))) rmSync(join(d, f), { recursive: true, force: true });
  });
  
  /** Every file under the output dir: relative path -> mode and content. */
  function tree(dir: string): Record<string, string> {
    const seen: Record<string, string> = {};
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(d, e.name);
        const mode = (statSync(p).mode & 0o7777).toString(8);
        if (e.isDirectory()) { seen[relative(dir, p) + '/'] = mode; walk(p); } else seen[relative(dir, p)] = `${mode} ${readFileSync(p, 'utf8')}`;
      }
    };
    walk(dir);
    return seen;
  }
  
  function freshOut(): void {
    rmSync(out, { recursive: true, force: true });
    for (const h of HOSTS) mkdirSync(join(out, h), { recursive: true });
  }
  
  const pick = (r: Partial<Recap> | undefined): Counts =>
    c(r?.ok ?? 0, r?.changed ?? 0, r?.failed ?? 0, r?.skipped ?? 0, r?.rescued ?? 0, r?.ignored ?? 0);
  
  interface Outcome { recap: Record<string, Counts>; files: Record<string, string>; code: number; text: string }
  
  // The runs are awaited, never spawnSync'ed: the sshd write their logs to this process, and a
  // blocked event loop would let their pipes fill up and stall them.
  async function etcdplay(file: string, names: string[]): Promise<Outcome> {
    freshOut();
    const pb = join(tmp.dir, 'corpus', file);
    const v = cli(tmp.dir, ['validate', pb, '-i', inv, '-e', `out=${out}`]);
    assert.is(v.code, 0, `validate ${file}\n${v.out}${v.err}`);
    const p = cli(tmp.dir, ['plan', pb, '-i', inv, '-e', `out=${out}`]);
    assert.is(p.code, 0, `plan ${file}\n${p.out}${p.err}`);
    const r = await cliAsync(tmp.dir, ['run', pb, '-i', inv, '-e', `out=${out}`, '--json']);
    const end = r.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; recap?: Record<string, Recap> }).find((e) => e.type === 'run.end');
    const recap = Object.fromEntries(names.map((h) => [h, pick(end?.recap?.[h])]));
    return { recap, files: tree(out), code: r.code, text: r.out + r.err };
  }
  
  async function ansiblePlaybook(file: string, names: string[]): Promise<Outcome> {
    freshOut();
    const child = spawn('ansible-playbook', ['-i', inv, join(tmp.dir, 'corpus', file), '-e', `out=${out}`], {
      cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000,
      env: {
        ...process.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_HOME: join(tmp.dir, 'ansible-home'),
        ANSIBLE_LOCAL_TEMP: join(tmp.dir, 'ansible-tmp'), ANSIBLE_SSH_ARGS: '-o ControlMaster=no', ANSIBLE_RETRY_FILES_ENABLED: '0',
        ANSIBLE_CONFIG: join(tmp.dir, 'no-ansible.cfg'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const status = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const r = { stdout, stderr, status };
    let stats: Record<string, { ok: number; changed: number; failures: number; skipped: number; rescued: number; ignored: number }> = {};
    try { stats = (JSON.parse(r.stdout) as { stats: typeof stats }).stats; } catch { /* reported below */ }
    const recap = Object.fromEntries(names.map((h) => {
      const s = stats[h];
      return [h, c(s?.ok ?? 0, s?.changed ?? 0, s?.failures ?? 0, s?.skipped ?? 0, s?.rescued ?? 0, s?.ignored ?? 0)];
    }));
    return { recap, files: tree(out), code: r.status ?? -1, text: r.stdout + r.stderr };
  }
  
  for (const k of CASES) {
    t(`${k.file}: validated, planned and run by etcdplay with ansible-playbook's counts and files`, async () => {
      const want: Record<string, Counts> = { ...Object.fromEntries(HOSTS.map((h) => [h, k.ansible])), ...k.others };
      const names = Object.keys(want);
      const ours = await etcdplay(k.file, names);
      assert.is(ours.code, k.rc ?? 0, ours.text);
      for (const h of names) assert.equal(ours.recap[h], want[h], `${k.file} ${h}: etcdplay's recap vs ansible's pinned recap\n${ours.text}`);
      if (!ansible) { console.log(`  (ansible-playbook not installed: ${k.file} compared with the pinned counts only)`); return; }
      const theirs = await ansiblePlaybook(k.file, names);
      assert.is(theirs.code, k.rc ?? 0, theirs.text.slice(-4000));
      for (const h of names) assert.equal(theirs.recap[h], want[h], `${k.file} ${h}: the pin no longer matches ansible-playbook`);
      assert.equal(ours.files, theirs.files, `${k.file}: files written (etcdplay vs ansible-playbook)`);
    });
  }
  
  if (extras) {
  t('a tasks file passed as a playbook is named as one, by both tools', () => {
    const pb = join(tmp.dir, 'corpus/tasks-only.yml');
    const r = cli(tmp.dir, ['validate', pb, '-i', inv]);
    assert.is(r.code, 2, r.out + r.err);
    assert.match(r.out + r.err, /tasks-only\.yml:2:3: .*this is a tasks file/);
    assert.match(r.out + r.err, /include_tasks/);
    if (!ansible) return;
    const a = spawnSync('ansible-playbook', ['--syntax-check', '-i', inv, pb], { encoding: 'utf8', env: { ...process.env, ANSIBLE_HOME: join(tmp.dir, 'ansible-home') } });
    assert.is.not(a.status, 0, 'ansible-playbook refuses it too');
  });
  
  t("the INI inventory's graph is ansible-inventory's, order included (etcd-2 before etcd-10)", () => {
    const r = cli(tmp.dir, ['inventory', '-i', join(CORPUS, 'hosts.ini'), '--graph']);
    assert.is(r.code, 0, r.err);
    assert.ok(r.out.indexOf('etcd-2') < r.out.indexOf('etcd-10'), r.out);
    if (!ansible) return;
    const a = spawnSync('ansible-inventory', ['-i', join(CORPUS, 'hosts.ini'), '--graph'], { encoding: 'utf8', env: { ...process.env, ANSIBLE_HOME: join(tmp.dir, 'ansible-home') } });
    assert.is(r.out, a.stdout);
  });
  }
  t.run();
}
