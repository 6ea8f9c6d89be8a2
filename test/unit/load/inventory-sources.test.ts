import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadInventory } from '../../../src/load/inventory.js';
import { loadGroupHostVars, loadVarsDirs } from '../../../src/load/groupvars.js';
import { loadVarsFile } from '../../../src/load/varsfile.js';
import { inventoryHostVars } from '../../../src/load/hostvars.js';

function withDir(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-inv-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('group_vars/ and host_vars/ beside an inventory file: files, no extension, json, directories', () => {
  withDir({
    'hosts.ini': '[etcd]\netcd1 inline=1 over=inline\netcd2\n[etcd:vars]\ngv=ini\n',
    'group_vars/etcd.yml': 'gv: file\nport: 2379\n',
    'group_vars/all': 'ansible_user: root\n',
    'group_vars/ungrouped.json': '{"u": 1}',
    'group_vars/etcd/10.yml': 'dirvar: a\n',
    'group_vars/etcd/20.yaml': 'dirvar: b\n',
    'group_vars/etcd/README.md': 'not: read\n',
    'group_vars/etcd/.hidden.yml': 'hidden: true\n',
    'group_vars/nosuchgroup.yml': 'x: 1\n',
    'host_vars/etcd1.yml': 'over: host_vars\n',
    'host_vars/etcd1.txt': 'ignored: true\n',
  }, (dir) => {
    const { inventory: inv, diagnostics } = loadInventory([join(dir, 'hosts.ini')]);
    assert.equal(diagnostics, []);
    const v1 = inventoryHostVars(inv, 'etcd1');
    assert.is(v1.gv, 'file', 'group_vars files win over [g:vars]');
    assert.is(v1.port, 2379);
    assert.is(v1.ansible_user, 'root');
    assert.is(v1.dirvar, 'b', 'files of a group_vars dir are read in name order');
    assert.is(v1.inline, 1);
    assert.is(v1.over, 'host_vars', 'host_vars win over inline host vars');
    assert.is(v1.hidden, undefined);
    assert.is(v1.not, undefined);
    assert.is(v1.ignored, undefined);
    assert.is(inventoryHostVars(inv, 'etcd2').over, undefined);
  });
});

test('a directory source reads every inventory file in it, skipping ignored ones', () => {
  withDir({
    'inv/01-hosts.ini': '[etcd]\netcd1\n',
    'inv/02-more.yml': 'etcd:\n  hosts:\n    etcd2:\n',
    'inv/sub/03.ini': '[web]\nweb1\n',
    'inv/notes.md': '[nope]\nnope1\n',
    'inv/old.bak': '[nope]\nnope2\n',
    'inv/x.retry': 'nope3\n',
    'inv/group_vars/etcd.yml': 'from_dir: 1\n',
  }, (dir) => {
    const { inventory: inv, diagnostics } = loadInventory([join(dir, 'inv')]);
    assert.equal(diagnostics, []);
    assert.equal([...inv.hosts.keys()], ['etcd1', 'etcd2', 'web1']);
    assert.equal(inv.groups.get('etcd')!.hosts, ['etcd1', 'etcd2']);
    assert.is(inventoryHostVars(inv, 'etcd2').from_dir, 1);
  });
});

test('several -i sources merge: hosts and groups union, later vars win', () => {
  withDir({
    'a.ini': '[etcd]\netcd1 x=a y=a\n[etcd:vars]\ng=a\n',
    'b.yml': 'etcd:\n  hosts:\n    etcd1: { y: b }\n    etcd2:\n  vars: { g: b }\n',
  }, (dir) => {
    const { inventory: inv, diagnostics } = loadInventory([join(dir, 'a.ini'), join(dir, 'b.yml')]);
    assert.equal(diagnostics, []);
    assert.equal(inv.sources, [join(dir, 'a.ini'), join(dir, 'b.yml')]);
    assert.equal(inv.hosts.get('etcd1')!.vars, { x: 'a', y: 'b' });
    assert.equal(inv.groups.get('etcd')!.vars, { g: 'b' });
    assert.equal(inv.groups.get('etcd')!.hosts, ['etcd1', 'etcd2']);
  });
});

test('a comma-separated host list is an inventory', () => {
  const { inventory: inv, diagnostics } = loadInventory(['h1,h2,']);
  assert.equal(diagnostics, []);
  assert.equal([...inv.hosts.keys()], ['h1', 'h2']);
  assert.equal(inv.groups.get('ungrouped')!.hosts, ['h1', 'h2']);
});

test('missing sources, dynamic scripts and vault files are reported', () => {
  withDir({
    'script.sh': '#!/bin/sh\necho {}\n',
    'hosts.ini': '[g]\nh\n',
    'group_vars/g.yml': '$ANSIBLE_VAULT;1.1;AES256\n6162\n',
    'host_vars/h.yml': 'bad: [\n',
  }, (dir) => {
    chmodSync(join(dir, 'script.sh'), 0o755);
    const { diagnostics } = loadInventory([join(dir, 'nope.ini'), join(dir, 'script.sh'), join(dir, 'hosts.ini')]);
    const got = diagnostics.map((d) => `${d.pos.file.slice(dir.length + 1)}:${d.pos.line} ${d.code}`);
    assert.equal(got.sort(), ['group_vars/g.yml:1 vault-unsupported', 'host_vars/h.yml:2 yaml-syntax', 'nope.ini:1 inventory-not-found', 'script.sh:1 dynamic-inventory'].sort());
  });
});

test('loadGroupHostVars applies a playbook-side group_vars on top', () => {
  withDir({
    'inv/hosts.ini': '[etcd]\netcd1\n',
    'inv/group_vars/etcd.yml': 'v: inventory\nkeep: 1\n',
    'play/group_vars/etcd.yml': 'v: playbook\n',
  }, (dir) => {
    const { inventory: inv } = loadInventory([join(dir, 'inv', 'hosts.ini')]);
    assert.equal(loadGroupHostVars(inv, join(dir, 'play')), []);
    assert.equal(inventoryHostVars(inv, 'etcd1').v, 'playbook');
    assert.equal(inventoryHostVars(inv, 'etcd1').keep, 1);
    const dirs = loadVarsDirs(join(dir, 'play'));
    assert.equal(dirs.files, [join(dir, 'play', 'group_vars', 'etcd.yml')]);
  });
});

test('loadVarsFile: mapping, empty, errors with positions', () => {
  withDir({
    'ok.yml': 'a: 1\nb: [x]\n',
    'empty.yml': '',
    'list.yml': '- a\n',
    'badname.yml': 'good: 1\nbad-name: 2\n',
  }, (dir) => {
    assert.equal(loadVarsFile(join(dir, 'ok.yml')), { vars: { a: 1, b: ['x'] }, diagnostics: [] });
    assert.equal(loadVarsFile(join(dir, 'empty.yml')), { vars: {}, diagnostics: [] });
    assert.equal(loadVarsFile(join(dir, 'list.yml')).diagnostics.map((d) => d.code), ['vars-not-mapping']);
    const bad = loadVarsFile(join(dir, 'badname.yml')).diagnostics;
    assert.equal(bad.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`), ["2:1 invalid variable name 'bad-name'"]);
    assert.equal(loadVarsFile(join(dir, 'missing.yml')).diagnostics.map((d) => d.code), ['file-unreadable']);
  });
});

test.run();
