/** Every generic module: registered with its Ansible names, schema valid, examples load, docs current. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { genericModules } from '../../../src/modules/generic.js';
import { getModule, listModules } from '../../../src/modules/registry.js';
import { moduleMarkdown, moduleText } from '../../../src/modules/docs.js';
import { validateModuleArgs } from '../../../src/load/schema.js';
import { parsePlaybook } from '../../../src/load/playbook.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const NAMES = ['command', 'shell', 'copy', 'fetch', 'template', 'file', 'stat', 'replace', 'service', 'package', 'wait_for', 'assert', 'debug', 'set_fact', 'fail', 'pause', 'setup', 'async_status'];

test('the generic modules, in order, each with its ansible.builtin alias', () => {
  assert.equal(genericModules.map((m) => m.name), NAMES);
  for (const n of NAMES) {
    assert.is(getModule(n)?.name, n);
    assert.is(getModule(`ansible.builtin.${n}`)?.name, n, `ansible.builtin.${n}`);
  }
  assert.is(getModule('yum')?.name, 'package');
  assert.is(getModule('ansible.builtin.apt')?.name, 'package');
  assert.is(getModule('ansible.builtin.systemd')?.name, 'service');
});

test('schemas: draft 2020-12, no unknown args, compile under strict ajv', () => {
  for (const m of genericModules) {
    assert.is(m.argsSchema.$schema, 'https://json-schema.org/draft/2020-12/schema', m.name);
    if (m.name !== 'set_fact') assert.is(m.argsSchema.additionalProperties, false, m.name);
    const r = validateModuleArgs(m, { definitely_not_an_arg: 1 });
    assert.is(r.schemaError, undefined, `${m.name}: ${r.schemaError}`);
    if (m.name !== 'set_fact') assert.ok(r.errors.some((e) => e.keyword === 'additionalProperties'), m.name);
    assert.ok(m.summary && m.docs && m.examples, m.name);
  }
});

test('every example is a valid task list for the loader', () => {
  for (const m of genericModules) {
    const tasks = m.examples!.split('\n').map((l) => '    ' + l).join('\n');
    const text = `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks}\n`;
    const r = parsePlaybook(text, `${m.name}-example.yml`);
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errs.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`), [], m.name);
  }
});

test('docs/modules.md is generated from the modules (etcdplay modules --markdown > docs/modules.md)', () => {
  const doc = readFileSync(resolve(ROOT, 'docs/modules.md'), 'utf8');
  for (const m of listModules()) {
    assert.ok(doc.includes(moduleMarkdown(m).trim()), `section of '${m.name}' is out of date: run etcdplay modules --markdown > docs/modules.md`);
  }
  for (const m of listModules()) assert.ok(doc.includes(`\n## ${m.name}\n`), `'${m.name}' missing from docs/modules.md: regenerate it`);
});

test('terminal docs show the args table from the schema', () => {
  const t = moduleText(getModule('package')!);
  assert.match(t, /ARGUMENTS\n {2}name /);
  assert.match(t, /allow_downgrade +boolean +Allow installing an older version.*\(default false\)/);
  assert.match(t, /EXAMPLES/);
});

test.run();
