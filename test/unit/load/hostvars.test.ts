import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInventory } from '../../../src/load/inventory.js';
import { inventoryHostVars, sortedGroups } from '../../../src/load/hostvars.js';

test('precedence: all < parent < child < host', () => {
  const { inventory: inv } = parseInventory(`
[all:vars]
v=all
a=all
[cluster:children]
etcd
[cluster:vars]
v=cluster
c=cluster
[etcd]
etcd1 v=host
etcd2
[etcd:vars]
v=etcd
`, 'hosts.ini');
  assert.is(inventoryHostVars(inv, 'etcd1').v, 'host');
  assert.is(inventoryHostVars(inv, 'etcd2').v, 'etcd');
  assert.is(inventoryHostVars(inv, 'etcd2').c, 'cluster');
  assert.is(inventoryHostVars(inv, 'etcd2').a, 'all');
});

test('same depth: alphabetical, later wins; ansible_group_priority overrides', () => {
  const { inventory: inv } = parseInventory(`
[zeta]
h
[alpha]
h
[zeta:vars]
v=zeta
[alpha:vars]
v=alpha
`, 'hosts.ini');
  assert.is(inventoryHostVars(inv, 'h').v, 'zeta');
  inv.groups.get('alpha')!.vars.ansible_group_priority = 10;
  assert.is(inventoryHostVars(inv, 'h').v, 'alpha');
  assert.equal(sortedGroups(inv, ['zeta', 'all', 'alpha']), ['all', 'zeta', 'alpha']);
});

test('depth is the longest path from all: a deep group beats a shallow one', () => {
  const { inventory: inv } = parseInventory(`
[top:children]
mid
[mid:children]
deep
[deep]
h
[shallow]
h
[deep:vars]
v=deep
[shallow:vars]
v=shallow
`, 'hosts.ini');
  assert.is(inventoryHostVars(inv, 'h').v, 'deep');
});

test('magic variables', () => {
  const { inventory: inv } = parseInventory(`
loner
[etcd]
etcd1.example.com
[web]
etcd1.example.com
[cluster:children]
etcd
`, 'dir/hosts.ini');
  const v = inventoryHostVars(inv, 'etcd1.example.com');
  assert.is(v.inventory_hostname, 'etcd1.example.com');
  assert.is(v.inventory_hostname_short, 'etcd1');
  assert.equal(v.group_names, ['cluster', 'etcd', 'web']);
  assert.equal(v.groups, { all: ['loner', 'etcd1.example.com'], ungrouped: ['loner'], etcd: ['etcd1.example.com'], web: ['etcd1.example.com'], cluster: ['etcd1.example.com'] });
  assert.is(v.inventory_file, 'dir/hosts.ini');
  assert.is(v.inventory_dir, 'dir');
  assert.equal(inventoryHostVars(inv, 'loner').group_names, ['ungrouped']);
  // `groups` is shared and frozen: it cannot be changed by accident.
  assert.throws(() => (v.groups as Record<string, string[]>).etcd!.push('x'));
  assert.equal((inventoryHostVars(inv, 'etcd1.example.com').groups as Record<string, string[]>).etcd, ['etcd1.example.com']);
  // Adding a host changes the inventory's shape: groups is recomputed.
  inv.hosts.set('new', { name: 'new', vars: {}, groups: ['all', 'etcd'] });
  inv.groups.get('etcd')!.hosts.push('new');
  assert.equal((inventoryHostVars(inv, 'new').groups as Record<string, string[]>).etcd, ['etcd1.example.com', 'new']);
});

test('an unknown host gets only magic variables', () => {
  const { inventory: inv } = parseInventory('[g]\nh\n', 'i.ini');
  const v = inventoryHostVars(inv, 'localhost');
  assert.is(v.inventory_hostname, 'localhost');
  assert.equal(v.group_names, []);
});

test.run();
