import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadDirPath } from './paths.js';
import type Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Module } from '../modules/module.js';
import { precompiled, validatorKey } from './validators.js';

/**
 * JSON Schema validation: the playbook schema (schemas/playbook.schema.json) compiled once, and
 * each module's argsSchema compiled once per module (cached).
 *
 * The build (`npm run build`) precompiles every validator with ajv's standalone code generator
 * (scripts/build-validators.mjs); a validator whose schema changed since the build, or a run from
 * the TypeScript sources, falls back to compiling with ajv here. Same code either way: ajv
 * standalone emits exactly what compile() would have run.
 */

const require = createRequire(import.meta.url);
// ajv's CommonJS default export, loaded only when something must be compiled here.
type Ajv2020Ctor = typeof Ajv2020Module.default;
function ajvClass(): Ajv2020Ctor {
  const m = require('ajv/dist/2020.js') as { default?: Ajv2020Ctor } & Ajv2020Ctor;
  return m.default ?? m;
}
type AjvInstance = InstanceType<Ajv2020Ctor>;

/** ajv options, shared with the build-time precompiler. */
export const AJV_OPTIONS = {
  strict: { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, allowMatchingProperties: true },
  lax: { allErrors: true, strict: false },
  coerce: { allErrors: true, strict: false, coerceTypes: true },
} as const;

export const PLAYBOOK_SCHEMA_PATH = loadDirPath('../../schemas/playbook.schema.json', import.meta.url);

let playbookValidator: ValidateFunction | undefined;
let strictAjv: AjvInstance | undefined;
let laxAjv: AjvInstance | undefined;
const moduleValidators = new Map<Module<any>, { validate?: ValidateFunction; coerce?: ValidateFunction; error?: string }>();

function ajvStrict(): AjvInstance {
  // strictRequired off: `required` inside oneOf/anyOf branches naming parent properties is normal.
  strictAjv ??= new (ajvClass())({ ...AJV_OPTIONS.strict });
  return strictAjv;
}

/** The playbook schema as an object. */
export function playbookSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(PLAYBOOK_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

/** Validate a whole playbook (plain data) against schemas/playbook.schema.json. */
export function validatePlaybookData(data: unknown): ErrorObject[] {
  if (!playbookValidator) {
    const schema = playbookSchema();
    playbookValidator = precompiled(validatorKey('strict', schema)) ?? ajvStrict().compile(schema);
  }
  return playbookValidator(data) ? [] : [...(playbookValidator.errors ?? [])];
}

/**
 * Validate module args against the module's argsSchema. `coerce` is for `key=value` text, whose
 * values are all strings ("2379" may stand for an integer, "true" for a boolean).
 * Returns the ajv errors, or a schema error message when the module's schema does not compile.
 */
export function validateModuleArgs(mod: Module<any>, args: unknown, coerce = false): { errors: ErrorObject[]; schemaError?: string } {
  let entry = moduleValidators.get(mod);
  if (!entry) {
    entry = {};
    const schema = withoutId(mod.argsSchema);
    try {
      entry.validate = precompiled(validatorKey('strict', schema)) ?? ajvStrict().compile(schema);
    } catch (e) {
      try {
        laxAjv ??= new (ajvClass())({ ...AJV_OPTIONS.lax });
        entry.validate = laxAjv.compile(withoutId(mod.argsSchema));
      } catch (e2) {
        entry.error = `module '${mod.name}' has an invalid args schema: ${(e2 as Error).message}`;
      }
      void e;
    }
    moduleValidators.set(mod, entry);
  }
  if (entry.error || !entry.validate) return { errors: [], schemaError: entry.error ?? 'no validator' };
  if (coerce) {
    if (!entry.coerce) {
      const schema = withoutId(mod.argsSchema);
      entry.coerce = precompiled(validatorKey('coerce', schema)) ?? new (ajvClass())({ ...AJV_OPTIONS.coerce }).compile(schema);
    }
    const copy = structuredClone(args);
    return { errors: entry.coerce(copy) ? [] : [...(entry.coerce.errors ?? [])] };
  }
  return { errors: entry.validate(args) ? [] : [...(entry.validate.errors ?? [])] };
}

// Several modules may share an $id (or none); compile each as an anonymous schema.
export function withoutId(schema: Record<string, unknown>): Record<string, unknown> {
  if (!schema || typeof schema !== 'object') return {};
  const { $id: _id, ...rest } = schema;
  return rest;
}
