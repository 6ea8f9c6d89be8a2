import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { varsFor } from '../../../src/plan/vars.js';
import { TemplateError } from '../../../src/template/errors.js';
import { renderString } from '../../../src/template/render.js';
import { inventory, playbook, workspace } from './support.js';

test('precedence: inventory < play vars < vars_files < facts < registered < task vars < extra vars', () => {
  const ws = workspace({ 'vf.yml': 'level: vars_file\nfrom_file: yes-file\n' });
  try {
    const pb = playbook(ws.dir, `
- hosts: etcd
  vars:
    level: play
    only_play: p
  vars_files: [vf.yml]
  tasks:
    - name: t
      debug: { msg: x }
      vars:
        level: task
`);
    const inv = inventory();
    const play = pb.plays[0]!;
    const task = play.tasks[0]!;
    const base = { inv, host: 'e1', play, extraVars: {} };
    assert.is(varsFor({ ...base }).level, 'vars_file');
    assert.is(varsFor({ ...base }).only_play, 'p');
    assert.is(varsFor({ ...base }).from_file, 'yes-file');
    assert.is(varsFor({ ...base, facts: { level: 'fact' } }).level, 'fact');
    assert.is(varsFor({ ...base, facts: { level: 'fact' }, registered: { level: 'reg' } }).level, 'reg');
    assert.is(varsFor({ ...base, task, facts: { level: 'fact' } }).level, 'task');
    assert.is(varsFor({ ...base, task, extraVars: { level: 'extra' } }).level, 'extra');
    const noFile = playbook(ws.dir, '- hosts: etcd\n  tasks: [{debug: {msg: x}}]\n').plays[0]!;
    assert.is(varsFor({ inv, host: 'e1', play: noFile, extraVars: {} }).level, 'group', 'group beats all');
    assert.is(varsFor({ inv, host: 'm1', play: noFile, extraVars: {} }).level, 'all');
  } finally {
    ws.cleanup();
  }
});

test('magic variables', () => {
  const ws = workspace({});
  try {
    const play = playbook(ws.dir, '- hosts: etcd\n  tasks: [{debug: {msg: x}}]\n').plays[0]!;
    const v = varsFor({ inv: inventory(), host: 'e2', play, extraVars: {}, playHosts: ['e1', 'e2', 'e3'], batch: ['e2'], check: true });
    assert.is(v.inventory_hostname, 'e2');
    assert.equal(v.group_names, ['etcd']);
    assert.equal((v.groups as Record<string, string[]>).etcd, ['e1', 'e2', 'e3']);
    assert.equal(v.ansible_play_hosts, ['e1', 'e2', 'e3']);
    assert.equal(v.ansible_play_batch, ['e2']);
    assert.is(v.ansible_check_mode, true);
    assert.is(v.playbook_dir, ws.dir);
    const hv = v.hostvars as Record<string, Record<string, unknown>>;
    assert.is(hv.e3!.etcd_address, '127.0.1.13');
    assert.is(hv.e2!.inventory_hostname, 'e2');
    assert.is(renderString('{{initial_cluster groups.etcd}}', v), 'e1=http://127.0.1.11:2380,e2=http://127.0.1.12:2380,e3=http://127.0.1.13:2380');
    assert.is(hv.e1!.hostvars, v.hostvars, 'one shared hostvars object');
    assert.equal(Object.keys(hv), ['e1', 'e2', 'e3', 'm1']);
    assert.ok('m1' in hv && !('nope' in hv));
    assert.throws(() => JSON.stringify(v.hostvars), /circular/i, 'a cycle error, not a stack overflow');
  } finally {
    ws.cleanup();
  }
});

test('templated vars are rendered lazily against the merged vars, at any level', () => {
  const ws = workspace({});
  try {
    const play = playbook(ws.dir, `
- hosts: etcd
  vars:
    url: "https://{{ etcd_address }}:{{ port }}"
    port: 2379
    urls: ["{{ url }}", "{{ port }}"]
    snap: "{{ data }}/snap"
    loop_a: "{{ loop_b }}"
    loop_b: "{{ loop_a }}"
  tasks: [{debug: {msg: x}}]
`).plays[0]!;
    const inv = inventory();
    const v = varsFor({ inv, host: 'e3', play, extraVars: { data: '/srv' } });
    assert.is(v.url, 'https://127.0.1.13:2379');
    assert.equal(v.urls, ['https://127.0.1.13:2379', 2379]);
    assert.is(v.snap, '/srv/snap');
    assert.is((v.hostvars as Record<string, Record<string, unknown>>).e1!.url, 'https://127.0.1.11:2379');
    assert.throws(() => v.loop_a, (e: unknown) => e instanceof TemplateError && /refers to itself/.test((e as Error).message));
    const w = varsFor({ inv, host: 'e3', play, extraVars: {} });
    assert.throws(() => w.snap, /undefined variable 'data'/);
  } finally {
    ws.cleanup();
  }
});

test('registered results and facts are data: never rendered again', () => {
  const ws = workspace({});
  try {
    const play = playbook(ws.dir, '- hosts: etcd\n  vars: { t: "{{ x }}" }\n  tasks: [{debug: {msg: x}}]\n').plays[0]!;
    const v = varsFor({ inv: inventory(), host: 'e1', play, extraVars: {}, registered: { out: { stdout: "{{ index .Config }}" } }, facts: { f: '{{ nope }}' } });
    assert.equal(v.out, { stdout: '{{ index .Config }}' });
    assert.is(v.f, '{{ nope }}');
    assert.is(renderString('{{ out.stdout }}', v), '{{ index .Config }}');
    const w = varsFor({ inv: inventory(), host: 'e1', play, extraVars: {}, facts: { t: 'fact {{ x }}' }, task: { ...play.tasks[0]!, vars: { t: 'task {{ inventory_hostname }}' } } });
    assert.is(w.t, 'task e1', 'a templated task var above a fact is still rendered');
  } finally {
    ws.cleanup();
  }
});

test('vars_files names may be templated and are relative to the playbook', () => {
  const ws = workspace({ 'prod.yml': 'env_level: prod\n' });
  try {
    const play = playbook(ws.dir, '- hosts: etcd\n  vars_files: ["{{ env }}.yml"]\n  tasks: [{debug: {msg: x}}]\n').plays[0]!;
    const v = varsFor({ inv: inventory(), host: 'e1', play, extraVars: { env: 'prod' } });
    assert.is(v.env_level, 'prod');
    assert.ok(join(ws.dir, 'prod.yml'));
  } finally {
    ws.cleanup();
  }
});

test.run();
