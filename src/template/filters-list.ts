/**
 * The list and mapping filters of the one filter table (filters.ts spreads them in): Jinja's
 * (`list`, `map`, `select`, `sort`, `unique`, `sum`...) and Ansible's (`union`, `difference`,
 * `combine`, `dict2items`, `flatten`, `zip`...), with the results ansible-playbook 2.14 gives.
 */
import type { Filter, FilterEnv } from './filters.js';
import { Undef, equal, pyStr, truthy, tuple, typeName, unmark } from './values.js';

type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A list from any iterable: a list, a string's characters, a mapping's keys. */
function seq(v: unknown, name: string, env: FilterEnv): unknown[] {
  v = unmark(v);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  return env.fail(`'${name}' needs a list, got ${typeName(v)}`);
}

function dict(v: unknown, name: string, env: FilterEnv): Dict {
  v = unmark(v);
  return isDict(v) ? v : env.fail(`'${name}' needs a mapping, got ${typeName(v)}`);
}

/** `a.b.c` (or a number for a list index) of an item, as `attribute=` reads it; Undef when missing. */
export function attrOf(item: unknown, path: unknown): unknown {
  let v: unknown = item;
  for (const part of String(path).split('.')) {
    v = unmark(v);
    if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
    else if (isDict(v) && Object.hasOwn(v, part)) v = v[part];
    else return new Undef(`${String(path)}`);
  }
  return v;
}

function uniq(l: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of l) if (!out.some((y) => equal(x, y))) out.push(x);
  return out;
}

/** Python's ordering of two values of one kind (numbers, strings, lists); else fails. */
export function compare(a: unknown, b: unknown, env: FilterEnv, caseSensitive = false): number {
  a = unmark(a);
  b = unmark(b);
  if (typeof a === 'string' && typeof b === 'string') {
    const x = caseSensitive ? a : a.toLowerCase();
    const y = caseSensitive ? b : b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i], b[i], env, caseSensitive);
      if (c) return c;
    }
    return a.length - b.length;
  }
  return env.fail(`cannot order ${typeName(a)} and ${typeName(b)}`);
}

function keyed(kw: Dict, args: unknown[]): (x: unknown) => unknown {
  const attribute = kw.attribute ?? args[2];
  return attribute === undefined ? (x) => x : (x) => attrOf(x, attribute);
}

function extreme(sign: number): Filter {
  return {
    fn: (v, _a, env, kw) => {
      const l = seq(v, sign > 0 ? 'max' : 'min', env);
      if (!l.length) return new Undef(sign > 0 ? 'max of an empty list' : 'min of an empty list');
      const key = kw.attribute === undefined ? (x: unknown) => x : (x: unknown) => attrOf(x, kw.attribute);
      const cs = kw.case_sensitive === true;
      return l.reduce((best, x) => (compare(key(x), key(best), env, cs) * sign > 0 ? x : best));
    },
  };
}

/** select/reject: items passing a test (by name, with arguments), or truthy ones. */
function selecting(keep: boolean, byAttr: boolean): Filter {
  return {
    fn: (v, args, env) => {
      const l = seq(v, 'select', env);
      let attr: unknown;
      let rest = args;
      if (byAttr) [attr, ...rest] = args;
      const [test, ...targs] = rest;
      return l.filter((x) => {
        const val = byAttr ? attrOf(x, attr) : x;
        const ok = test === undefined ? truthy(val) : env.test(pyStr(test), val, targs);
        return ok === keep;
      });
    },
  };
}

function flatten(l: unknown[], levels: number, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of l) {
    if (Array.isArray(x) && levels !== 0) out.push(...flatten(x, levels - 1, skipNulls));
    else if (!(skipNulls && (x === null || x === 'None'))) out.push(x);
  }
  return out;
}

