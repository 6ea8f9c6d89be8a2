/**
 * Issue 15 point 6: terminal escapes. Control characters from playbook text, remote output and
 * files are escaped in everything printed (plain and --json output, the live view on a pty,
 * diagnostics, plan); host names with control characters are refused by the inventory loader
 * with file:line:col. The built CLI against a real sshd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { tempDir, varsFor } from '../connection/_helpers.js';
import { BIN, cli } from './_cli.js';

let tmp: ReturnType<typeof tempDir>;
let sshd: Sshd;
const f = (n: string) => join(tmp.dir, n);
// ESC, BEL, CSI/OSC introducers, a bare CR, and the 8-bit CSI (U+009B)
const BAD = /[\x07\x1b\r\x9b]/;

test.before(async () => {
  tmp = tempDir('etcdplay-term-');
  sshd = await startSshd({ address: '127.0.0.65', users: ['root'] });
  const v = { ...varsFor(sshd), etcdplay_lock_dir: f('lock') };
  writeFileSync(f('inv.yml'), `all:\n  hosts:\n    h1:\n${Object.entries(v).map(([k, x]) => `      ${k}: ${JSON.stringify(x)}`).join('\n')}\n`);
  writeFileSync(
    f('pb.yml'),
    `- hosts: all
  gather_facts: false
  tasks:
    - name: "title \\e]0;pwned\\a and clear \\e[2J\\e[H here"
      command: printf 'out \\033]0;remote-title\\007 \\033[2J \\302\\233 end\\r\\n'
    - name: debug
      debug:
        msg: "msg \\e[31mred\\e[0m \\x9b2J"
`,
  );
});
test.after(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

test('plain and --json output of a run: no raw control character, the escapes shown visibly', () => {
  for (const extra of [[], ['--json'], ['-v']]) {
    const r = cli(tmp.dir, ['run', f('pb.yml'), '-i', f('inv.yml'), ...extra]);
    assert.is(r.code, 0, r.out + r.err);
    assert.not.match(r.out + r.err, BAD, `raw control character with ${extra.join(' ')}`);
    if (!extra.length) assert.match(r.out, 'title \\x1b]0;pwned\\x07 and clear \\x1b[2J');
  }
});

test('the live view on a terminal (pty): no title change, no screen clear, no BEL from the playbook or the host', () => {
  const cmd = [process.execPath, BIN, 'run', f('pb.yml'), '-i', f('inv.yml')].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `stty cols 200 rows 50; exec ${cmd}`, '/dev/null'], { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1', TERM: 'xterm', ETCDPLAY_HOME: f('home') }, encoding: 'utf8', timeout: 180_000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.not.match(r.stdout, /\x1b\]|\x07|\x1b\[2J|\x9b/, 'OSC, BEL, screen clear or 8-bit CSI on the terminal');
  assert.match(r.stdout, 'pwned');
});

test('host names with control characters are refused by the loader at file:line:col (YAML and INI)', () => {
  writeFileSync(f('nl.yml'), 'all:\n  hosts:\n    "h1\\nh2: ok=9":\n      ansible_host: 127.0.0.1\n');
  writeFileSync(f('esc.ini'), '[etcd]\netcd1\nev\x1b]0;x\x07il ansible_host=127.0.0.1\n');
  const y = cli(tmp.dir, ['validate', '-i', f('nl.yml')]);
  assert.is(y.code, 2, y.out + y.err);
  assert.match(y.err, /nl\.yml:3:5: error: host name "h1\\nh2: ok=9" contains a control character \(\\n\)/);
  const i = cli(tmp.dir, ['inventory', '-i', f('esc.ini'), '--list']);
  assert.is(i.code, 2, i.out + i.err);
  assert.match(i.err, /esc\.ini:3:3: error: host name "ev\\u001b\]0;x\\u0007il" contains a control character/);
  assert.not.match(i.out + i.err, BAD);
});

test('diagnostics and plan quote the file with its control characters escaped', () => {
  writeFileSync(f('raw.yml'), '- hosts: all\n  tasks:\n    - name: x\x1b[2J\x1b]0;t\x07\n      nosuchmodule: {}\n');
  const v = cli(tmp.dir, ['validate', f('raw.yml')]);
  assert.is(v.code, 2, v.out + v.err);
  assert.not.match(v.out + v.err, BAD);
  assert.match(v.err, 'raw.yml:');
  const p = cli(tmp.dir, ['plan', f('pb.yml'), '-i', f('inv.yml')]);
  assert.is(p.code, 0, p.out + p.err);
  assert.not.match(p.out + p.err, BAD);
  assert.match(p.out, '\\x1b[2J');
});

test.run();
