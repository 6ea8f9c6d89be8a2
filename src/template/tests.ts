/**
 * THE test table (`x is defined`, `x is version('3.5.0', '<')`, ...), used wherever an expression
 * is: conditions and `{{ }}`. Result tests read a registered result's `failed` / `changed` /
 * `skipped` like Ansible's.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { regexTest } from './filters-text.js';
import type { FilterEnv } from './filters.js';
import { Undef, equal, toText, truthy, typeName, unmark } from './values.js';

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
const regex = (anchored: boolean): Test => ({ fn: (v, [re, ignorecase, multiline], env) => regexTest(v, re, anchored, env, { ignorecase, multiline }) });
const num = (v: unknown): number => Number(unmark(v));
const cmp = (f: (a: unknown, b: unknown) => boolean): Test => ({ fn: (v, [o], env) => {
  const a = unmark(v);
  const b = unmark(o);
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string') || f === eq || f === ne)) env.fail(`cannot compare ${typeName(a)} with ${typeName(b)}`);
  return f(a, b);
} });
const eq = (a: unknown, b: unknown): boolean => equal(a, b);
const ne = (a: unknown, b: unknown): boolean => !equal(a, b);
const inTest: Test = { fn: (v, [seq]) => { const s = unmark(seq); return Array.isArray(s) ? s.some((x) => equal(x, v)) : typeof s === 'string' ? s.includes(toText(v)) : isMapping(s) ? Object.hasOwn(s as object, toText(v)) : false; } };
const isMapping = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

export const TESTS: Record<string, Test> = {
  defined: { lenient: true, fn: (v) => !(v instanceof Undef) },
  undefined: { lenient: true, fn: (v) => v instanceof Undef },
  none: { fn: (v) => v === null || v === undefined },
  succeeded, success: succeeded, successful: succeeded,
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
  regex: { fn: (v, [re, ignorecase, multiline, matchType], env) => regexTest(v, re, toText(matchType ?? 'search') === 'match', env, { ignorecase, multiline }) },
  eq: cmp(eq), equalto: cmp(eq), '==': cmp(eq),
  ne: cmp(ne), '!=': cmp(ne),
  lt: cmp((a, b) => (a as number) < (b as number)), lessthan: cmp((a, b) => (a as number) < (b as number)), '<': cmp((a, b) => (a as number) < (b as number)),
  le: cmp((a, b) => (a as number) <= (b as number)), '<=': cmp((a, b) => (a as number) <= (b as number)),
  gt: cmp((a, b) => (a as number) > (b as number)), greaterthan: cmp((a, b) => (a as number) > (b as number)), '>': cmp((a, b) => (a as number) > (b as number)),
  ge: cmp((a, b) => (a as number) >= (b as number)), '>=': cmp((a, b) => (a as number) >= (b as number)),
  in: inTest,
  contains: { fn: (v, [x]) => inTest.fn(x, [v], undefined as never) },
  odd: { fn: (v) => num(v) % 2 !== 0 },
  even: { fn: (v) => num(v) % 2 === 0 },
  divisibleby: { fn: (v, [n]) => num(v) % num(n) === 0 },
  integer: { fn: (v) => typeof v === 'number' && Number.isInteger(v) },
  float: { fn: (v) => typeof v === 'number' && !Number.isInteger(v) },
  iterable: { fn: (v) => { v = unmark(v); return typeof v === 'string' || (v !== null && typeof v === 'object'); } },
  lower: { fn: (v) => { const s = toText(v); return s === s.toLowerCase(); } },
  upper: { fn: (v) => { const s = toText(v); return s === s.toUpperCase(); } },
  sameas: { fn: (v, [o]) => unmark(v) === unmark(o) },
  all: { fn: (v) => { const l = unmark(v); return Array.isArray(l) && l.every((x) => truthy(x)); } },
  any: { fn: (v) => { const l = unmark(v); return Array.isArray(l) && l.some((x) => truthy(x)); } },
  truthy: { fn: (v) => truthy(v) },
  falsy: { fn: (v) => !truthy(v) },
  reachable: { fn: (v) => !field('unreachable')(v) },
  unreachable: { fn: field('unreachable') },
  // An async job's state; a result that is not an async job counts as started and finished (Ansible's defaults).
  started: { fn: (v) => Number(((unmark(v) ?? {}) as Record<string, unknown>)['started'] ?? 1) === 1 },
  finished: { fn: (v) => Number(((unmark(v) ?? {}) as Record<string, unknown>)['finished'] ?? 1) === 1 },
  subset: { fn: (v, [o]) => (Array.isArray(v) && Array.isArray(o) ? v.every((x) => o.some((y) => equal(x, y))) : false) },
  superset: { fn: (v, [o]) => (Array.isArray(v) && Array.isArray(o) ? o.every((x) => v.some((y) => equal(x, y))) : false) },
  abs: { fn: (v) => typeof v === 'string' && v.startsWith('/') },
  is_abs: { fn: (v) => typeof v === 'string' && v.startsWith('/') },
  link: { fn: (v) => { try { return lstatSync(toText(v)).isSymbolicLink(); } catch { return false; } } },
  link_exists: { fn: (v) => { try { lstatSync(toText(v)); return true; } catch { return false; } } },
  exists: { fn: (v) => existsSync(toText(v)) },
  file: { fn: (v) => { try { return statSync(toText(v)).isFile(); } catch { return false; } } },
  directory: { fn: (v) => { try { return statSync(toText(v)).isDirectory(); } catch { return false; } } },
};
// Ansible's path tests by their other names (they look at the workstation, as Ansible's do).
TESTS['is_file'] = TESTS['file']!;
TESTS['is_dir'] = TESTS['directory']!;
TESTS['is_link'] = TESTS['link']!;
TESTS['issubset'] = TESTS['subset']!;
TESTS['issuperset'] = TESTS['superset']!;
