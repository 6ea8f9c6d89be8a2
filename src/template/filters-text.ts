/**
 * The text filters of the one filter table (filters.ts spreads them in): case, `replace`,
 * `split`, `format`, `indent`, path parts, and the regular-expression filters, which take
 * Python's regex syntax (`(?P<name>...)`, `\1`, `\g<name>`) as Ansible users write it.
 */
import { posix } from 'node:path';
import type { Filter, FilterEnv } from './filters.js';
import { Undef, pyStr, toText, truthy, tuple, unmark } from './values.js';

/**
 * A Python regular expression as a JavaScript RegExp: named groups `(?P<n>...)` and `(?P=n)`,
 * `\A` / `\Z`, and leading inline flags `(?i)`, `(?m)`, `(?s)`.
 */
export function pyRegExp(pattern: string, flags = '', env?: Pick<FilterEnv, 'fail'>): RegExp {
  let src = pattern;
  let f = flags;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const c of inline[1]!) {
      if (c === 'i' || c === 'm' || c === 's') { if (!f.includes(c)) f += c; }
      else if (c === 'x') return fail(env, 'verbose regular expressions (?x) are not supported (write the pattern on one line)');
    }
  }
  src = src
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$(?![\\s\\S])');
  try {
    return new RegExp(src, f.includes('u') ? f : f + 'u');
  } catch {
    try { return new RegExp(src, f); } catch (err) { return fail(env, `bad regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`); }
  }
}

function fail(env: Pick<FilterEnv, 'fail'> | undefined, problem: string): never {
  if (env) return env.fail(problem);
  throw new Error(problem);
}

/** Python's replacement text (`\1`, `\g<1>`, `\g<name>`, `\n`) for String.replace. */
function pyReplacement(rep: string): string {
  return rep.replace(/\$/g, '$$$$').replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (_m, g: string | undefined, d: string | undefined, c: string | undefined) => {
    if (g !== undefined) return /^\d+$/.test(g) ? `$${g}` : `$<${g}>`;
    if (d !== undefined) return `$${d}`;
    switch (c) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '\\': return '\\';
      default: return '\\' + c;
    }
  });
}

function reFlags(kw: Record<string, unknown>, global: boolean): string {
  return (global ? 'g' : '') + (truthy(kw.ignorecase) ? 'i' : '') + (truthy(kw.multiline) ? 'm' : '');
}

/** A group reference of regex_search's extra arguments: '\\1' or '\\g<name>'. */
function groupOf(m: RegExpExecArray, ref: unknown, env: FilterEnv): unknown {
  const r = pyStr(ref);
  const num = /^\\(\d+)$/.exec(r);
  const named = /^\\g<(\w+)>$/.exec(r);
  if (num) return m[Number(num[1])] ?? null;
  if (named) return /^\d+$/.test(named[1]!) ? m[Number(named[1])] ?? null : m.groups?.[named[1]!] ?? null;
  return env.fail(`'regex_search': unknown group reference ${JSON.stringify(r)} (use '\\\\1' or '\\\\g<name>')`);
}

/** Python's '%s %d' % args, the common conversions. */
function pyFormat(fmt: string, args: unknown[], env: FilterEnv): string {
  let i = 0;
  return fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdirfxXoe%])/g, (_m, flags: string, width: string, prec: string | undefined, c: string) => {
    if (c === '%') return '%';
    if (i >= args.length) env.fail(`'format': not enough arguments for ${JSON.stringify(fmt)}`);
    const a = unmark(args[i++]);
    let s: string;
    switch (c) {
      case 's': s = pyStr(a); break;
      case 'r': s = pyStr(a); break;
      case 'd': case 'i': s = String(Math.trunc(Number(a))); break;
      case 'f': s = Number(a).toFixed(prec === undefined ? 6 : Number(prec)); break;
      case 'e': s = Number(a).toExponential(prec === undefined ? 6 : Number(prec)); break;
      case 'x': s = Math.trunc(Number(a)).toString(16); break;
      case 'X': s = Math.trunc(Number(a)).toString(16).toUpperCase(); break;
      default: s = Math.trunc(Number(a)).toString(8);
    }
    if (c === 's' && prec !== undefined) s = s.slice(0, Number(prec));
    const w = Number(width || 0);
    if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : flags.includes('0') && c !== 's' ? s.padStart(w, '0') : s.padStart(w);
    return s;
  });
}

const str = (v: unknown): string => toText(v);

