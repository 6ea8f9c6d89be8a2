import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors.js';
import { formatDiagnostics, hasErrors } from '../load/diagnostics.js';
import { parseKeyValueArgs } from '../load/kv.js';
import { loadVarsFile } from '../load/varsfile.js';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';

/**
 * `-e` values, the same for run, adhoc, plan and validate: `@file` (YAML/JSON vars file), a JSON
 * or YAML flow mapping (`{"a": 1}`, `{a: 1, b: [x, y]}`), or `k=v` pairs. Later ones win.
 * Problems in an @file are pushed to `diagnostics` when given (validate reports them with the
 * rest), otherwise thrown as one ValidationError.
 */
export function parseExtraVars(values: string[] | undefined, diagnostics?: Diagnostic[]): Vars {
  const out: Vars = {};
  for (const raw of values ?? []) {
    const s = raw.trim();
    if (s.startsWith('@')) {
      const r = loadVarsFile(s.slice(1));
      if (diagnostics) diagnostics.push(...r.diagnostics);
      else if (hasErrors(r.diagnostics)) throw new ValidationError(`-e ${s}: invalid vars file`, r.diagnostics, formatDiagnostics(r.diagnostics));
      Object.assign(out, r.vars);
    } else if (s.startsWith('{')) {
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch {
        try {
          v = parseYaml(s);
        } catch (e) {
          throw new ValidationError(`-e: not a valid JSON or YAML mapping: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError('-e: the value must be a mapping');
      Object.assign(out, v as Vars);
    } else if (s) {
      try {
        Object.assign(out, parseKeyValueArgs(s));
      } catch (e) {
        throw new ValidationError(`-e: ${(e as Error).message}`);
      }
    }
  }
  return out;
}
