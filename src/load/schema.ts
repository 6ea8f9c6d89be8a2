import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Module } from '../modules/module.js';

/**
 * JSON Schema validation: the playbook schema (schemas/playbook.schema.json) compiled once, and
 * each module's argsSchema compiled once per module (cached).
 */

// ajv's CommonJS default export under NodeNext.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
type AjvInstance = InstanceType<typeof Ajv2020>;

export const PLAYBOOK_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/playbook.schema.json', import.meta.url));

let playbookValidator: ValidateFunction | undefined;
let strictAjv: AjvInstance | undefined;
let laxAjv: AjvInstance | undefined;
const moduleValidators = new Map<Module<any>, { validate?: ValidateFunction; coerce?: ValidateFunction; error?: string }>();

function ajvStrict(): AjvInstance {
  // strictRequired off: `required` inside oneOf/anyOf branches naming parent properties is normal.
  strictAjv ??= new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, allowMatchingProperties: true });
  return strictAjv;
}

/** The playbook schema as an object. */
export function playbookSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(PLAYBOOK_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

/** Validate a whole playbook (plain data) against schemas/playbook.schema.json. */
export function validatePlaybookData(data: unknown): ErrorObject[] {
  playbookValidator ??= ajvStrict().compile(playbookSchema());
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
    try {
      entry.validate = ajvStrict().compile(withoutId(mod.argsSchema));
    } catch (e) {
      try {
        laxAjv ??= new Ajv2020({ allErrors: true, strict: false });
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
      const a = new Ajv2020({ allErrors: true, strict: false, coerceTypes: true });
      entry.coerce = a.compile(withoutId(mod.argsSchema));
    }
    const copy = structuredClone(args);
    return { errors: entry.coerce(copy) ? [] : [...(entry.coerce.errors ?? [])] };
  }
  return { errors: entry.validate(args) ? [] : [...(entry.validate.errors ?? [])] };
}

// Several modules may share an $id (or none); compile each as an anonymous schema.
function withoutId(schema: Record<string, unknown>): Record<string, unknown> {
  if (!schema || typeof schema !== 'object') return {};
  const { $id: _id, ...rest } = schema;
  return rest;
}
