/**
 * Python methods that Ansible users call on values (`s.split(',')`, `s.startswith('v3')`,
 * `d.items()`, `d.get('k', 0)`, `l.index('x')`), with Python's results. Where a filter does the
 * same, the method calls it (one implementation). Anything else is an error naming the method
 * and what to use instead.
 */
import type { FilterEnv } from './filters.js';
import { Undef, equal, pyStr, tuple, typeName, unmark } from './values.js';

type Method = (self: never, args: unknown[], env: FilterEnv) => unknown;

const s = (v: unknown): string => pyStr(v);

/** Python's strip/lstrip/rstrip: whitespace, or any of the given characters. */
function strip(text: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? undefined : new Set(s(chars));
  const drop = (c: string): boolean => (set ? set.has(c) : /\s/.test(c));
  let a = 0;
  let b = text.length;
  if (left) while (a < b && drop(text[a]!)) a++;
  if (right) while (b > a && drop(text[b - 1]!)) b--;
  return text.slice(a, b);
}

/** Python's prefix/suffix tests: one string or a tuple of them. */
const affix = (f: (t: string, x: string) => boolean) => (self: string, [x]: unknown[]): boolean =>
  (Array.isArray(x) ? x : [x]).some((y) => f(self, s(y)));

const STRING: Record<string, Method> = {
  split: (self: string, [sep, max], env) => env.filter('split', self, [sep ?? null, ...(max === undefined ? [] : [max])]),
  rsplit: (self: string, [sep, max], env) => {
    if (max === undefined || Number(max) < 0) return env.filter('split', self, [sep ?? null]);
    const parts = self.split(sep === undefined || sep === null ? /\s+/ : s(sep));
    const n = Number(max);
    return parts.length <= n + 1 ? parts : [parts.slice(0, parts.length - n).join(sep === undefined || sep === null ? ' ' : s(sep)), ...parts.slice(parts.length - n)];
  },
  splitlines: (self: string) => self.split(/\r\n|\r|\n/).filter((_l, i, a) => i < a.length - 1 || a[i] !== ''),
  strip: (self: string, [c]) => strip(self, c, true, true),
  lstrip: (self: string, [c]) => strip(self, c, true, false),
  rstrip: (self: string, [c]) => strip(self, c, false, true),
  startswith: affix((t, x) => t.startsWith(x)),
  endswith: affix((t, x) => t.endsWith(x)),
  replace: (self: string, [a, b, n], env) => env.filter('replace', self, [a, b, ...(n === undefined ? [] : [n])]),
  find: (self: string, [x]) => self.indexOf(s(x)),
  rfind: (self: string, [x]) => self.lastIndexOf(s(x)),
  index: (self: string, [x], env) => { const i = self.indexOf(s(x)); return i >= 0 ? i : env.fail(`substring ${JSON.stringify(s(x))} not found`); },
  count: (self: string, [x]) => (s(x) ? self.split(s(x)).length - 1 : self.length + 1),
  upper: (self: string) => self.toUpperCase(),
  lower: (self: string) => self.toLowerCase(),
  capitalize: (self: string, _a, env) => env.filter('capitalize', self, []),
  title: (self: string, _a, env) => env.filter('title', self, []),
  join: (self: string, [l], env) => env.filter('join', l, [self]),
  format: (self: string, args) => { let i = 0; return self.replace(/\{(\d*)\}/g, (_m, n: string) => s(args[n === '' ? i++ : Number(n)])); },
  isdigit: (self: string) => /^\d+$/.test(self),
  isalpha: (self: string) => /^[A-Za-z]+$/.test(self),
  isalnum: (self: string) => /^[A-Za-z0-9]+$/.test(self),
  isspace: (self: string) => /^\s+$/.test(self),
  isupper: (self: string) => /[A-Z]/.test(self) && self === self.toUpperCase(),
  islower: (self: string) => /[a-z]/.test(self) && self === self.toLowerCase(),
  zfill: (self: string, [w]) => (self.startsWith('-') ? '-' + self.slice(1).padStart(Number(w) - 1, '0') : self.padStart(Number(w), '0')),
  ljust: (self: string, [w, c]) => self.padEnd(Number(w), c === undefined ? ' ' : s(c)),
  rjust: (self: string, [w, c]) => self.padStart(Number(w), c === undefined ? ' ' : s(c)),
};

const DICT: Record<string, Method> = {
  items: (self: Record<string, unknown>) => Object.entries(self).map(([k, v]) => tuple([k, v])),
  keys: (self: Record<string, unknown>) => Object.keys(self),
  values: (self: Record<string, unknown>) => Object.values(self),
  get: (self: Record<string, unknown>, [k, d]) => (Object.hasOwn(self, s(k)) ? self[s(k)] : d ?? null),
};

const LIST: Record<string, Method> = {
  index: (self: unknown[], [x], env) => { const i = self.findIndex((y) => equal(x, y)); return i >= 0 ? i : env.fail(`${pyStr(x)} is not in the list`); },
  count: (self: unknown[], [x]) => self.filter((y) => equal(x, y)).length,
};

/** What to use instead of a mutating or unknown method. */
const INSTEAD: Record<string, string> = {
  append: "lists cannot be changed in place; use 'l + [x]' (with set_fact or {% set %})",
  extend: "lists cannot be changed in place; use 'l + other'",
  insert: "lists cannot be changed in place; use '[x] + l'",
  pop: "lists cannot be changed in place; use l[:-1] or l[-1]",
  remove: "lists cannot be changed in place; use l | reject('equalto', x) | list",
  sort: "use the filter: '| sort'",
  reverse: "use the filter: '| reverse | list'",
  update: "mappings cannot be changed in place; use d | combine({...})",
  setdefault: 'mappings cannot be changed in place; use d.get(k, default) or d | combine({...})',
  encode: 'text is already text; use | b64encode for base64',
  decode: 'text is already text; use | b64decode for base64',
};

/** Call method `name` of `self` with `args`. */
export function callMethod(self: unknown, name: string, args: unknown[], env: FilterEnv): unknown {
  if (self instanceof Undef) return self;
  const v = unmark(self);
  const table = typeof v === 'string' ? STRING : Array.isArray(v) ? LIST : v !== null && typeof v === 'object' ? DICT : undefined;
  const m = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (m) return m(v as never, args, env);
  const kind = typeof v === 'string' ? 'a string' : Array.isArray(v) ? 'a list' : typeName(v);
  const have = table ? Object.keys(table).join(', ') : 'none';
  return env.fail(`method '${name}' of ${kind} is not supported${INSTEAD[name] ? `: ${INSTEAD[name]}` : ''} (methods of ${kind}: ${have})`);
}
