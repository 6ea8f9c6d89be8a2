/**
 * Translate the Jinja spellings Ansible users type inside `{{ }}` into handlebars:
 *   `x | default('y') | join(',')`  ->  `join (default x 'y') ','`
 *   `hostvars['etcd1'].etcd_address` -> `hostvars.[etcd1].etcd_address`,  `l[0]` -> `l.[0]`
 * Anything it does not understand is returned unchanged (handlebars then reports it).
 */
import { FILTER_ALIASES } from './helpers.js';

/** Split on `sep` at depth 0, outside quotes. */
function splitTop(s: string, sep: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return undefined;
      i = end;
    } else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const PATH = /^[A-Za-z_@][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+|\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\])*$/;

/** Convert one operand (path with brackets, literal) to handlebars syntax. */
function operand(s: string): string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  if (/^'[^']*'$/.test(t) || /^"[^"]*"$/.test(t)) return t;
  if (/^-?\d+(\.\d+)?$/.test(t)) return t;
  if (t === 'True' || t === 'true') return 'true';
  if (t === 'False' || t === 'false') return 'false';
  if (t === 'None' || t === 'none') return 'null';
  if (t === '{}') return '(__dict)';
  const list = /^\[(.*)\]$/s.exec(t);
  if (list) {
    if (list[1]!.trim() === '') return '(__list)';
    const items = splitTop(list[1]!, ',');
    if (!items) return undefined;
    const ops = items.map(operand);
    if (ops.some((o) => o === undefined)) return undefined;
    return `(__list ${ops.join(' ')})`;
  }
  if (PATH.test(t)) {
    return t.replace(/\[\s*(?:'([^']*)'|"([^"]*)"|(\d+))\s*\]/g, (_m, a?: string, b?: string, c?: string) => `.[${a ?? b ?? c}]`);
  }
  return undefined;
}

export function translateJinja(inner: string): string {
  const t = inner.trim();
  if (!t || /^[#/^!>&]/.test(t) || t === 'else' || /^else\s/.test(t)) return inner;
  if (!t.includes('|') && !t.includes('[')) return inner;
  const parts = splitTop(t, '|');
  if (!parts || parts.some((p) => p.trim() === '')) return inner;
  let expr = operand(parts[0]!);
  if (expr === undefined) return inner;
  for (const f of parts.slice(1)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/s.exec(f);
    if (!m) return inner;
    const helper = FILTER_ALIASES[m[1]!] ?? m[1]!;
    const args: string[] = [];
    if (m[2] !== undefined && m[2].trim() !== '') {
      const raw = splitTop(m[2], ',');
      if (!raw) return inner;
      for (const a of raw) {
        const o = operand(a);
        if (o === undefined) return inner;
        args.push(o);
      }
    }
    expr = `(${[helper, expr, ...args].join(' ')})`;
  }
  return expr.startsWith('(') ? expr.slice(1, -1) : expr;
}

/** Apply translateJinja to every `{{ ... }}` of a template (not `{{{ }}}` or block syntax). */
export function translateTemplate(tpl: string): string {
  if (!tpl.includes('|') && !tpl.includes('[')) return tpl;
  return tpl.replace(/\{\{(~?)(?!\{)([^{}]*?)(~?)\}\}/g, (m, a: string, inner: string, b: string) => {
    const out = translateJinja(inner);
    return out === inner ? m : `{{${a} ${out} ${b}}}`;
  });
}
