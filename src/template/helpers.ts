import { posix } from 'node:path';
import { shQuote } from '../shell/quote.js';
import type { Vars } from '../model/vars.js';

/**
 * Template helpers. Handlebars passes an `options` object as the last argument; `args()` strips
 * it. Every helper is pure except `timestamp`, whose clock is read once per process so that
 * every host and task of one run sees the same value.
 */
type HelperFn = (...a: unknown[]) => unknown;

interface HbOptions { data?: { root?: Vars }; hash?: Record<string, unknown>; name?: string }

function split(a: unknown[]): { args: unknown[]; options: HbOptions } {
  const options = (a[a.length - 1] ?? {}) as HbOptions;
  return { args: a.slice(0, -1), options };
}

/** How a value is written into a plain (non-shell) string. */
export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** How a value is written into shell text: one quoted word, or one quoted word per list item. */
export function toShell(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => shQuote(toText(x))).join(' ');
  return shQuote(toText(v));
}

function asList(v: unknown, root: Vars | undefined, helper: string): string[] {
  if (Array.isArray(v)) return v.map((x) => toText(x));
  if (typeof v === 'string') {
    const groups = (root?.groups ?? {}) as Record<string, string[]>;
    if (Array.isArray(groups[v])) return groups[v]!;
    return [v];
  }
  throw new Error(`${helper}: expected a list of hosts or a group name, got ${toText(v)}`);
}

function hostVarsOf(root: Vars | undefined, host: string): Vars {
  const hv = (root?.hostvars ?? {}) as Record<string, Vars>;
  return hv[host] ?? {};
}

