import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileModule } from '../../../src/modules/file.js';
import { ctx, runSteps } from './support.js';

let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'etcdplay-file-')); });
test.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

const plan = (args: Record<string, unknown>) => fileModule.plan(args as never, ctx());

test('directory: created once, then ok (guarded)', () => {
  const p = join(dir, 'a/b/c');
  const first = runSteps(plan({ path: p, state: 'directory' }));
  assert.is(first[0]!.status, 'ran');
  assert.ok(statSync(p).isDirectory());
  const second = runSteps(plan({ path: p, state: 'directory' }));
  assert.is(second[0]!.status, 'skipped');
});

test('mode: octal and the YAML-1.2 number form, idempotent', () => {
  const p = join(dir, 'd');
  runSteps(plan({ path: p, state: 'directory', mode: '0750' }));
  assert.is(statSync(p).mode & 0o7777, 0o750);
  const again = runSteps(plan({ path: p, state: 'directory', mode: 750 }));
  assert.equal(again.map((r) => r.status), ['skipped', 'skipped']);
  const change = runSteps(plan({ path: p, mode: '0700' }));
  assert.equal(change.map((r) => r.status), ['ran', 'ran']);
  assert.is(statSync(p).mode & 0o7777, 0o700);
});

test('recursive mode only runs when some file differs', () => {
  const p = join(dir, 'tree');
  mkdirSync(join(p, 'sub'), { recursive: true });
  writeFileSync(join(p, 'sub', 'f'), 'x');
  let r = runSteps(plan({ path: p, mode: '0755', recurse: true }));
  assert.is(r[1]!.status, 'ran');
  assert.is(statSync(join(p, 'sub', 'f')).mode & 0o777, 0o755);
  r = runSteps(plan({ path: p, mode: '0755', recurse: true }));
  assert.is(r[1]!.status, 'skipped');
});

test('owner/group: already right -> guard skips chown', () => {
  const p = join(dir, 'o');
  mkdirSync(p);
  const uid = String(process.getuid!());
  const gid = String(process.getgid!());
  const r = runSteps(plan({ path: p, owner: uid, group: gid, recurse: true }));
  assert.equal(r.map((x) => x.status), ['ran', 'skipped']);
});

test('absent removes recursively, then is ok', () => {
  const p = join(dir, 'gone');
  mkdirSync(join(p, 'x'), { recursive: true });
  let r = runSteps(plan({ path: p, state: 'absent' }));
  assert.is(r[0]!.status, 'ran');
  assert.not.ok(existsSync(p));
  r = runSteps(plan({ path: p, state: 'absent' }));
  assert.is(r[0]!.status, 'skipped');
});

test('absent refuses / and empty paths', () => {
  for (const p of ['/', '//', '/.', '/..', '', '  ', '/./']) {
    assert.throws(() => plan({ path: p, state: 'absent' }), /refusing to remove/, `path ${JSON.stringify(p)}`);
  }
  assert.throws(() => plan({ dest: '/', state: 'absent' }), /refusing/);
});

test('relative paths are rejected', () => {
  assert.throws(() => plan({ path: 'var/lib/etcd', state: 'directory' }), /absolute path/);
});

test('link: created, idempotent, retargeted', () => {
  const l = join(dir, 'link');
  runSteps(plan({ path: l, state: 'link', src: '/etc/hostname' }));
  assert.is(readlinkSync(l), '/etc/hostname');
  assert.is(runSteps(plan({ path: l, state: 'link', src: '/etc/hostname' }))[0]!.status, 'skipped');
  runSteps(plan({ path: l, state: 'link', src: '/etc/passwd' }));
  assert.is(readlinkSync(l), '/etc/passwd');
  assert.ok(lstatSync(l).isSymbolicLink());
});

test('touch and state=file', () => {
  const f = join(dir, 't');
  runSteps(plan({ path: f, state: 'touch' }));
  assert.ok(existsSync(f));
  const missing = runSteps(plan({ path: join(dir, 'nope') }));
  assert.is(missing[0]!.rc, 1);
});

test('SELinux steps are skipped (with a note) where SELinux is not enabled', () => {
  const p = join(dir, 's');
  mkdirSync(p);
  const steps = plan({ path: p, setype: '_default', recurse: true });
  assert.match(steps[1]!.description, /skipped when SELinux is not enabled/);
  const r = runSteps(steps);
  const selinux = existsSync('/sys/fs/selinux/enforce');
  if (!selinux) assert.is(r[1]!.status, 'skipped');
  const chcon = plan({ path: p, setype: 'etcd_var_lib_t' });
  assert.match(JSON.stringify(chcon[1]), /chcon/);
});

test.run();
