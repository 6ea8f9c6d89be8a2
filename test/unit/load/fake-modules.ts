/**
 * A fixed, test-local module set for loader tests: the loader's behaviour (messages, hints,
 * positions) is pinned against these, independent of what the real registry holds.
 */
import type { Module } from '../../../src/modules/module.js';
import type { ModuleLookup } from '../../../src/load/playbook.js';

function mod(name: string, argsSchema: Record<string, unknown>, extra: Partial<Module<any>> = {}): Module<any> {
  return { name, summary: name, docs: '', argsSchema, checkMode: true, plan: () => [], ...extra };
}

export const FAKE_MODULES: Module<any>[] = [
  mod('command', { type: 'object', additionalProperties: false, properties: { cmd: { type: 'string' }, chdir: { type: 'string' }, creates: { type: 'string' }, removes: { type: 'string' } }, required: ['cmd'] }, { freeForm: 'cmd', aliases: ['ansible.builtin.command'] }),
  mod('shell', { type: 'object', additionalProperties: false, properties: { cmd: { type: 'string' }, chdir: { type: 'string' } }, required: ['cmd'] }, { freeForm: 'cmd', aliases: ['ansible.builtin.shell'] }),
  mod('copy', {
    type: 'object', additionalProperties: false,
    properties: { src: { type: 'string' }, content: { type: 'string' }, dest: { type: 'string' }, mode: { type: 'string' }, owner: { type: 'string' }, backup: { type: 'boolean' } },
    required: ['dest'],
    oneOf: [{ required: ['src'] }, { required: ['content'] }],
  }, { aliases: ['ansible.builtin.copy'] }),
  mod('service', {
    type: 'object', additionalProperties: false,
    properties: { name: { type: 'string' }, state: { enum: ['started', 'stopped', 'restarted', 'reloaded'] }, enabled: { type: 'boolean' } },
    required: ['name'],
  }, { aliases: ['ansible.builtin.service', 'systemd'] }),
  mod('wait_for', { type: 'object', additionalProperties: false, properties: { port: { type: 'integer' }, host: { type: 'string' }, timeout: { type: 'integer' }, path: { type: 'string' } }, anyOf: [{ required: ['port'] }, { required: ['path'] }] }),
  mod('debug', { type: 'object', additionalProperties: false, properties: { msg: {}, var: { type: 'string' } }, not: { required: ['msg', 'var'] } }, { aliases: ['ansible.builtin.debug'] }),
  mod('ping', { type: 'object', additionalProperties: false, properties: {} }),
  mod('set_fact', { type: 'object' }),
  mod('etcd_snapshot_save', { type: 'object', additionalProperties: false, properties: { path: { type: 'string' }, endpoints: { type: 'array', items: { type: 'string' } } }, required: ['path'] }),
  mod('etcd_snapshot_restore', { type: 'object', additionalProperties: false, properties: { path: { type: 'string' }, data_dir: { type: 'string' } }, required: ['path', 'data_dir'] }),
];

const BY_NAME = new Map<string, Module<any>>();
for (const m of FAKE_MODULES) for (const n of [m.name, ...(m.aliases ?? [])]) BY_NAME.set(n, m);

export const fakeModules: ModuleLookup = {
  get: (n) => BY_NAME.get(n),
  names: () => [...BY_NAME.keys()],
};
