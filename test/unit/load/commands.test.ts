/**
 * `etcdplay validate` and `etcdplay inventory` through the CLI dispatcher: in this process with
 * stdout/stderr captured (fast), and once as a real process.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { main } from '../../../src/cli/main.js';

function spawnEtcdplay(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(process.argv.slice(1));", ...args], {
    encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI in this process, capturing what it writes. Serialised by uvu (tests run one by one). */
async function etcdplay(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test('a real process: exit status and output streams', () => {
  const bad = spawnEtcdplay('validate', 'test/corpus/bad/unknown-module.yml');
  assert.is(bad.code, 2);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /^test\/corpus\/bad\/unknown-module.yml:4:7: error: unknown module 'comand'\n/);
  assert.not.match(bad.stderr, /\x1b\[/, 'no colour with NO_COLOR / no TTY');
  const graph = spawnEtcdplay('inventory', '-i', 'test/corpus/good/inv-lab.yml', '--graph');
  assert.is(graph.code, 0);
  assert.is(graph.stdout, '@all:\n  |--@ungrouped:\n  |--@etcd:\n  |  |--etcd1\n  |  |--etcd2\n  |  |--etcd3\n');
});

test('inventory --graph of the kubespray-style sample shows the right tree', async () => {
  const r = (await etcdplay('inventory', '-i', 'inventories/kubespray-style.ini', '--graph'));
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  // exactly what ansible-inventory 2.14 prints for this file (inventory order, Ansible's pending children)
  assert.is(r.stdout, `@all:
  |--@ungrouped:
  |  |--bastion
  |--@OSEv3:
  |  |--@masters:
  |  |  |--master1.example.com
  |  |  |--master2.example.com
  |  |  |--master3.example.com
  |  |--@etcd:
  |  |  |--etcd01.example.com
  |  |  |--etcd02.example.com
  |  |  |--etcd03.example.com
  |  |  |--master1.example.com
  |  |--@nodes:
  |  |  |--@masters:
  |  |  |  |--master1.example.com
  |  |  |  |--master2.example.com
  |  |  |  |--master3.example.com
  |  |  |--@infra:
  |  |  |  |--infra1.example.com
  |  |  |--nodea.example.com
  |  |  |--nodeb.example.com
  |  |  |--nodec.example.com
  |--@k8s_cluster:
  |  |--@kube_control_plane:
  |  |  |--@masters:
  |  |  |  |--master1.example.com
  |  |  |  |--master2.example.com
  |  |  |  |--master3.example.com
  |  |--@kube_node:
  |  |  |--@nodes:
  |  |  |  |--@masters:
  |  |  |  |  |--master1.example.com
  |  |  |  |  |--master2.example.com
  |  |  |  |  |--master3.example.com
  |  |  |  |--@infra:
  |  |  |  |  |--infra1.example.com
  |  |  |  |--nodea.example.com
  |  |  |  |--nodeb.example.com
  |  |  |  |--nodec.example.com
`);
});

test('inventory --graph GROUP, --host, --list', async () => {
  assert.is((await etcdplay('inventory', '-i', 'inventories/kubespray-style.ini', '--graph', 'etcd')).stdout,
    '@etcd:\n  |--etcd01.example.com\n  |--etcd02.example.com\n  |--etcd03.example.com\n  |--master1.example.com\n');
  const host = (await etcdplay('inventory', '-i', 'inventories/kubespray-style.ini', '--host', 'infra1.example.com'));
  assert.is(host.code, 0);
  assert.equal(JSON.parse(host.stdout), {
    ansible_user: 'root', ansible_become: true, openshift_deployment_type: 'origin', cluster_name: 'lab cluster', etcd_client_port: 2379,
    kubelet_max_pods: 110, ansible_host: '127.0.1.41', ansible_port: 2222, openshift_node_group_name: 'node-config-infra',
  });
  const list = JSON.parse((await etcdplay('inventory', '-i', 'inventories/kubespray-style.ini', '--list')).stdout);
  assert.equal(list.all, { children: ['ungrouped', 'OSEv3', 'k8s_cluster'] });
  assert.equal(list.ungrouped, { hosts: ['bastion'] });
  assert.equal(list.OSEv3, { children: ['masters', 'etcd', 'nodes'] }); // as ansible-inventory --list
  assert.equal(list.etcd.hosts, ['etcd01.example.com', 'etcd02.example.com', 'etcd03.example.com', 'master1.example.com']);
  assert.equal(list._meta.hostvars['etcd02.example.com'].etcd_packages, ['etcd-server', 'etcd-client']);
  assert.is(list._meta.hostvars['master1.example.com'].etcd_version, '3.5.16');
  assert.is(Object.keys(list._meta.hostvars).length, 11);
});

test('inventory: bad usage and unknown names exit 2 with a message', async () => {
  assert.is((await etcdplay('inventory', '--list')).code, 2);
  assert.is((await etcdplay('inventory', '-i', 'x,', '--list', '--graph')).code, 2);
  const h = (await etcdplay('inventory', '-i', 'inventories/kubespray-style.ini', '--host', 'etcd1.example.com'));
  assert.is(h.code, 2);
  assert.match(h.stderr, /no host 'etcd1.example.com' in the inventory \(did you mean 'etcd01.example.com'/);
  const bad = (await etcdplay('inventory', '-i', 'test/corpus/bad/inv-bad-range.ini', '--list'));
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /inv-bad-range.ini:2:5: error: host range '\[3:1\]' must have begin <= end/);
  assert.match((await etcdplay('inventory', '--help')).stdout, /--graph \[GROUP\]/);
});

test('validate: every problem of every file, exit 2; good files exit 0', async () => {
  const bad = (await etcdplay('validate', 'test/corpus/bad/many-problems.yml', 'test/corpus/bad/enum-arg.yml'));
  assert.is(bad.code, 2);
  const headers = bad.stderr.split('\n').filter((l) => /^test\/corpus/.test(l));
  assert.ok(headers.length >= 8, bad.stderr);
  assert.ok(headers.includes("test/corpus/bad/many-problems.yml:6:7: error: unknown module 'comand'"), bad.stderr);
  assert.ok(headers.includes("test/corpus/bad/enum-arg.yml:6:16: error: argument 'state' of module 'service' must be one of: started, stopped, restarted, reloaded"));
  assert.match(bad.stderr, /\n {8}- service: name=etcd state=stoped\n {29}\^\n  hint: did you mean 'stopped'\?\n/);
  assert.match(bad.stderr, /etcdplay validate: \d+ errors, 1 warning in 2 files\n$/);
  assert.not.match(bad.stderr, /\x1b\[/, 'no colour with NO_COLOR / no TTY');

  const good = (await etcdplay('validate', 'test/corpus/good/full.yml', 'test/corpus/good/minimal.yml'));
  assert.is(good.code, 0, good.stderr);
  assert.is(good.stdout, 'ok: 0 errors, 0 warnings in 2 files\n');
});

test('validate -i checks inventories too (alone or with playbooks)', async () => {
  const inv = (await etcdplay('validate', '-i', 'test/corpus/bad/inv-vars-no-eq.ini', '-i', 'inventories/kubespray-style.ini'));
  assert.is(inv.code, 2);
  assert.match(inv.stderr, /inv-vars-no-eq.ini:5:1: error: expected 'key=value' in \[etcd:vars\]/);
  const ok = (await etcdplay('validate', '-i', 'test/corpus/good/inv-lab.yml'));
  assert.is(ok.code, 0, ok.stderr);
});

test('validate DIR checks every playbook in it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-validate-'));
  try {
    writeFileSync(join(dir, 'a.yml'), '- hosts: all\n  tasks:\n    - command: etcdctl version\n');
    writeFileSync(join(dir, 'b.yaml'), '- hosts: all\n  tasks:\n    - debug: msg=hi\n');
    writeFileSync(join(dir, 'notes.txt'), 'not yaml: [\n');
    const ok = await etcdplay('validate', dir);
    assert.is(ok.code, 0, ok.stderr);
    assert.is(ok.stdout, 'ok: 0 errors, 0 warnings in 2 files\n');
    writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    h1:\n');
    const bad = await etcdplay('validate', dir);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /inv\.yml:1:1: error: a playbook must be a list of plays\n[^]*hint: this looks like an inventory: pass it with -i/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate --json, --help, no arguments', async () => {
  const j = (await etcdplay('validate', '--json', 'test/corpus/bad/unknown-module.yml'));
  assert.is(j.code, 2);
  const out = JSON.parse(j.stdout);
  assert.is(out.errors, 1);
  assert.equal(out.diagnostics[0].pos, { file: 'test/corpus/bad/unknown-module.yml', line: 4, col: 7 });
  assert.is(out.diagnostics[0].code, 'unknown-module');
  assert.match((await etcdplay('validate', '--help')).stdout, /usage: etcdplay validate/);
  assert.is((await etcdplay('validate')).code, 2);
});

