/**
 * THE test table (`x is defined`, `x is version('3.5.0', '<')`, ...), used wherever an expression
 * is: conditions and `{{ }}`. Result tests read a registered result's `failed` / `changed` /
 * `skipped` like Ansible's.
 */
import type { FilterEnv } from './filters.js';
import { Undef, toText, unmark } from './values.js';

export interface Test {
  fn(v: unknown, args: unknown[], env: FilterEnv): boolean;
  /** The value may be undefined (an Undef reaches fn). */
  lenient?: boolean;
}

/** Compare loose versions ('3.4.23-4+b4' vs '3.5.0'): numeric parts numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+~:_]/);
  const pb = b.split(/[.\-+~:_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) { if (nx !== ny) return nx < ny ? -1 : 1; }
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0, '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0,
  '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

const field = (name: string) => (v: unknown): boolean => Boolean(((unmark(v) ?? {}) as Record<string, unknown>)[name]);
const succeeded: Test = { fn: (v) => !field('failed')(v) };
const failed: Test = { fn: field('failed') };
const changed: Test = { fn: field('changed') };
const skipped: Test = { fn: field('skipped') };
const version: Test = {
  fn: (v, [other, op], env) => {
    if (other === undefined) env.fail(`'version' needs a version to compare with, e.g. version('3.5.0', '<')`);
    const f = VERSION_OPS[toText(op ?? '==')];
    if (!f) env.fail(`unknown version operator '${toText(op)}' (use < <= > >= == !=)`);
    return f(compareVersions(toText(v), toText(other)));
  },
};
const regex = (anchored: boolean): Test => ({
  fn: (v, [re], env) => {
    let rx: RegExp;
    try { rx = new RegExp(anchored ? `^(?:${toText(re)})` : toText(re)); } catch (err) { return env.fail(`bad regular expression: ${(err as Error).message}`); }
    return rx.test(toText(v));
  },
});
const isMapping = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

export const TESTS: Record<string, Test> = {
  defined: { lenient: true, fn: (v) => !(v instanceof Undef) },
  undefined: { lenient: true, fn: (v) => v instanceof Undef },
  none: { fn: (v) => v === null || v === undefined },
  succeeded, success: succeeded,
  failed, failure: failed,
  changed, change: changed,
  skipped, skip: skipped,
  string: { fn: (v) => typeof unmark(v) === 'string' },
  number: { fn: (v) => typeof v === 'number' },
  boolean: { fn: (v) => typeof v === 'boolean' },
  mapping: { fn: (v) => isMapping(v) },
  sequence: { fn: (v) => Array.isArray(v) || typeof unmark(v) === 'string' },
  true: { fn: (v) => v === true },
  false: { fn: (v) => v === false },
  version, version_compare: version,
  match: regex(true),
  search: regex(false),
};