export const TEXT_FILTERS: Record<string, Filter> = {
  lower: { fn: (v) => str(v).toLowerCase() },
  upper: { fn: (v) => str(v).toUpperCase() },
  trim: { fn: (v, [chars]) => (chars === undefined ? str(v).trim() : str(v).replace(new RegExp(`^[${escapeClass(pyStr(chars))}]+|[${escapeClass(pyStr(chars))}]+$`, 'g'), '')) },
  capitalize: { fn: (v) => { const s = str(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); } },
  title: { fn: (v) => str(v).toLowerCase().replace(/(^|[^A-Za-z0-9'])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()) },
  safe: { fn: (v) => v },
  replace: {
    fn: (v, [old, rep, count]) => {
      const s = str(v);
      const o = pyStr(old);
      const parts = s.split(o);
      const n = count === undefined || count === null ? parts.length - 1 : Math.min(Number(count), parts.length - 1);
      if (!o) return s;
      return parts.slice(0, n + 1).join(pyStr(rep)) + (n + 1 < parts.length ? o + parts.slice(n + 1).join(o) : '');
    },
  },
  split: {
    fn: (v, [sep, maxsplit]) => {
      const s = str(v);
      const max = maxsplit === undefined ? -1 : Number(maxsplit);
      if (sep === undefined || sep === null) {
        const words = s.trim().split(/\s+/).filter((w) => w !== '');
        return max < 0 || words.length <= max + 1 ? words : [...words.slice(0, max), s.trim().split(/\s+/).slice(max).join(' ')];
      }
      const parts = s.split(pyStr(sep));
      return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(pyStr(sep))];
    },
  },
  format: { fn: (v, args, env) => pyFormat(str(v), args, env) },
  indent: {
    fn: (v, [width, first, blank], _env, kw) => {
      const w = kw.width ?? width ?? 4;
      const pad = typeof w === 'string' ? w : ' '.repeat(Number(w));
      const lines = str(v).split('\n');
      const blanks = truthy(kw.blank ?? blank ?? false);
      return lines.map((l, i) => ((i === 0 && !truthy(kw.first ?? first ?? false)) || (!blanks && l === '') ? l : pad + l)).join('\n');
    },
  },
  splitext: { fn: (v) => { const s = str(v); const e = posix.extname(s); return tuple([s.slice(0, s.length - e.length), e]); } },
  path_join: { fn: (v) => posix.join(...(Array.isArray(unmark(v)) ? (unmark(v) as unknown[]).map(str) : [str(v)])) },
  regex_escape: { fn: (v) => str(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&') },
  regex_replace: {
    fn: (v, [pattern, rep, ignorecase, multiline], env, kw) => {
      const count = Number(kw.count ?? 0);
      const rx = pyRegExp(pyStr(pattern ?? ''), reFlags({ ignorecase: kw.ignorecase ?? ignorecase, multiline: kw.multiline ?? multiline }, true), env);
      const r = pyReplacement(pyStr(kw.replacement ?? rep ?? ''));
      if (!count) return str(v).replace(rx, r);
      let n = 0;
      return str(v).replace(rx, (...m) => {
        if (n++ >= count) return m[0] as string;
        return (m[0] as string).replace(new RegExp(rx.source, rx.flags.replace('g', '')), r);
      });
    },
  },
  regex_search: {
    fn: (v, [pattern, ...refs], env, kw) => {
      const m = pyRegExp(pyStr(pattern ?? ''), reFlags(kw, false), env).exec(str(v));
      if (!m) return null;
      if (!refs.length) return m[0];
      return refs.map((r) => groupOf(m, r, env));
    },
  },
  regex_findall: {
    fn: (v, [pattern, ignorecase, multiline], env, kw) => {
      const rx = pyRegExp(pyStr(pattern ?? ''), reFlags({ ignorecase: kw.ignorecase ?? ignorecase, multiline: kw.multiline ?? multiline }, true), env);
      return [...str(v).matchAll(rx)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? m[1] ?? '' : tuple(m.slice(1).map((g) => g ?? ''))));
    },
  },
  comment: {
    fn: (v, [style]) => {
      const p = pyStr(style ?? 'plain') === 'c' ? '//' : pyStr(style ?? 'plain') === 'erlang' ? '%' : '#';
      return `${p}\n${str(v).split('\n').map((l) => `${p} ${l}`).join('\n')}\n${p}`;
    },
  },
  wordcount: { fn: (v) => str(v).split(/\s+/).filter(Boolean).length },
};

function escapeClass(s: string): string {
  return s.replace(/[\]\\^-]/g, '\\$&');
}

/** For tests.ts: `match` / `search` / `regex` with Python syntax. */
export function regexTest(v: unknown, pattern: unknown, anchored: boolean, env: Pick<FilterEnv, 'fail'>, kw: Record<string, unknown> = {}): boolean {
  if (v instanceof Undef) return false;
  const rx = pyRegExp(pyStr(pattern), reFlags(kw, false), env);
  return (anchored ? new RegExp(`^(?:${rx.source})`, rx.flags) : rx).test(str(v));
}
