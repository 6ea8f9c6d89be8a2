/**
 * Issue 15 point 1: a secret in any rendered form (shell-quoted, JSON-escaped, base64, hex,
 * URL-encoded) is never on a process's argv, in the output, the events, the journal or the host
 * logs. The CLI as users run it against a real sshd; `ps -eo args` sampled every 50 ms while a
 * long task holds the secret (sshd and its sessions run on this machine, so this `ps` sees the
 * host's processes too).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir, varsFor } from '../connection/_helpers.js';
import { cli, cliAsync } from './_cli.js';
import { secretForms } from '../../../src/template/secret.js';
import { shQuote } from '../../../src/shell/quote.js';

const SECRET = `s3cr'et "v$l" \\ zZ9-Qx`;
let tmp: ReturnType<typeof tempDir>;
let sshd: Sshd;

test.before(async () => {
  tmp = tempDir('etcdplay-secrets-');
  sshd = await startSshd({ address: '127.0.0.62', users: ['root'] });
  const v = { ...varsFor(sshd), etcdplay_lock_dir: join(tmp.dir, 'lock') };
  writeFileSync(join(tmp.dir, 'inv.yml'), `all:\n  hosts:\n    h1:\n${Object.entries(v).map(([k, x]) => `      ${k}: ${JSON.stringify(x)}`).join('\n')}\n`);
  writeFileSync(join(tmp.dir, 'secrets.yml'), `db_password: ${JSON.stringify(SECRET)}\n`);
});
test.after(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Which forms of the secret does the text contain? */
function leaks(text: string): string[] {
  return secretForms(SECRET).filter((f) => text.includes(f));
}

test('the forms cover what the issue names: literal, shell-quoted, JSON, base64, hex, URL', () => {
  const forms = secretForms(SECRET);
  for (const f of [SECRET, shQuote(SECRET), `"${SECRET.replace(/[\\"$`]/g, '\\$&')}"`, JSON.stringify(SECRET).slice(1, -1), Buffer.from(SECRET).toString('base64').replace(/=+$/, ''), Buffer.from(SECRET).toString('hex'), encodeURIComponent(SECRET)]) {
    assert.ok(forms.some((x) => f.includes(x)), f);
  }
});

test('environment:, debug and shell text: no form of the secret on any argv, in output or the run dir; shell text with it refused', async () => {
  const d = tmp.dir;
  writeFileSync(
    join(d, 'pb.yml'),
    `- hosts: all
  gather_facts: false
  tasks:
    - name: long task holding the secret
      shell: 'sleep 3; printf "%s\\n" "$SEC"; printf %s "$SEC" | base64; printf %s "$SEC" | od -An -tx1 | tr -d " \\n"; echo'
      environment:
        SEC: "{{ db_password }}"
    - name: json of it
      debug:
        msg: "{{json db_password}}"
    - name: the secret in shell text
      shell: 'sleep 2; echo {{ db_password }} >/dev/null'
`,
  );
  const samples: string[] = [];
  const run = cliAsync(d, ['run', join(d, 'pb.yml'), '-i', join(d, 'inv.yml'), '-e', `@${join(d, 'secrets.yml')}`, '--json']);
  let done = false;
  void run.then(() => (done = true));
  while (!done) {
    samples.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await run;
  assert.ok(samples.length > 40, `only ${samples.length} ps samples`);
  assert.ok(samples.some((s) => s.includes('sleep 3')), 'the long task was never seen in ps');
  for (const s of samples) assert.equal(leaks(s), [], 'a form of the secret in ps -eo args');
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.out, 'refusing to run a command whose text contains a secret');
  assert.match(r.out, '********');
  assert.equal(leaks(r.out + r.err), [], 'a form of the secret in the output');
  const files = filesUnder(join(d, 'home'));
  assert.ok(files.some((f) => f.endsWith('journal.json')) && files.some((f) => f.endsWith('events.jsonl')), files.join(' '));
  for (const f of files) assert.equal(leaks(readFileSync(f, 'utf8')), [], `a form of the secret in ${f}`);
});

test('-e NAME=secret still warns that it is on etcdplay\'s own command line', () => {
  const d = tmp.dir;
  writeFileSync(join(d, 'noop.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n`);
  const r = cli(d, ['run', join(d, 'noop.yml'), '-i', join(d, 'inv.yml'), '-e', 'db_password=abcdef']);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.err, 'puts a secret on this process');
});

test.run();
