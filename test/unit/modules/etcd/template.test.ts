/** templates/etcd-default.j2 rendered for the example inventory reads back as the same member. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { renderString } from '../../../../src/template/render.js';
import { loadInventory } from '../../../../src/load/inventory.js';
import { inventoryHostVars } from '../../../../src/load/hostvars.js';
import { memberConfig } from '../../../../src/modules/etcd/config.js';
import { clusterMembers } from '../../../../src/modules/etcd/common.js';

test('etcd-default.j2 for a TLS member of inventories/example.yml', () => {
  const { inventory } = loadInventory(['inventories/example.yml']);
  const hostvars: Record<string, Record<string, unknown>> = {};
  for (const h of inventory.hosts.keys()) hostvars[h] = inventoryHostVars(inventory, h);
  const host = 'etcd-02.example.com';
  const vars = { ...hostvars[host], hostvars };
  const text = renderString(readFileSync('templates/etcd-default.j2', 'utf8'), vars);
  const c = memberConfig({ file: text });
  assert.is(c.name, 'etcd-02');
  assert.equal(c.clientUrls, ['https://192.0.2.242:2379']);
  assert.equal(c.peerUrls, ['https://192.0.2.242:2380']);
  assert.is(c.tls.certFile, '/etc/etcd/pki/server.crt');
  assert.ok(c.tls.clientCertAuth && c.tls.peerClientCertAuth);
  // the same initial cluster the restore module derives from the inventory
  const members = clusterMembers({ host, vars: vars as Record<string, unknown>, hostvars, check: false });
  assert.is(c.initialCluster, members.map((m) => `${m.name}=${m.peerUrl}`).join(','));
  assert.is(members.length, 5);
});

test.run();
