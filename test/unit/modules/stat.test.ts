/** stat and setup run their read-only commands on this machine; the results have Ansible's shape. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statModule } from '../../../src/modules/stat.js';
import { setupModule } from '../../../src/modules/setup.js';
import { getModule } from '../../../src/modules/registry.js';
import { ctx, runSteps } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-stat-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const stat = (args: Record<string, unknown>) => {
  const outs = runSteps(statModule.plan(args as never, ctx()));
  return statModule.interpret!(args as never, outs.map((o, i) => ({ step: statModule.plan(args as never, ctx())[i]!, ...o })), ctx());
};

test('stat: a file, a directory, a link, a missing path', () => {
  const f = join(dir, 'f.txt');
  writeFileSync(f, 'hello\n');
  chmodSync(f, 0o640);
  const r = stat({ path: f });
  assert.is(r.failed, false);
  const s = r.stat as Record<string, unknown>;
  assert.is(s.exists, true);
  assert.is(s.isreg, true);
  assert.is(s.isdir, false);
  assert.is(s.mode, '0640');
  assert.is(s.size, 6);
  assert.is(s.checksum, createHash('sha1').update('hello\n').digest('hex'));
  assert.is(typeof s.mtime, 'number');
  assert.is((stat({ path: f, checksum_algorithm: 'sha256' }).stat as Record<string, unknown>).checksum, createHash('sha256').update('hello\n').digest('hex'));
  assert.is((stat({ path: f, get_checksum: false }).stat as Record<string, unknown>).checksum, undefined);

  assert.equal(stat({ path: join(dir, 'missing') }).stat, { exists: false });
  const d = stat({ path: dir }).stat as Record<string, unknown>;
  assert.ok(d.isdir && !d.isreg);

  const l = join(dir, 'link');
  symlinkSync(f, l);
  const ls = stat({ path: l }).stat as Record<string, unknown>;
  assert.ok(ls.islnk);
  assert.is(ls.lnk_target, f);
  assert.ok((stat({ path: l, follow: true }).stat as Record<string, unknown>).isreg, 'follow: the target');
  assert.is(getModule('ansible.builtin.stat'), statModule);
});

test('setup: Ansible-named facts, filter keeps the matching ones', () => {
  const run = (args: Record<string, unknown>) => {
    const steps = setupModule.plan(args as never, ctx());
    const outs = runSteps(steps);
    return setupModule.interpret!(args as never, outs.map((o, i) => ({ step: steps[i]!, ...o })), ctx());
  };
  const all = run({});
  const facts = all.facts as Record<string, unknown>;
  assert.is(typeof facts.ansible_hostname, 'string');
  assert.is(typeof facts.ansible_processor_vcpus, 'number');
  assert.ok(Array.isArray(facts.ansible_all_ipv4_addresses));
  assert.is((facts.ansible_facts as Record<string, unknown>).os_family, facts.ansible_os_family);
  // registered, as Ansible's setup returns it: ansible_facts holds the full names
  assert.is((all.ansible_facts as Record<string, unknown>).ansible_os_family, facts.ansible_os_family);
  const some = run({ filter: 'ansible_distribution*' }).facts as Record<string, unknown>;
  assert.ok(Object.keys(some).every((k) => k === 'ansible_facts' || k.startsWith('ansible_distribution')), Object.keys(some).join(' '));
  assert.ok('ansible_distribution' in some);
  for (const n of Object.keys(facts)) assert.ok(setupModule.factNames!.includes(n), `${n} announced to the planner`);
});

test.run();
