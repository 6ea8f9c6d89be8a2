/**
 * The built CLI as users run it: `node bin/etcdplay.js`, which prefers the one-file bundle
 * dist/etcdplay.mjs (scripts/bundle.mjs). Every other test imports src/ through tsx, so this is
 * the one place that proves the bundle works: schema and precompiled validators found from it,
 * a block template (an older handlebars-style one), local runs, report.html rendered by the
 * handlebars package (inside the bundle, loaded by a dynamic import) at the end of a run and by
 * `etcdplay report`, and ssh2 (left outside the bundle) reaching a real sshd.
 * Needs `npm run build` first (npm test does it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir, varsFor } from '../connection/_helpers.js';
import { ROOT, cli as run, type CliResult } from './_cli.js';

const BUNDLE = join(ROOT, 'dist/etcdplay.mjs');

let tmp: ReturnType<typeof tempDir>;
let sshd: Sshd;
/** The run dir of the local run (the report test renders it again). */
let runDir: string | undefined;

test.before(async () => {
  tmp = tempDir('etcdplay-bin-');
  sshd = await startSshd({ address: '127.0.0.61' });
});
test.after(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return run(tmp.dir, args, env);
}

test('the build made a bundle, newer than dist/cli/main.js, and bin runs it', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`);
  assert.ok(statSync(BUNDLE).mtimeMs >= statSync(join(ROOT, 'dist/cli/main.js')).mtimeMs, 'the bundle is older than the last tsc: run npm run build');
  const r = cli(['--version']);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^etcdplay \d+\.\d+\.\d+/);
  assert.match(r.err, 'etcdplay: running dist/etcdplay.mjs');
});

test('validate and plan from the bundle: the schema, file:line:col diagnostics, precompiled validators', () => {
  const bad = join(tmp.dir, 'bad.yml');
  writeFileSync(bad, '- hosts: all\n  tasks:\n    - name: x\n      command: true\n      retries: lots\n');
  const v = cli(['validate', bad]);
  assert.is(v.code, 2, v.out + v.err);
  assert.match(v.out + v.err, /bad\.yml:5:\d+/);
  const p = cli(['plan', join(ROOT, 'playbooks/examples/etcd-manual.yml'), '-i', join(ROOT, 'inventories/seed003.ini')]);
  assert.is(p.code, 0, p.out + p.err);
  assert.match(p.out, 'ETCDCTL_API=3');
});

test('run from the bundle: local hosts, a block template, a copy; then ssh2 against a real sshd', () => {
  const d = tmp.dir;
  writeFileSync(join(d, 'inv.yml'), `all:\n  hosts:\n    local1: { ansible_connection: local, etcdplay_lock_dir: ${d}/lock }\n`);
  writeFileSync(join(d, 'src.txt'), 'payload\n');
  writeFileSync(join(d, 'conf.hbs'), '{{#if flag}}flag on{{else}}flag off{{/if}} for {{ inventory_hostname }}\n');
  writeFileSync(join(d, 'pb.yml'), `- hosts: all
  gather_facts: false
  vars: { flag: true }
  tasks:
    - name: render
      template: { src: ${d}/conf.hbs, dest: ${d}/conf.out }
    - name: copy
      copy: { src: ${d}/src.txt, dest: ${d}/copied.txt }
    - name: say
      command: echo from {{ inventory_hostname }}
`);
  const r = cli(['run', join(d, 'pb.yml'), '-i', join(d, 'inv.yml')]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.err, 'etcdplay: running dist/etcdplay.mjs');
  assert.match(r.out, /local1\s+: ok=3\s+changed=3/);
  assert.is(readFileSync(join(d, 'conf.out'), 'utf8'), 'flag on for local1\n');
  assert.is(readFileSync(join(d, 'copied.txt'), 'utf8'), 'payload\n');
  runDir = /^run dir: (.+)$/m.exec(r.out)?.[1]?.trim();
  assert.ok(runDir, `no run dir line in:\n${r.out}`);
  assert.match(r.out, `report: ${join(runDir!, 'report.html')}`);

  const v = varsFor(sshd);
  writeFileSync(join(d, 'ssh.yml'), `all:\n  hosts:\n    remote1:\n${Object.entries(v).map(([k, x]) => `      ${k}: ${JSON.stringify(x)}`).join('\n')}\n`);
  const a = cli(['adhoc', 'remote1', '-i', join(d, 'ssh.yml'), '-a', 'echo hello from $(hostname)']);
  assert.is(a.code, 0, a.out + a.err);
  assert.match(a.out, /remote1 \| CHANGED \| rc=0/);
  assert.match(a.out, 'hello from');
});

test('report from the bundle: the page of the run above, by handlebars, written again and on stdout', () => {
  assert.ok(runDir, 'the run test ran first');
  const atEnd = readFileSync(join(runDir!, 'report.html'), 'utf8');
  assert.match(atEnd, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="timeline"/);
  assert.is((atEnd.match(/class="bar"/g) ?? []).length, 3, 'a bar for each of 3 tasks on 1 host');
  const out = join(tmp.dir, 'again.html');
  const r = cli(['report', '--run-dir', runDir!, '-o', out]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.err, 'etcdplay: running dist/etcdplay.mjs');
  assert.is(readFileSync(out, 'utf8'), atEnd, 'the same page as at the end of the run');
  const s = cli(['report', '--run-dir', runDir!, '-o', '-']);
  assert.is(s.code, 0, s.err);
  assert.is(s.out, atEnd);
  for (const id of ['summary', 'timeline-section', 'failures', 'plan']) assert.match(s.out, `<section id="${id}">`);
  assert.match(s.out, '<td>render</td><td class="mono">template</td>', 'the tasks as they ran');
});

test.run();
