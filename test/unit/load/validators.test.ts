import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { listModules } from '../../../src/modules/registry.js';
import { AJV_OPTIONS, playbookSchema, withoutId } from '../../../src/load/schema.js';
import { validatorKey } from '../../../src/load/validators.js';

// The build precompiles validators into dist/load/validators/ (scripts/build-validators.mjs).
// They must exist for every schema and judge exactly like a fresh ajv compile.
const require = createRequire(import.meta.url);
const DIR = new URL('../../../dist/load/validators/', import.meta.url).pathname;
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => { compile(s: object): any } }).default;

const built = existsSync(DIR);

test('the build precompiled the playbook schema and every module schema', () => {
  if (!built) { console.log('  (dist/ not built: run npm run build)'); return; }
  const keys = [validatorKey('strict', playbookSchema())];
  for (const m of listModules()) keys.push(validatorKey('strict', withoutId(m.argsSchema)), validatorKey('coerce', withoutId(m.argsSchema)));
  const missing = keys.filter((k) => !existsSync(`${DIR}${k}.cjs`));
  assert.equal(missing, []);
});

test('precompiled validators give the same verdicts and errors as a fresh compile', () => {
  if (!built) return;
  const samples: unknown[] = [{}, { bogus: 1 }, { name: 3 }, 'text', null, { state: 'nope', path: '' }];
  let compared = 0;
  for (const m of listModules()) {
    const schema = withoutId(m.argsSchema);
    for (const mode of ['strict', 'coerce'] as const) {
      const file = `${DIR}${validatorKey(mode, schema)}.cjs`;
      if (!existsSync(file)) continue;
      const pre = require(file);
      const fresh = new Ajv2020({ ...AJV_OPTIONS[mode] }).compile(schema);
      for (const s of samples) {
        const a = structuredClone(s), b = structuredClone(s);
        assert.is(pre(a), fresh(b), `${m.name} ${mode} ${JSON.stringify(s)}`);
        assert.equal(pre.errors ?? null, fresh.errors ?? null, `${m.name} ${mode} errors`);
        compared++;
      }
    }
  }
  assert.ok(compared > 100, `compared ${compared}`);
});

test.run();
