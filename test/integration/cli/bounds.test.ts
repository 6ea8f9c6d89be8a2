/**
 * Issue 15 point 5: bounded work from small input. The 1 KB template expansion bomb, the
 * 3000-level nested mapping (block and flow) and the 50 MB playbook each get a clear error at
 * file:line:col from `validate` (never "ok") and `plan`, fast and in bounded memory (max RSS of
 * the process measured by /usr/bin/time). The built CLI as users run it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../connection/_helpers.js';
import { BIN } from './_cli.js';

let tmp: ReturnType<typeof tempDir>;
const f = (n: string) => join(tmp.dir, n);

test.before(() => {
  tmp = tempDir('etcdplay-bounds-');
  const bomb = ['- hosts: all', '  gather_facts: false', '  vars:', '    a0: "xxxxxxxxxx"'];
  for (let i = 1; i <= 8; i++) bomb.push(`    a${i}: "${`{{ a${i - 1} }}`.repeat(10)}"`);
  bomb.push('  tasks:', '    - name: boom', '      command: echo {{ a8 }}');
  writeFileSync(f('bomb.yml'), bomb.join('\n') + '\n');
  // the same bomb in the inventory: only rendering can see it (plan)
  writeFileSync(f('bomb-inv.yml'), `all:\n  hosts:\n    h1:\n      ansible_connection: local\n      b0: "xxxxxxxxxx"\n${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `      b${i}: "${`{{ b${i - 1} }}`.repeat(10)}"`).join('\n')}\n`);
  writeFileSync(f('use-b8.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: boom\n      command: echo {{ b8 }}\n');
  let deep = '- hosts: all\n  gather_facts: false\n  vars:\n    deep:\n';
  for (let i = 0; i < 3000; i++) deep += `${' '.repeat(6 + i)}a${i === 2999 ? ': 1' : ':'}\n`;
  writeFileSync(f('deep.yml'), deep + '  tasks: []\n');
  writeFileSync(f('deep-flow.yml'), `- hosts: all\n  vars:\n    deep: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n  tasks: []\n`);
  writeFileSync(f('deep-inv.yml'), `all:\n  vars:\n    deep: ${'['.repeat(3000)}1${']'.repeat(3000)}\n  hosts:\n    h1: {}\n`);
  const fd = openSync(f('big.yml'), 'w');
  writeSync(fd, '- hosts: all\n  gather_facts: false\n  tasks:\n');
  const chunk = Array.from({ length: 1000 }, (_, i) => `    - name: t${i}\n      command: echo ${'x'.repeat(40)}\n`).join('');
  for (let n = 0; n < 50 * 1024 * 1024; n += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
  writeFileSync(f('inv.yml'), 'all:\n  hosts:\n    h1: { ansible_connection: local }\n');
});
test.after(() => tmp?.cleanup());

/** Run the CLI under /usr/bin/time: exit code, output, seconds, max RSS in MB. */
function timed(args: string[]): { code: number; all: string; secs: number; mb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, BIN, ...args], { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1', ETCDPLAY_HOME: f('home') }, encoding: 'utf8', timeout: 60_000 });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr)!;
  return { code: r.status ?? -1, all: r.stdout + r.stderr.replace(m[0], ''), secs: Number(m[1]), mb: Number(m[2]) / 1024 };
}

function bounded(r: ReturnType<typeof timed>, where: RegExp, what: string): void {
  assert.is(r.code, 2, r.all.slice(0, 2000));
  assert.not.match(r.all, /^ok:/m, 'validate must not say ok');
  assert.not.match(r.all, /internal error|call stack|Invalid string length/i);
  assert.match(r.all, where, r.all.slice(0, 600));
  assert.match(r.all, what);
  assert.ok(r.secs < 5, `took ${r.secs} s`);
  assert.ok(r.mb < 250, `max RSS ${r.mb.toFixed(0)} MB`);
}

test('the 1 KB template expansion bomb: validate and plan name the variable at file:line:col', () => {
  for (const cmd of [['validate', f('bomb.yml')], ['plan', f('bomb.yml'), '-i', f('inv.yml')]]) {
    bounded(timed(cmd), /bomb\.yml:10:5: error: variable 'a6' rendered would be 9\.5 MiB, more than the limit of 1 MiB/, 'a template expanding itself');
  }
});

test('the same bomb in the inventory: plan and validate -i stop at the first rendering over 1 MiB', () => {
  for (const cmd of [['plan', f('use-b8.yml'), '-i', f('bomb-inv.yml')], ['validate', f('use-b8.yml'), '-i', f('bomb-inv.yml')]]) {
    bounded(timed(cmd), /use-b8\.yml:5:\d+: error: /, 'more than the limit of 1 MiB for a rendered value');
  }
});

test('3000-level nesting (block mapping, flow mapping, flow lists in an inventory): refused before parsing', () => {
  bounded(timed(['validate', f('deep.yml')]), /deep\.yml:\d+:\d+: error: YAML nests deeper than 100 levels/, 'deeper than 100');
  bounded(timed(['validate', f('deep-flow.yml')]), /deep-flow\.yml:3:\d+: error: YAML nests deeper than 100 levels/, 'deeper than 100');
  bounded(timed(['plan', f('deep-flow.yml'), '-i', f('inv.yml')]), /deep-flow\.yml:3:\d+/, 'deeper than 100');
  bounded(timed(['validate', '-i', f('deep-inv.yml')]), /deep-inv\.yml:3:\d+: error: YAML nests deeper than 100 levels/, 'deeper than 100');
});

test('the 50 MB playbook: refused from its size, before it is read', () => {
  for (const cmd of [['validate', f('big.yml')], ['plan', f('big.yml'), '-i', f('inv.yml')]]) {
    bounded(timed(cmd), /big\.yml:1:1: error: playbook is 50\.\d MiB, more than the limit of 8 MiB for one file/, 'split it');
  }
});

test.run();
