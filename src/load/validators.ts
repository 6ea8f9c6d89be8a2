import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadDirPath } from './paths.js';
import type { ValidateFunction } from 'ajv';

/**
 * Validators precompiled at build time (scripts/build-validators.mjs writes one file per
 * validator into dist/load/validators/, next to this file's compiled form; only the validators a
 * playbook needs are loaded). Each is keyed by the
 * ajv option set and a hash of its schema, so a schema edited after the build is never checked by
 * a stale validator: it simply is not found, and the caller compiles it.
 */
export type OptionSet = 'strict' | 'coerce';

export function validatorKey(options: OptionSet, schema: unknown): string {
  return `${options}-${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 32)}`;
}

const DIR = loadDirPath('validators/', import.meta.url);
const require = createRequire(import.meta.url);

export function precompiled(key: string): ValidateFunction | undefined {
  const file = `${DIR}${key}.cjs`;
  return existsSync(file) ? (require(file) as ValidateFunction) : undefined;
}
