import { ValidationError } from '../errors.js';

/** node:util parseArgs, with its errors (unknown option, missing value) as usage errors: exit 2. */
export function parseCli<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new ValidationError(`${(err as Error).message}\n\n${usage}`);
    throw err;
  }
}
