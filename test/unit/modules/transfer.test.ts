import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetStep, PutStep } from '../../../src/model/step.js';
import { copyModule } from '../../../src/modules/copy.js';
import { fetchModule } from '../../../src/modules/fetch.js';
import { templateModule } from '../../../src/modules/template.js';
import { ctx, runSteps } from './support.js';

let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'etcdplay-xfer-')); });
test.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

test('copy: src relative to the playbook, files/ first; dest/ takes the basename', () => {
  mkdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'files', 'a.conf'), 'x');
  const [s] = copyModule.plan({ src: 'a.conf', dest: '/etc/app/', mode: 644, owner: 'etcd' }, ctx({}, { playbookDir: dir })) as PutStep[];
  assert.equal(s!.src, { path: join(dir, 'files', 'a.conf') });
  assert.is(s!.dest, '/etc/app/a.conf');
  assert.is(s!.mode, '0644');
  assert.is(s!.owner, 'etcd');
  assert.ok(s!.skipIfSame);
  const [t] = copyModule.plan({ src: 'tmp/snap.db', dest: '/tmp/snap.db' }, ctx({}, { playbookDir: dir })) as PutStep[];
  assert.equal(t!.src, { path: join(dir, 'tmp/snap.db') });
});

test('copy: content has its sha256; checksum is passed on; errors', () => {
  const [s] = copyModule.plan({ content: 'hello\n', dest: '/x' }, ctx()) as PutStep[];
  assert.is(s!.sha256, createHash('sha256').update('hello\n').digest('hex'));
  const sum = 'A'.repeat(64);
  const [c] = copyModule.plan({ src: '/a', dest: '/b', checksum: sum }, ctx()) as PutStep[];
  assert.is(c!.sha256, sum.toLowerCase());
  assert.throws(() => copyModule.plan({ content: 'x', dest: 'relative' }, ctx()), /absolute/);
  assert.throws(() => copyModule.plan({ dest: '/x' } as never, ctx()), /src or content/);
  assert.throws(() => copyModule.plan({ src: '/a', dest: '/x', mode: '999' }, ctx()), /invalid mode/);
});

test("copy: a mapping or list as content is written as Python's json.dumps writes it (Ansible)", () => {
  const [s] = copyModule.plan({ content: { quorum: 2, members: ['a', 'b'] }, dest: '/x' }, ctx()) as PutStep[];
  assert.equal(s!.src, { content: '{"quorum": 2, "members": ["a", "b"]}' });
});

test('copy remote_src: copied on the host through a temp name, idempotent, mode applied', () => {
  const src = join(dir, 'db');
  writeFileSync(src, 'snapshot-bytes');
  const steps = copyModule.plan({ src, dest: join(dir, 'out') + '/', mode: '0600', remote_src: true }, ctx());
  mkdirSync(join(dir, 'out'));
  let r = runSteps(steps);
  assert.is(r[0]!.status, 'ran');
  assert.ok(r[0]!.changed, r[0]!.stderr);
  assert.is(readFileSync(join(dir, 'out', 'db'), 'utf8'), 'snapshot-bytes');
  assert.is(statSync(join(dir, 'out', 'db')).mode & 0o777, 0o600);
  r = runSteps(steps);
  assert.is(r[0]!.status, 'skipped');
  writeFileSync(src, 'changed');
  r = runSteps(steps);
  assert.ok(r[0]!.changed);
  assert.is(readFileSync(join(dir, 'out', 'db'), 'utf8'), 'changed');
  assert.throws(() => copyModule.plan({ content: 'x', dest: '/x', remote_src: true }, ctx()), /needs src/);
});

test('fetch: flat and per-host layouts', () => {
  const [flat] = fetchModule.plan({ src: '/var/backup/db', dest: 'tmp/db', flat: true }, ctx({}, { playbookDir: dir, host: 'etcd1' })) as GetStep[];
  assert.is(flat!.dest, join(dir, 'tmp/db'));
  assert.is(flat!.mutates, false);
  const [dirFlat] = fetchModule.plan({ src: '/var/backup/db', dest: '/w/', flat: true }, ctx()) as GetStep[];
  assert.is(dirFlat!.dest, '/w/db');
  const [tree] = fetchModule.plan({ src: '/var/backup/db', dest: '/w' }, ctx({}, { host: 'etcd1' })) as GetStep[];
  assert.is(tree!.dest, '/w/etcd1/var/backup/db');
});

test('template: rendered verbatim from templates/, no shell quoting', () => {
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'etcd.hbs'), "ETCD_NAME={{ name }}\nETCD_INITIAL_CLUSTER={{initial_cluster groups.etcd}}\nQ='{{ q }}'\n");
  const vars = { name: 'e 1', q: "it's", groups: { etcd: ['e1'] }, hostvars: { e1: { etcd_address: '127.0.1.11' } } };
  const [s] = templateModule.plan({ src: 'etcd.hbs', dest: '/etc/default/etcd' }, ctx(vars, { playbookDir: dir })) as PutStep[];
  const content = 'content' in s!.src ? s!.src.content : '';
  assert.is(content, "ETCD_NAME=e 1\nETCD_INITIAL_CLUSTER=e1=http://127.0.1.11:2380\nQ='it's'\n");
  assert.is(s!.sha256, createHash('sha256').update(content).digest('hex'));
  assert.throws(() => templateModule.plan({ src: 'nope.hbs', dest: '/x' }, ctx(vars, { playbookDir: dir })), /not found \(tried/);
  writeFileSync(join(dir, 'templates', 'bad.hbs'), '{{ missing }}');
  assert.throws(() => templateModule.plan({ src: 'bad.hbs', dest: '/x' }, ctx(vars, { playbookDir: dir })), /undefined variable 'missing'/);
});

test.run();