function hostAddr(hv: Vars, host: string): string {
  const a = toText(hv.etcd_address ?? hv.ansible_host ?? host);
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

/** `name=scheme://addr:peerport` for each host (the etcd --initial-cluster value). */
export function initialCluster(hosts: string[], root: Vars | undefined): string {
  return hosts
    .map((h) => {
      const hv = hostVarsOf(root, h);
      const name = toText(hv.etcd_name ?? h);
      const url = hv.etcd_peer_url !== undefined
        ? toText(hv.etcd_peer_url)
        : `${toText(hv.etcd_scheme ?? root?.etcd_scheme ?? 'http')}://${hostAddr(hv, h)}:${toText(hv.etcd_peer_port ?? root?.etcd_peer_port ?? 2380)}`;
      return `${name}=${url}`;
    })
    .join(',');
}

/** Comma-joined client URLs of hosts (etcdctl --endpoints). */
export function endpoints(hosts: string[], root: Vars | undefined): string {
  return hosts
    .map((h) => {
      const hv = hostVarsOf(root, h);
      if (hv.etcd_client_url !== undefined) return toText(hv.etcd_client_url);
      return `${toText(hv.etcd_scheme ?? root?.etcd_scheme ?? 'http')}://${hostAddr(hv, h)}:${toText(hv.etcd_client_port ?? root?.etcd_client_port ?? 2379)}`;
    })
    .join(',');
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

/** Marker type so the shell renderer does not quote a value twice. */
export class Quoted {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

/** Marker for {{raw x}}: inserted as is, even in shell text. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

function unwrap(v: unknown): unknown {
  return v instanceof Quoted || v instanceof Raw ? v.text : v;
}

export const HELPERS: Record<string, HelperFn> = {
  /** {{default x 'fallback'}}; a third arg `true` also replaces '' / false / 0. */
  default: (...a) => {
    const { args } = split(a);
    const [v, d, falsy] = args;
    if (v === undefined || v === null) return d;
    if (falsy === true && !v) return d;
    return v;
  },
  join: (...a) => {
    const { args } = split(a);
    const [list, sep] = args;
    if (!Array.isArray(list)) return toText(unwrap(list));
    return list.map((x) => toText(unwrap(x))).join(sep === undefined ? ',' : toText(sep));
  },
  quote: (...a) => new Quoted(toShell(unwrap(split(a).args[0]))),
  raw: (...a) => new Raw(toText(unwrap(split(a).args[0]))),
  json: (...a) => JSON.stringify(unwrap(split(a).args[0]) ?? null),
  initial_cluster: (...a) => {
    const { args, options } = split(a);
    const root = options.data?.root;
    return initialCluster(asList(args[0] ?? 'etcd', root, 'initial_cluster'), root);
  },
  endpoints: (...a) => {
    const { args, options } = split(a);
    const root = options.data?.root;
    return endpoints(asList(args[0] ?? 'etcd', root, 'endpoints'), root);
  },
  basename: (...a) => posix.basename(toText(unwrap(split(a).args[0]))),
  dirname: (...a) => posix.dirname(toText(unwrap(split(a).args[0]))),
  timestamp: (...a) => {
    const f = split(a).args[0];
    return formatTimestamp(f === undefined ? undefined : toText(f));
  },
  lower: (...a) => toText(unwrap(split(a).args[0])).toLowerCase(),
  upper: (...a) => toText(unwrap(split(a).args[0])).toUpperCase(),
  trim: (...a) => toText(unwrap(split(a).args[0])).trim(),
  int: (...a) => {
    const n = parseInt(toText(unwrap(split(a).args[0])), 10);
    return Number.isNaN(n) ? 0 : n;
  },
  string: (...a) => toText(unwrap(split(a).args[0])),
  length: (...a) => {
    const v = unwrap(split(a).args[0]);
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return 0;
  },
  first: (...a) => {
    const v = unwrap(split(a).args[0]);
    return Array.isArray(v) || typeof v === 'string' ? v[0] : undefined;
  },
  last: (...a) => {
    const v = unwrap(split(a).args[0]);
    return Array.isArray(v) || typeof v === 'string' ? v[v.length - 1] : undefined;
  },
  /** Internal: list and mapping literals of the Jinja spelling (`default([])`). */
  __list: (...a) => split(a).args,
  __dict: () => ({}),
  /** Internal: turns a value into plain text (lists/objects as JSON). */
  __text: (...a) => {
    const v = split(a).args[0];
    return v instanceof Raw || v instanceof Quoted ? v.text : toText(v);
  },
  /** Internal: a value inside "..." of shell text: \\ " $ ` escaped (raw passes through). */
  __shell_dq: (...a) => {
    const v = split(a).args[0];
    if (v instanceof Raw) return v.text;
    const t = v instanceof Quoted ? v.text : Array.isArray(v) ? v.map((x) => toText(x)).join(' ') : toText(v);
    return t.replace(/[\\"$`]/g, (c) => '\\' + c);
  },
  /** Internal: a value inside '...' of shell text: each ' becomes '\'' (raw passes through). */
  __shell_sq: (...a) => {
    const v = split(a).args[0];
    if (v instanceof Raw) return v.text;
    const t = v instanceof Quoted ? v.text : Array.isArray(v) ? v.map((x) => toText(x)).join(' ') : toText(v);
    return t.replace(/'/g, "'\\''");
  },
  /** Internal: turns a value into shell text (quoted unless raw/quote already did). */
  __shell: (...a) => {
    const v = split(a).args[0];
    return v instanceof Raw || v instanceof Quoted ? v.text : toShell(v);
  },
};

/** Helpers whose first argument may be undefined (no strict check on it). */
export const LENIENT_FIRST_ARG = new Set(['default']);

/** Jinja filter names -> helper names, for `{{ x | default('y') }}`. */
export const FILTER_ALIASES: Record<string, string> = {
  default: 'default', d: 'default', join: 'join', quote: 'quote', to_json: 'json', json: 'json',
  basename: 'basename', dirname: 'dirname', lower: 'lower', upper: 'upper', trim: 'trim',
  int: 'int', string: 'string', length: 'length', count: 'length', first: 'first', last: 'last',
  raw: 'raw',
};
