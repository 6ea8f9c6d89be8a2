import { test } from 'uvu';
import { YAML11_BOOL } from '../../../src/load/yamlsrc.js';
import * as assert from 'uvu/assert';
import Ajv2020Module from 'ajv/dist/2020.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { playbookSchema, validateModuleArgs, validatePlaybookData } from '../../../src/load/schema.js';
import { PLAY_KEYWORDS, TASK_KEYWORDS } from '../../../src/load/keywords.js';
import { FAKE_MODULES } from './fake-modules.js';
import { listModules } from '../../../src/modules/registry.js';

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;

test('the schema is draft 2020-12 with an $id and compiles in strict mode', () => {
  const s = playbookSchema();
  assert.is(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.type(s.$id, 'string');
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, allowMatchingProperties: true });
  ajv.compile(s);
});

test('every property and definition carries a description (for editors)', () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
    const o = node as Record<string, unknown>;
    const isSchema = 'type' in o || '$ref' in o || 'enum' in o || 'properties' in o || path.endsWith('/loop');
    if (isSchema && typeof o.description !== 'string') missing.push(path || '/');
    for (const k of ['properties', 'patternProperties', '$defs']) {
      const m = o[k] as Record<string, unknown> | undefined;
      if (m) for (const [name, sub] of Object.entries(m)) walk(sub, `${path}/${k}/${name}`);
    }
    for (const k of ['items', 'additionalProperties', 'propertyNames']) if (o[k] && typeof o[k] === 'object') walk(o[k], `${path}/${k}`);
  };
  walk(playbookSchema(), '');
  assert.equal(missing, []);
});

test('the schema lists exactly the play and task keywords the loader knows', () => {
  const defs = playbookSchema().$defs as Record<string, { properties: Record<string, unknown> }>;
  assert.equal(Object.keys(defs.play!.properties).sort(), [...PLAY_KEYWORDS].sort());
  assert.equal(Object.keys(defs.task!.properties).sort(), [...TASK_KEYWORDS].sort());
});

test('validatePlaybookData accepts a good playbook and reports paths for bad ones', () => {
  assert.equal(validatePlaybookData([{ hosts: 'a', tasks: [{ command: 'ls', when: ['x', true] }] }]), []);
  const errs = validatePlaybookData([{ hosts: 'a', become: 'yes', tasks: [{ 'bad key': 1 }] }]);
  assert.equal(errs.map((e) => `${e.instancePath} ${e.keyword}`).sort(), ['/0/become type', '/0/tasks/0 additionalProperties']);
});

test('the good fixtures and the shipped playbooks satisfy the schema on its own (as an editor sees them)', () => {
  const files = [
    ...readdirSync('test/corpus/good').filter((f) => f.endsWith('.yml') && !f.startsWith('inv-')).map((f) => join('test/corpus/good', f)),
    ...(existsSync('playbooks') ? readdirSync('playbooks').filter((f) => f.endsWith('.yml')).map((f) => join('playbooks', f)) : []),
  ];
  assert.ok(files.length >= 3);
  for (const f of files) {
    // an editor set to YAML 1.1 (docs/playbook.md), as Ansible reads files: `become: yes` is true
    const data = parse(readFileSync(f, 'utf8'), { merge: true, customTags: [YAML11_BOOL] });
    assert.equal(validatePlaybookData(data).map((e) => `${e.instancePath} ${e.message}`), [], f);
  }
});

test('module args are validated against the module schema, with coercion for key=value text', () => {
  const wait = FAKE_MODULES.find((m) => m.name === 'wait_for')!;
  assert.equal(validateModuleArgs(wait, { port: 2379 }).errors, []);
  assert.equal(validateModuleArgs(wait, { port: '2379' }).errors.map((e) => e.keyword), ['type']);
  assert.equal(validateModuleArgs(wait, { port: '2379' }, true).errors, []);
  const copy = FAKE_MODULES.find((m) => m.name === 'copy')!;
  assert.equal(validateModuleArgs(copy, {}).errors.map((e) => e.keyword).sort(), ['oneOf', 'required', 'required', 'required']);
});

test('a module whose schema is not strict-clean still validates (lax fallback)', () => {
  const odd = { ...FAKE_MODULES[0]!, name: 'odd', argsSchema: { type: 'object', properties: { a: { type: 'string', minimum: 1 } } } };
  assert.equal(validateModuleArgs(odd, { a: 'x' }), { errors: [] });
  const broken = { ...FAKE_MODULES[0]!, name: 'broken', argsSchema: { type: 'nonsense' } };
  assert.match(validateModuleArgs(broken, {}).schemaError ?? '', /invalid args schema/);
});

test('every real module schema compiles', () => {
  for (const m of listModules()) {
    const r = validateModuleArgs(m, {});
    assert.is(r.schemaError, undefined, m.name);
  }
});

test.run();
