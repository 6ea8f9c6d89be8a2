/**
 * THE filter table: every filter and helper of the expression language, used by `{{ }}`,
 * conditions, loops and file templates alike. `x | f(a, b)`, `f(x, a, b)` and the handlebars
 * spelling `{{f x a b}}` all call `f` with input x and args [a, b]. Semantics follow Jinja and
 * Ansible (`join` without a separator joins with '', `default` replaces only undefined values
 * unless its second argument is true, `int` of text that is not a number is 0).
 */
import { posix } from 'node:path';
import { endpoints, hostList, initialCluster, type RootLookup } from './cluster.js';
import { Quoted, Raw, Undef, toBool, toShell, toText, truthy, typeName, unmark } from './values.js';

export interface FilterEnv {
  /** A root variable by name, undefined when missing. */
  root: RootLookup;
  /** Fail with a message (the evaluator adds the expression and column). */
  fail(problem: string): never;
}

/** No input: the helper was called bare (`{{timestamp}}`, `{{initial_cluster}}`). */
export const NO_INPUT: unique symbol = Symbol('no input');

export interface Filter {
  fn(input: unknown, args: unknown[], env: FilterEnv): unknown;
  /** The input may be undefined (an Undef reaches fn) — `default`. */
  lenient?: boolean;
  /** May be called without input (NO_INPUT reaches fn). */
  bare?: boolean;
}

const NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

function toNumber(v: unknown, int: boolean, dflt: unknown, base: unknown): unknown {
  v = unmark(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return int ? Math.trunc(v) : v;
  if (typeof v === 'string') {
    if (int && base !== undefined && base !== 10) {
      const n = parseInt(v.trim().replace(/^0[xob]/i, ''), Number(base));
      if (!Number.isNaN(n)) return n;
    } else if (NUMBER.test(v)) {
      return int ? Math.trunc(Number(v)) : Number(v);
    }
  }
  return dflt ?? (int ? 0 : 0.0);
}

/** Items a filter iterates: a list, a string's characters, a mapping's keys. */
function items(v: unknown, name: string, env: FilterEnv): unknown[] {
  v = unmark(v);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v && typeof v === 'object') return Object.keys(v);
  return env.fail(`'${name}' needs a list, string or mapping, got ${typeName(v)}`);
}

function text(v: unknown): string {
  return toText(v === NO_INPUT ? undefined : v);
}

const NOW = new Date();

/** strftime-like: %Y %m %d %H %M %S %s (epoch seconds), UTC. Default: %Y%m%d%H%M%S. */
export function formatTimestamp(fmt = '%Y%m%d%H%M%S', d: Date = NOW): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return fmt.replace(/%([YmdHMSs%])/g, (_m, c: string) => {
    switch (c) {
      case 'Y': return p(d.getUTCFullYear(), 4);
      case 'm': return p(d.getUTCMonth() + 1);
      case 'd': return p(d.getUTCDate());
      case 'H': return p(d.getUTCHours());
      case 'M': return p(d.getUTCMinutes());
      case 'S': return p(d.getUTCSeconds());
      case 's': return String(Math.floor(d.getTime() / 1000));
      default: return '%';
    }
  });
}

function cluster(f: typeof initialCluster, name: string): Filter {
  return {
    bare: true,
    fn: (v, _a, env) => {
      const hosts = hostList(v === NO_INPUT ? 'etcd' : unmark(v), env.root);
      if (!hosts) return env.fail(`'${name}' needs a list of hosts or a group name, got ${typeName(v)}`);
      return f(hosts, env.root);
    },
  };
}

const defaultFilter: Filter = {
  lenient: true,
  fn: (v, [dflt, falsy]) => (v instanceof Undef || (falsy === true && !truthy(v)) ? dflt ?? '' : v),
};
const length: Filter = {
  fn: (v, _a, env) => {
    v = unmark(v);
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return env.fail(`'length' needs a string, list or mapping, got ${typeName(v)}`);
  },
};
const json: Filter = { fn: (v) => JSON.stringify(unmark(v) ?? null) };

export const FILTERS: Record<string, Filter> = {
  default: defaultFilter,
  d: defaultFilter,
  join: { fn: (v, [sep], env) => items(v, 'join', env).map((x) => toText(x)).join(sep === undefined ? '' : toText(sep)) },
  length,
  count: length,
  first: { fn: (v, _a, env) => items(v, 'first', env)[0] },
  last: { fn: (v, _a, env) => { const l = items(v, 'last', env); return l[l.length - 1]; } },
  int: { fn: (v, [dflt, base]) => toNumber(v, true, dflt, base) },
  float: { fn: (v, [dflt]) => toNumber(v, false, dflt, undefined) },
  bool: { fn: (v) => toBool(v) },
  string: { fn: (v) => toText(v) },
  lower: { fn: (v) => toText(v).toLowerCase() },
  upper: { fn: (v) => toText(v).toUpperCase() },
  trim: { fn: (v) => toText(v).trim() },
  json,
  to_json: json,
  basename: { fn: (v) => posix.basename(toText(v)) },
  dirname: { fn: (v) => posix.dirname(toText(v)) },
  /** Shell-quoted (lists: one word per item); not quoted again in shell text. */
  quote: { fn: (v) => new Quoted(toShell(unmark(v))) },
  /** Inserted as is, even into shell text: for shell code the playbook author wrote. */
  raw: { fn: (v) => new Raw(toText(v)) },
  /** UTC time, read once per process: every host and task of one run sees the same value. */
  timestamp: { bare: true, fn: (f) => formatTimestamp(f === NO_INPUT ? undefined : text(f)) },
  initial_cluster: cluster(initialCluster, 'initial_cluster'),
  endpoints: cluster(endpoints, 'endpoints'),
};
