// Build step: precompile every JSON Schema validator etcdplay uses (the playbook schema and each
// module's args schema, strict and coercing variants) with ajv's standalone code generator, into
// dist/load/validators/<key>.cjs. At run time src/load/validators.ts looks them up by a hash of
// the schema; anything not found is compiled on the spot, so this file is an optimisation only.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020.js').default;
const standaloneCode = require('ajv/dist/standalone/index.js').default;

const { listModules } = await import('../dist/modules/registry.js');
const { AJV_OPTIONS, playbookSchema, withoutId } = await import('../dist/load/schema.js');
const { validatorKey } = await import('../dist/load/validators.js');

const wanted = new Map(); // key -> { options, schema }
const add = (options, schema) => wanted.set(validatorKey(options, schema), { options, schema });
add('strict', playbookSchema());
for (const mod of listModules()) {
  const schema = withoutId(mod.argsSchema);
  add('strict', schema);
  add('coerce', schema);
}

const dir = new URL('../dist/load/validators/', import.meta.url);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
let i = 0;
for (const [key, { options, schema }] of wanted) {
  const ajv = new Ajv2020({ ...AJV_OPTIONS[options], code: { source: true, esm: false } });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch {
    continue; // not compilable in this mode: left to the run-time fallback (which reports it)
  }
  const code = standaloneCode(ajv, validate);
  writeFileSync(new URL(`${key}.cjs`, dir), code);
  i++;
}
console.log(`build-validators: ${i} validators precompiled`);
