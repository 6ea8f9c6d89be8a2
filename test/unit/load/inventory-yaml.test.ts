import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInventory } from '../../../src/load/inventory.js';

const yml = (text: string) => parseInventory(text, 'hosts.yml');

test('the lab-style YAML inventory', () => {
  const { inventory: inv, diagnostics } = yml(`
all:
  vars:
    ansible_user: root
    etcd_packages: [etcd-server, etcd-client]
  children:
    etcd:
      hosts:
        etcd1: { ansible_host: 127.0.1.11, etcd_name: etcd1 }
        etcd2:
          ansible_host: 127.0.1.12
        etcd3:
`);
  assert.equal(diagnostics, []);
  assert.equal([...inv.hosts.keys()], ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(inv.groups.get('all')!.vars, { ansible_user: 'root', etcd_packages: ['etcd-server', 'etcd-client'] });
  assert.equal(inv.hosts.get('etcd1')!.vars, { ansible_host: '127.0.1.11', etcd_name: 'etcd1' });
  assert.equal(inv.hosts.get('etcd3')!.vars, {});
  assert.equal(inv.groups.get('all')!.children, ['ungrouped', 'etcd']);
  assert.equal(inv.hosts.get('etcd2')!.pos, { file: 'hosts.yml', line: 10, col: 9 });
});

test('top-level groups besides all, nested children, ranges, ports, hosts under all', () => {
  const { inventory: inv, diagnostics } = yml(`
all:
  hosts:
    jump:
etcd:
  hosts:
    etcd[1:2]:2200:
      a: 1
  children:
    etcd_dc1:
      hosts:
        e-dc1:
      children:
        deep:
          vars: { d: 1 }
          hosts: { d1: }
`);
  assert.equal(diagnostics, []);
  assert.equal([...inv.hosts.keys()], ['jump', 'etcd1', 'etcd2', 'e-dc1', 'd1']);
  assert.equal(inv.hosts.get('etcd2')!.vars, { a: 1, ansible_port: 2200 });
  assert.equal(inv.groups.get('ungrouped')!.hosts, ['jump']);
  assert.equal(inv.groups.get('etcd')!.children, ['etcd_dc1']);
  assert.equal(inv.groups.get('etcd_dc1')!.children, ['deep']);
  assert.equal(inv.hosts.get('d1')!.groups, ['all', 'etcd', 'etcd_dc1', 'deep']);
  assert.equal(inv.groups.get('deep')!.vars, { d: 1 });
});

test('the same group under two parents, and empty groups', () => {
  const { inventory: inv, diagnostics } = yml(`
all:
  children:
    a:
      children:
        shared:
          hosts: { s1: }
    b:
      children:
        shared:
    empty:
`);
  assert.equal(diagnostics, []);
  assert.equal(inv.hosts.get('s1')!.groups.sort(), ['a', 'all', 'b', 'shared']);
  assert.ok(inv.groups.has('empty'));
});

test('anchors and merge keys work in inventories', () => {
  const { inventory: inv, diagnostics } = yml(`
all:
  hosts:
    h1: &base { ansible_user: root, port: 22 }
    h2:
      <<: *base
      port: 2222
`);
  assert.equal(diagnostics, []);
  assert.equal(inv.hosts.get('h2')!.vars, { ansible_user: 'root', port: 2222 });
});

test('JSON inventories are read by the YAML parser', () => {
  const { inventory: inv, diagnostics } = parseInventory('{"all": {"hosts": {"h1": {"x": 1}}}}', 'inv.json');
  assert.equal(diagnostics, []);
  assert.equal(inv.hosts.get('h1')!.vars, { x: 1 });
});

test('an empty YAML inventory is fine and has all/ungrouped', () => {
  const { inventory: inv, diagnostics } = yml('# nothing\n');
  assert.equal(diagnostics, []);
  assert.equal([...inv.groups.keys()], ['all', 'ungrouped']);
});

test('every problem is reported with its position', () => {
  const { diagnostics } = yml(`
all:
  children:
    etcd:
      hosts: [a, b]
      vars: 3
      childs:
    web:
      children: [x]
    db: 7
`);
  assert.equal(diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.code}`), [
    '5:14 inv-bad-hosts', '6:13 inv-bad-vars', '7:7 inv-unknown-key', '9:17 inv-bad-children', '10:9 inv-bad-group',
  ]);
});

test('the format is sniffed for files without an extension', () => {
  const y = parseInventory('---\nall:\n  hosts:\n    h1:\n', 'hosts');
  assert.equal(y.diagnostics, []);
  assert.ok(y.inventory.hosts.has('h1'));
  const i = parseInventory('# comment\n[g]\nh1\n', 'hosts');
  assert.equal(i.diagnostics, []);
  assert.ok(i.inventory.groups.get('g')!.hosts.includes('h1'));
  const plain = parseInventory('h1\nh2\n', 'hosts');
  assert.equal([...plain.inventory.hosts.keys()], ['h1', 'h2']);
});

test.run();