function merge(a: Dict, b: Dict, recursive: boolean, listMerge: string): Dict {
  const out: Dict = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    if (recursive && isDict(old) && isDict(v)) out[k] = merge(old, v, true, listMerge);
    else if (Array.isArray(old) && Array.isArray(v) && listMerge !== 'replace') {
      out[k] = listMerge === 'keep' ? old : listMerge === 'append' ? [...old, ...v] : listMerge === 'prepend' ? [...v, ...old]
        : listMerge === 'append_rp' ? [...old.filter((x) => !v.some((y) => equal(x, y))), ...v] : [...v, ...old.filter((x) => !v.some((y) => equal(x, y)))];
    } else out[k] = v;
  }
  return out;
}

export const LIST_FILTERS: Record<string, Filter> = {
  list: { fn: (v, _a, env) => [...seq(v, 'list', env)] },
  first: { fn: (v, _a, env) => { const l = seq(v, 'first', env); return l.length ? l[0] : new Undef('first of an empty list'); } },
  last: { fn: (v, _a, env) => { const l = seq(v, 'last', env); return l.length ? l[l.length - 1] : new Undef('last of an empty list'); } },
  unique: { fn: (v, _a, env) => uniq(seq(v, 'unique', env)) },
  union: { fn: (v, [o], env) => uniq([...seq(v, 'union', env), ...seq(o, 'union', env)]) },
  intersect: { fn: (v, [o], env) => { const b = seq(o, 'intersect', env); return uniq(seq(v, 'intersect', env).filter((x) => b.some((y) => equal(x, y)))); } },
  difference: { fn: (v, [o], env) => { const b = seq(o, 'difference', env); return uniq(seq(v, 'difference', env).filter((x) => !b.some((y) => equal(x, y)))); } },
  symmetric_difference: {
    fn: (v, [o], env) => {
      const a = seq(v, 'symmetric_difference', env);
      const b = seq(o, 'symmetric_difference', env);
      return uniq([...a.filter((x) => !b.some((y) => equal(x, y))), ...b.filter((x) => !a.some((y) => equal(x, y)))]);
    },
  },
  min: extreme(-1),
  max: extreme(1),
  sum: {
    fn: (v, [attribute, start], env, kw) => {
      const key = keyed({ attribute: kw.attribute ?? attribute }, []);
      let acc: unknown = kw.start ?? start ?? 0;
      for (const x of seq(v, 'sum', env)) {
        const y = unmark(key(x));
        if (typeof acc === 'number' && typeof y === 'number') acc += y;
        else if (Array.isArray(acc) && Array.isArray(y)) acc = [...acc, ...y];
        else env.fail(`'sum' cannot add ${typeName(acc)} and ${typeName(y)}`);
      }
      return acc;
    },
  },
  sort: {
    fn: (v, [reverse, caseSensitive, attribute], env, kw) => {
      const key = keyed({ attribute: kw.attribute ?? attribute }, []);
      const cs = truthy(kw.case_sensitive ?? caseSensitive ?? false);
      const out = [...seq(v, 'sort', env)].sort((a, b) => compare(key(a), key(b), env, cs));
      return truthy(kw.reverse ?? reverse ?? false) ? out.reverse() : out;
    },
  },
  reverse: { fn: (v, _a, env) => { const u = unmark(v); return typeof u === 'string' ? [...u].reverse().join('') : [...seq(v, 'reverse', env)].reverse(); } },
  map: {
    fn: (v, [name, ...args], env, kw) => {
      const l = seq(v, 'map', env);
      if (kw.attribute !== undefined) return l.map((x) => { const a = attrOf(x, kw.attribute); return a instanceof Undef && 'default' in kw ? kw.default : a; });
      if (name === undefined) return env.fail("'map' needs a filter name or attribute='...'");
      return l.map((x) => env.filter(pyStr(name), x, args));
    },
  },
  select: selecting(true, false),
  reject: selecting(false, false),
  selectattr: selecting(true, true),
  rejectattr: selecting(false, true),
  dict2items: {
    fn: (v, _a, env, kw) => {
      const kn = pyStr(kw.key_name ?? 'key');
      const vn = pyStr(kw.value_name ?? 'value');
      return Object.entries(dict(v, 'dict2items', env)).map(([k, x]) => ({ [kn]: k, [vn]: x }));
    },
  },
  items2dict: {
    fn: (v, _a, env, kw) => {
      const kn = pyStr(kw.key_name ?? 'key');
      const vn = pyStr(kw.value_name ?? 'value');
      const out: Dict = {};
      for (const x of seq(v, 'items2dict', env)) {
        const d = dict(x, 'items2dict', env);
        if (!Object.hasOwn(d, kn) || !Object.hasOwn(d, vn)) env.fail(`'items2dict' needs items with '${kn}' and '${vn}'`);
        out[pyStr(d[kn])] = d[vn];
      }
      return out;
    },
  },
  /** Jinja's `items`: (key, value) pairs of a mapping. */
  items: { fn: (v, _a, env) => Object.entries(dict(v, 'items', env)).map(([k, x]) => tuple([k, x])) },
  dictsort: { fn: (v, _a, env) => Object.entries(dict(v, 'dictsort', env)).sort(([a], [b]) => compare(a, b, env)).map(([k, x]) => tuple([k, x])) },
  combine: {
    fn: (v, args, env, kw) => {
      const recursive = truthy(kw.recursive ?? false);
      const listMerge = pyStr(kw.list_merge ?? 'replace');
      let out = dict(v, 'combine', env);
      for (const a of args.flatMap((x) => (Array.isArray(x) ? x : [x]))) out = merge(out, dict(a, 'combine', env), recursive, listMerge);
      return out;
    },
  },
  zip: {
    fn: (v, args, env) => {
      const lists = [seq(v, 'zip', env), ...args.map((a) => seq(a, 'zip', env))];
      const n = Math.min(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_x, i) => tuple(lists.map((l) => l[i])));
    },
  },
  zip_longest: {
    fn: (v, args, env, kw) => {
      const lists = [seq(v, 'zip_longest', env), ...args.map((a) => seq(a, 'zip_longest', env))];
      const n = Math.max(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_x, i) => tuple(lists.map((l) => (i < l.length ? l[i] : kw.fillvalue ?? null))));
    },
  },
  flatten: { fn: (v, [levels], env, kw) => flatten(seq(v, 'flatten', env), Number(kw.levels ?? levels ?? -1), truthy(kw.skip_nulls ?? true)) },
  product: {
    fn: (v, args, env) => {
      let out: unknown[][] = [[]];
      for (const l of [seq(v, 'product', env), ...args.map((a) => seq(a, 'product', env))]) out = out.flatMap((p) => l.map((x) => [...p, x]));
      return out.map((p) => tuple(p));
    },
  },
  subelements: {
    fn: (v, [path, skip], env) => {
      const out: unknown[] = [];
      for (const x of seq(v, 'subelements', env)) {
        const sub = attrOf(x, path);
        if (sub instanceof Undef) { if (truthy(skip) || (isDict(skip) && truthy(skip.skip_missing))) continue; env.fail(`'subelements': an item has no '${pyStr(path)}'`); }
        if (!Array.isArray(sub)) env.fail(`'subelements': '${pyStr(path)}' of an item is ${typeName(sub)}, not a list`);
        for (const y of sub as unknown[]) out.push(tuple([x, y]));
      }
      return out;
    },
  },
  extract: {
    fn: (key, [container, morekeys], env) => {
      let v = attrOf(container, key);
      for (const k of morekeys === undefined ? [] : Array.isArray(morekeys) ? morekeys : [morekeys]) v = v instanceof Undef ? v : attrOf(v, k);
      return v instanceof Undef ? env.fail(`'extract': no '${pyStr(key)}' in the container`) : v;
    },
  },
};
