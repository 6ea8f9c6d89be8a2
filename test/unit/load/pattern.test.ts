import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInventory } from '../../../src/load/inventory.js';
import { applyLimit, matchHosts, splitPattern } from '../../../src/load/pattern.js';

const { inventory: inv } = parseInventory(`
bastion
[etcd]
etcd1
etcd2
etcd3
[dc1]
etcd1
web1
[web]
web1
web2
[cluster:children]
etcd
web
`, 'hosts.ini');

const m = (p: string) => matchHosts(inv, p).hosts;

test('all, *, groups, hosts, in inventory order', () => {
  assert.equal(m('all'), ['bastion', 'etcd1', 'etcd2', 'etcd3', 'web1', 'web2']);
  assert.equal(m('*'), m('all'));
  assert.equal(m('etcd'), ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(m('cluster'), ['etcd1', 'etcd2', 'etcd3', 'web1', 'web2']);
  assert.equal(m('web2'), ['web2']);
  assert.equal(m('ungrouped'), ['bastion']);
  assert.equal(m('web:etcd'), ['etcd1', 'etcd2', 'etcd3', 'web1', 'web2']);
});

test('union, intersection, exclusion (order-independent)', () => {
  assert.equal(m('etcd:web2'), ['etcd1', 'etcd2', 'etcd3', 'web2']);
  assert.equal(m('etcd,web2'), ['etcd1', 'etcd2', 'etcd3', 'web2']);
  assert.equal(m('etcd:&dc1'), ['etcd1']);
  assert.equal(m('&dc1:etcd'), ['etcd1']);
  assert.equal(m('cluster:!web'), ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(m('all:!dc1:!bastion'), ['etcd2', 'etcd3', 'web2']);
  assert.equal(m('etcd,!etcd2'), ['etcd1', 'etcd3']);
  assert.equal(m('!etcd'), ['bastion', 'web1', 'web2']);
  assert.equal(m('cluster:&dc1:!web'), ['etcd1']);
});

test('globs and regexes over host and group names', () => {
  assert.equal(m('etcd*'), ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(m('web?'), ['web1', 'web2']);
  assert.equal(m('et?d[!3]'), ['etcd1', 'etcd2']);
  assert.equal(m('etcd[12]'), [], "like Ansible, NAME[digits] on a group is a subscript, not a glob");
  assert.equal(m('e*[12]'), ['etcd1', 'etcd2'], 'not a known group: a glob');
  assert.equal(m('d*'), ['etcd1', 'web1'], 'a glob matching a group name gives its hosts');
  assert.equal(m('~etcd[13]'), ['etcd1', 'etcd3']);
  assert.equal(m('~(web|bas)'), ['bastion', 'web1', 'web2']);
  assert.equal(m('~['), [], 'a bad regex matches nothing');
});

test('subscripts into a group', () => {
  assert.equal(m('etcd[0]'), ['etcd1']);
  assert.equal(m('etcd[-1]'), ['etcd3']);
  assert.equal(m('etcd[1:2]'), ['etcd2', 'etcd3']);
  assert.equal(m('etcd[1:]'), ['etcd2', 'etcd3']);
  assert.equal(m('etcd[:1]'), ['etcd1', 'etcd2']);
  assert.equal(m('etcd[9]'), []);
  assert.equal(m('etcd[0]:web[0]'), ['etcd1', 'web1']);
});

test('unmatched terms are reported', () => {
  assert.equal(matchHosts(inv, 'etcd:nope:&zzz:!gone'), { hosts: [], unmatched: ['nope', '&zzz'] });
  assert.equal(matchHosts(inv, 'etcd:nope'), { hosts: ['etcd1', 'etcd2', 'etcd3'], unmatched: ['nope'] });
  assert.equal(matchHosts(inv, ''), { hosts: [], unmatched: [] });
});

test('splitPattern keeps brackets whole', () => {
  assert.equal(splitPattern('a:b[1:2]:&c:!d'), ['a', 'b[1:2]', '&c', '!d']);
  assert.equal(splitPattern(' a , b '), ['a', 'b']);
});

test('--limit: intersection with a pattern, or hosts from @file', () => {
  const hosts = m('cluster');
  assert.equal(applyLimit(inv, hosts, undefined).hosts, hosts);
  assert.equal(applyLimit(inv, hosts, 'etcd2,web*').hosts, ['etcd2', 'web1', 'web2']);
  assert.equal(applyLimit(inv, hosts, 'bastion').hosts, []);
  assert.equal(applyLimit(inv, hosts, 'all:!etcd').hosts, ['web1', 'web2']);
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-limit-'));
  try {
    writeFileSync(join(dir, 'retry'), 'etcd3\n# comment\nweb1\n\n');
    assert.equal(applyLimit(inv, hosts, `@${join(dir, 'retry')}`).hosts, ['etcd3', 'web1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
