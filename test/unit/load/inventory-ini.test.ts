import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInventory } from '../../../src/load/inventory.js';
import { shlexSplit, splitHostPort } from '../../../src/load/inventory-ini.js';

const ini = (text: string) => parseInventory(text, 'hosts.ini');

test('groups, hosts in file order, ungrouped and all', () => {
  const { inventory: inv, diagnostics } = ini(`
lonely
[etcd]
etcd1
etcd2
[web]
web1
etcd1
`);
  assert.equal(diagnostics, []);
  assert.equal([...inv.hosts.keys()], ['lonely', 'etcd1', 'etcd2', 'web1']);
  assert.equal(inv.groups.get('ungrouped')!.hosts, ['lonely']);
  assert.equal(inv.groups.get('all')!.children, ['ungrouped', 'etcd', 'web']);
  assert.equal(inv.groups.get('web')!.hosts, ['web1', 'etcd1']);
  assert.equal(inv.hosts.get('etcd1')!.groups, ['all', 'etcd', 'web']);
  assert.equal(inv.hosts.get('lonely')!.groups, ['all', 'ungrouped']);
  assert.equal(inv.hosts.get('etcd1')!.pos, { file: 'hosts.ini', line: 4, col: 1 });
});

test('children and vars sections; groups created before they are defined', () => {
  const { inventory: inv, diagnostics } = ini(`
[cluster:children]
etcd
masters

[cluster:vars]
port=2379
name = spaced value
list=[1, 'two']
flag=True
quoted="a b"
ver=3.5.16

[etcd]
e1
`);
  assert.equal(diagnostics, []);
  assert.equal(inv.groups.get('cluster')!.children, ['etcd', 'masters']);
  assert.equal(inv.groups.get('all')!.children, ['ungrouped', 'cluster']);
  assert.equal(inv.groups.get('cluster')!.vars, { port: 2379, name: 'spaced value', list: [1, 'two'], flag: true, quoted: 'a b', ver: '3.5.16' });
  assert.equal(inv.hosts.get('e1')!.groups, ['all', 'cluster', 'etcd']);
  assert.ok(inv.groups.has('masters'));
});

test('inline host vars: shell quoting, python typing, comments', () => {
  const { inventory: inv, diagnostics } = ini(`
[etcd]
etcd1 ansible_host=127.0.1.11 etcd_name='x y' port=2379 ok=True path="/a b" # a comment
etcd2 ansible_host=127.0.1.12 # etcd_name=ignored
; a comment line
# another
etcd3 v=0644 l="['a', 'b']" n=None esc=a\\ b
`);
  assert.equal(diagnostics, []);
  assert.equal(inv.hosts.get('etcd1')!.vars, { ansible_host: '127.0.1.11', etcd_name: 'x y', port: 2379, ok: true, path: '/a b' });
  assert.equal(inv.hosts.get('etcd2')!.vars, { ansible_host: '127.0.1.12' });
  assert.equal(inv.hosts.get('etcd3')!.vars, { v: '0644', l: ['a', 'b'], n: null, esc: 'a b' });
});

test('host ranges and host:port', () => {
  const { inventory: inv, diagnostics } = ini(`
[etcd]
etcd[01:03].example.com role=member
node[a:b]:2222
h[1:5:2]
`);
  assert.equal(diagnostics, []);
  assert.equal([...inv.hosts.keys()], ['etcd01.example.com', 'etcd02.example.com', 'etcd03.example.com', 'nodea', 'nodeb', 'h1', 'h3', 'h5']);
  assert.equal(inv.hosts.get('etcd02.example.com')!.vars, { role: 'member' });
  assert.equal(inv.hosts.get('nodeb')!.vars, { ansible_port: 2222 });
});

test('a host listed twice merges its vars (later wins)', () => {
  const { inventory: inv } = ini(`
[a]
h x=1 y=1
[b]
h y=2
`);
  assert.equal(inv.hosts.get('h')!.vars, { x: 1, y: 2 });
  assert.equal(inv.hosts.get('h')!.groups, ['all', 'a', 'b']);
});

test('[all] hosts are ungrouped; [all:vars] set vars on all', () => {
  const { inventory: inv } = ini(`
[all]
h1
[all:vars]
ansible_user=root
[g]
h2
`);
  assert.equal(inv.groups.get('ungrouped')!.hosts, ['h1']);
  assert.equal(inv.groups.get('all')!.vars, { ansible_user: 'root' });
  assert.equal(inv.groups.get('all')!.hosts, []);
});

test('a host both in [ungrouped] and a real group is not ungrouped', () => {
  const { inventory: inv } = ini(`
h1
[g]
h1
`);
  assert.equal(inv.groups.get('ungrouped')!.hosts, []);
  assert.equal(inv.hosts.get('h1')!.groups, ['all', 'g']);
});

test('CRLF line endings and indentation are accepted', () => {
  const { inventory: inv, diagnostics } = ini('[etcd]\r\n  etcd1 a=1\r\n\tetcd2\r\n');
  assert.equal(diagnostics, []);
  assert.equal([...inv.hosts.keys()], ['etcd1', 'etcd2']);
  assert.equal(inv.hosts.get('etcd1')!.vars, { a: 1 });
});

test('every malformed line is reported, the rest still loads', () => {
  const { inventory: inv, diagnostics } = ini(`
[etcd
x1
[ok]
good1 a=1
bad a
[ok:vars]
novalue
[ok:weird]
`);
  assert.equal(diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.code}`), ['2:1 ini-bad-section', '6:5 ini-bad-hostvar', '8:1 ini-bad-var', '9:4 ini-bad-section']);
  assert.ok(inv.hosts.has('good1'));
  assert.ok(!inv.hosts.has('x1'), 'lines of a broken section are skipped');
  assert.ok(!inv.hosts.has('bad'));
});

test('shlexSplit columns and comments', () => {
  assert.equal(shlexSplit(`  a b='c d'#x`).tokens, [{ text: 'a', col: 3 }, { text: 'b=c d', col: 5 }]);
  assert.equal(shlexSplit(`a "b\\"c"`).tokens.map((t) => t.text), ['a', 'b"c']);
  assert.is(shlexSplit(`a 'b`).errorCol, 3);
});

test('splitHostPort', () => {
  assert.equal(splitHostPort('h:22'), { name: 'h', port: 22 });
  assert.equal(splitHostPort('h'), { name: 'h' });
  assert.equal(splitHostPort('::1'), { name: '::1' });
  assert.equal(splitHostPort('[::1]:2222'), { name: '::1', port: 2222 });
  assert.equal(splitHostPort('etcd[1:3]'), { name: 'etcd[1:3]' });
});

test('group cycles are reported and broken', () => {
  const { inventory: inv, diagnostics } = ini(`
[a:children]
b
[b:children]
c
[c:children]
a
[c]
h
`);
  assert.equal(diagnostics.map((d) => d.message), ['group cycle: a -> b -> c -> a']);
  assert.equal(inv.hosts.get('h')!.groups.sort(), ['a', 'all', 'b', 'c']);
});

test('a group cannot be its own child', () => {
  const { diagnostics } = ini('[a:children]\na\n');
  assert.equal(diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`), ["2:1 group 'a' cannot be its own child"]);
});

test('a name that is both host and group gets a warning', () => {
  const { diagnostics } = ini('[etcd]\netcd\n');
  assert.equal(diagnostics.map((d) => [d.severity, d.code]), [['warning', 'host-group-clash']]);
});

test.run();
