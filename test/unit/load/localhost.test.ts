import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInventory } from '../../../src/load/inventory.js';
import { isLocalHost, withImplicitLocalhost } from '../../../src/load/localhost.js';
import { matchHosts } from '../../../src/load/pattern.js';
import { parsePlaybook } from '../../../src/load/playbook.js';
import { buildPlan } from '../../../src/plan/index.js';
import { cachedInventoryVars } from '../../../src/plan/vars.js';
import { fakeModules } from './fake-modules.js';

const { inventory: inv } = parseInventory(`
[all:vars]
site=dc1
[etcd]
etcd1 ansible_host=10.0.0.1
`, 'hosts.ini');

test('the implicit localhost is added only when a pattern names it and the inventory lacks it', () => {
  assert.is(withImplicitLocalhost(inv, ['etcd']).inventory, inv);
  const r = withImplicitLocalhost(inv, ['etcd:localhost']);
  assert.equal(r.added, ['localhost']);
  assert.is(r.empty, false);
  assert.equal(withImplicitLocalhost(inv, ['127.0.0.1']).added, ['127.0.0.1']);
  // the inventory itself is unchanged (--list / --graph never show it)
  assert.not.ok(inv.hosts.has('localhost'));
  const { inventory: listed } = parseInventory('localhost ansible_connection=ssh\n', 'x.ini');
  assert.equal(withImplicitLocalhost(listed, ['localhost']).added, []);
});

test("it is matched by its own name only, never by 'all', a group or a wildcard; it gets the all group's vars", () => {
  const { inventory: with_ } = withImplicitLocalhost(inv, ['localhost']);
  assert.equal(matchHosts(with_, 'localhost').hosts, ['localhost']);
  assert.equal(matchHosts(with_, 'all').hosts, ['etcd1']);
  assert.equal(matchHosts(with_, '*').hosts, ['etcd1']);
  assert.equal(matchHosts(with_, 'local*').hosts, []);
  assert.equal(matchHosts(with_, '!etcd1').hosts, []);
  const v = cachedInventoryVars(with_, 'localhost');
  assert.is(v.site, 'dc1');
  assert.is(v.ansible_connection, 'local');
  assert.equal(v.group_names, []);
  assert.equal((v.groups as Record<string, string[]>).all, ['etcd1']);
  assert.ok(isLocalHost('localhost', v));
});

const pb = (text: string) => parsePlaybook(text, 'pb.yml', { modules: fakeModules }).playbook!;

test("plan: 'hosts: localhost' plans on the workstation; Ansible's warning only when the inventory is empty", () => {
  const playbook = pb(`
- hosts: localhost
  gather_facts: false
  tasks: [{ name: t, command: hostname }]
`);
  const { plan, diagnostics } = buildPlan(playbook, inv, { extraVars: {}, check: false });
  assert.equal(diagnostics, []);
  assert.equal(plan.plays[0]!.hosts, ['localhost']);
  assert.is(plan.plays[0]!.tasks[0]!.perHost[0]!.reach, 'local');
  const { inventory: empty } = parseInventory('', 'empty.ini');
  const r = buildPlan(playbook, empty, { extraVars: {}, check: false });
  assert.equal(r.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.severity}: ${d.code}`), ['2:3 warning: implicit-localhost']);
  assert.match(r.diagnostics[0]!.message, /provided hosts list is empty, only localhost is available/);
  // 'all' still does not match it: an error, as before
  const all = buildPlan(pb('- hosts: all\n  tasks: [{ command: hostname }]\n'), empty, { extraVars: {}, check: false });
  assert.ok(all.diagnostics.some((d) => d.code === 'no-hosts'));
});

test('plan: remote_user and connection show how each host is reached', () => {
  const playbook = pb(`
- hosts: etcd
  gather_facts: false
  remote_user: deploy
  tasks:
    - name: as deploy
      command: hostname
    - name: on the workstation
      command: hostname
      connection: local
`);
  const { plan } = buildPlan(playbook, inv, { extraVars: {}, check: false });
  const [t1, t2] = plan.plays[0]!.tasks;
  assert.is(t1!.perHost[0]!.reach, 'ssh as deploy');
  assert.is(t2!.perHost[0]!.reach, 'local');
  const { inventory: withUser } = parseInventory('[etcd]\netcd1 ansible_user=admin\n', 'u.ini');
  assert.is(buildPlan(playbook, withUser, { extraVars: {}, check: false }).plan.plays[0]!.tasks[0]!.perHost[0]!.reach, 'ssh as admin');
});

test.run();
