/**
 * THE filter table: every filter and helper of the expression language, used by `{{ }}`,
 * conditions, loops and file templates alike. `x | f(a, b)`, `f(x, a, b)` and the handlebars
 * spelling `{{f x a b}}` all call `f` with input x and args [a, b]. Semantics follow Jinja and
 * Ansible (`join` without a separator joins with '', `default` replaces only undefined values
 * unless its second argument is true, `int` of text that is not a number is 0).
 */
import { posix } from 'node:path';
import { endpoints, hostList, initialCluster, type RootLookup } from './cluster.js';
import { DATA_FILTERS } from './filters-data.js';
import { LIST_FILTERS } from './filters-list.js';
import { TEXT_FILTERS } from './filters-text.js';
import { Quoted, Raw, Undef, pyStr, toBool, toShell, toText, truthy, typeName, unmark } from './values.js';

export interface FilterEnv {
  /** A root variable by name, undefined when missing. */
  root: RootLookup;
  /** Fail with a message (the evaluator adds the expression and column). */
  fail(problem: string): never;
  /** Another filter of the table, by name (`map('upper')`). */
  filter(name: string, input: unknown, args: unknown[], kw?: Record<string, unknown>): unknown;
  /** A test of the test table, by name (`select('odd')`). */
  test(name: string, v: unknown, args: unknown[]): boolean;
}

/** No input: the helper was called bare (`{{timestamp}}`, `{{initial_cluster}}`). */
export const NO_INPUT: unique symbol = Symbol('no input');

export interface Filter {
  /** `kw` holds the `name=value` arguments (`map(attribute='x')`). */
  fn(input: unknown, args: unknown[], env: FilterEnv, kw: Record<string, unknown>): unknown;
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
export function items(v: unknown, name: string, env: FilterEnv): unknown[] {
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
export const length: Filter = {
  fn: (v, _a, env) => {
    v = unmark(v);
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return env.fail(`'length' needs a string, list or mapping, got ${typeName(v)}`);
  },
};

export const FILTERS: Record<string, Filter> = {
  default: defaultFilter,
  d: defaultFilter,
  join: { fn: (v, [sep], env) => items(v, 'join', env).map((x) => pyStr(x)).join(sep === undefined ? '' : pyStr(sep)) },
  length,
  count: length,
  int: { fn: (v, [dflt, base]) => toNumber(v, true, dflt, base) },
  float: { fn: (v, [dflt]) => toNumber(v, false, dflt, undefined) },
  bool: { fn: (v) => toBool(v) },
  string: { fn: (v) => pyStr(v) },
  basename: { fn: (v) => posix.basename(toText(v)) },
  dirname: { fn: (v) => posix.dirname(toText(v)) },
  ternary: { fn: (v, [yes, no, none]) => (v === null && none !== undefined ? none : truthy(v) ? yes : no) },
  mandatory: {
    lenient: true,
    fn: (v, [msg], env) => (v instanceof Undef ? env.fail(msg !== undefined ? toText(msg) : `Mandatory variable '${v.name}' not defined.`) : v),
  },
  abs: { fn: (v, _a, env) => (typeof unmark(v) === 'number' ? Math.abs(v as number) : env.fail(`'abs' needs a number, got ${typeName(v)}`)) },
  round: {
    fn: (v, [precision, method]) => {
      const n = Number(unmark(v));
      const f = 10 ** Number(precision ?? 0);
      const m = toText(method ?? 'common');
      return (m === 'floor' ? Math.floor(n * f) : m === 'ceil' ? Math.ceil(n * f) : Math.round(n * f)) / f;
    },
  },
  type_debug: { fn: (v) => { v = unmark(v); return v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : Number.isInteger(v) ? 'int' : 'float'; } },
  /** Jinja's global `range(stop)`, `range(start, stop[, step])`. */
  range: {
    fn: (a, [b, step], env) => {
      const [start, stop] = b === undefined ? [0, Number(a)] : [Number(a), Number(b)];
      const st = Number(step ?? 1);
      if (!st) env.fail("range() step must not be zero");
      const out: number[] = [];
      for (let i = start; st > 0 ? i < stop : i > stop; i += st) { out.push(i); if (out.length > 100000) env.fail('range() too long (more than 100000 items)'); }
      return out;
    },
  },
  ...LIST_FILTERS,
  ...TEXT_FILTERS,
  ...DATA_FILTERS,
  /** Shell-quoted (lists: one word per item); not quoted again in shell text. */
  quote: { fn: (v) => new Quoted(toShell(unmark(v))) },
  /** Inserted as is, even into shell text: for shell code the playbook author wrote. */
  raw: { fn: (v) => new Raw(toText(v)) },
  /** UTC time, read once per process: every host and task of one run sees the same value. */
  timestamp: { bare: true, fn: (f) => formatTimestamp(f === NO_INPUT ? undefined : text(f)) },
  initial_cluster: cluster(initialCluster, 'initial_cluster'),
  endpoints: cluster(endpoints, 'endpoints'),
};

/** Filters and functions not supported, with the reason and the nearest supported alternative. */
export const UNSUPPORTED_FILTERS: Record<string, string> = {
  password_hash: 'hashing passwords needs a crypt implementation etcdplay does not carry (use hash(\'sha256\') for a checksum)',
  random: 'a random value would make a plan differ from its run (pass a value with -e, or use timestamp)',
  shuffle: 'a random order would make a plan differ from its run (use sort)',
  json_query: 'JMESPath is not available (use selectattr / map(attribute=...) / sum)',
  ipaddr: 'the ansible.utils network filters are not available (split the address with split(\'/\'))',
  ipv4: 'the ansible.utils network filters are not available',
  ipv6: 'the ansible.utils network filters are not available',
  to_uuid: 'not available (use hash(\'sha1\'))',
  vault: 'vault is not supported (keep secrets in extra vars or an inventory file with restricted access)',
  unvault: 'vault is not supported',
  groupby: 'not available (use selectattr per group)',
  batch: 'not available (use slicing: list[0:3] is not supported either; use a loop with loop.index)',
  strftime: "not available (use timestamp('%Y-%m-%d'))",
  to_datetime: 'not available',
  fileglob: 'not available (list the files in a variable)',
  pprint: 'not available (use to_nice_json)',
  urlencode: 'not available',
  wordwrap: 'not available',
  truncate: 'not available',
  center: 'not available',
  xmlattr: 'not available',
  escape: 'templates are never HTML-escaped; nothing to undo (use the value as is)',
  e: 'templates are never HTML-escaped; nothing to undo (use the value as is)',
  safe: 'templates are never HTML-escaped; nothing to undo (use the value as is)',
};