test('validate -i plans the playbooks: undefined variables are errors unless given with -e', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-validate-'));
  try {
    const f = join(dir, 'pb.yml');
    writeFileSync(f, '- hosts: etcd\n  tasks:\n    - debug: msg="{{ not_defined_anywhere }}"\n');
    const r = (await etcdplay('validate', f, '-i', 'test/corpus/good/inv-lab.yml'));
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, /pb\.yml:3:\d+: error: .*not_defined_anywhere/);
    const v = join(dir, 'vars.yml');
    writeFileSync(v, 'not_defined_anywhere: 1\n');
    assert.is((await etcdplay('validate', f, '-i', 'test/corpus/good/inv-lab.yml', '-e', 'not_defined_anywhere=x')).code, 0);
    assert.is((await etcdplay('validate', f, '-i', 'test/corpus/good/inv-lab.yml', '-e', `@${v}`)).code, 0);
    assert.is((await etcdplay('validate', f, '-i', 'test/corpus/good/inv-lab.yml', '-e', '{"not_defined_anywhere": 2}')).code, 0);
    // Without -i nothing is planned: the file itself is fine.
    assert.is((await etcdplay('validate', f)).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate warns but passes on warnings only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-validate-'));
  try {
    const f = join(dir, 'pb.yml');
    writeFileSync(f, '- hosts: all\n  tasks:\n    - debug: msg=hi\n      when: "{{ x }}"\n');
    const r = (await etcdplay('validate', f));
    assert.is(r.code, 0);
    assert.match(r.stderr, /pb.yml:4:13: warning: 'when' is already an expression/);
    assert.is(r.stdout, 'ok: 0 errors, 1 warning in 1 file\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
