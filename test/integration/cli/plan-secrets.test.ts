/**
 * Issue 15 point 2: `etcdplay plan` never prints a secret (text or --format json, any rendered
 * form): `<secret:NAME>` instead. Only `--show-secrets` with stdout on a terminal shows them.
 * The built CLI as users run it; plan connects nowhere, so no sshd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../connection/_helpers.js';
import { BIN, cli } from './_cli.js';
import { secretForms } from '../../../src/template/secret.js';

const SECRETS = { ansible_password: `hunter2'ssh`, api_key: 'AK-1234567890', db_password: 'db-pass"999"' };
let tmp: ReturnType<typeof tempDir>;
let args: string[];

test.before(() => {
  tmp = tempDir('etcdplay-plan-secrets-');
  const d = tmp.dir;
  writeFileSync(join(d, 'inv.yml'), `all:\n  hosts:\n    h1: { ansible_host: 127.0.0.63, ansible_password: ${JSON.stringify(SECRETS.ansible_password)} }\n`);
  writeFileSync(
    join(d, 'pb.yml'),
    `- hosts: all
  gather_facts: false
  vars:
    etcdplay_secret_vars: [api_key]
    api_key: ${SECRETS.api_key}
  tasks:
    - name: uses them all
      shell: 'curl -u admin:{{ ansible_password }} -H "X-Key: {{ api_key }}" --data {{json db_password}}'
    - name: in the environment
      command: env
      environment: { K: "{{ api_key }}", P: "{{ db_password }}" }
`,
  );
  args = ['plan', join(d, 'pb.yml'), '-i', join(d, 'inv.yml'), '-e', `db_password=${SECRETS.db_password}`];
});
test.after(() => tmp?.cleanup());

function leaks(text: string): string[] {
  return Object.values(SECRETS).flatMap((s) => secretForms(s).filter((f) => text.includes(f)));
}

test('plan (text and json) shows <secret:NAME>, never a form of the value', () => {
  for (const extra of [[], ['--format', 'json'], ['--full']]) {
    const r = cli(tmp.dir, [...args, ...extra]);
    assert.is(r.code, 0, r.out + r.err);
    assert.equal(leaks(r.out + r.err), [], `plan ${extra.join(' ')}`);
    for (const n of ['ansible_password', 'api_key', 'db_password']) assert.match(r.out, `<secret:${n}>`);
  }
});

test('--show-secrets is refused when stdout is not a terminal', () => {
  const r = cli(tmp.dir, [...args, '--show-secrets']);
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.err, 'not one');
  assert.equal(leaks(r.out + r.err), []);
});

test('--show-secrets on a terminal shows them', () => {
  const cmd = [process.execPath, BIN, ...args, '--show-secrets'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1', ETCDPLAY_HOME: join(tmp.dir, 'home') }, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, SECRETS.api_key);
  assert.not.match(r.stdout, '<secret:api_key>');
});

test.run();
