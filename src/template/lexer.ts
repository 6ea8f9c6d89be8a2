/**
 * Tokens of the expression language (the inside of `{{ }}` and conditions). Positions are
 * 0-based offsets into the source; `space` says whether whitespace came before the token (it
 * tells a handlebars-style helper call `join (x) ','` from a Jinja call `join(x, ',')`).
 */
import { ExpressionError } from './errors.js';

export type Tok = { t: 'num' | 'str' | 'name' | 'seg' | 'op' | 'end'; v: string; pos: number; space: boolean };

const OPS = ['==', '!=', '<=', '>=', '//', '**', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '.', '|', '+', '-', '*', '/', '%', '~', '='];

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let space = false;
  const push = (t: Tok['t'], v: string, pos: number): void => { out.push({ t, v, pos, space }); space = false; };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; space = true; continue; }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) { s += escaped(src[j + 1]!, c); j += 2; continue; }
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExpressionError(src, i + 1, 'unterminated string');
      push('str', s, i);
      i = j + 1;
      continue;
    }
    // handlebars path segment: groups.etcd.[0], hostvars.[etcd-1]
    if (c === '[' && out[out.length - 1]?.t === 'op' && out[out.length - 1]!.v === '.' && !space) {
      const end = src.indexOf(']', i);
      if (end < 0) throw new ExpressionError(src, i + 1, "unterminated '.[' segment");
      push('seg', src.slice(i + 1, end), i);
      i = end + 1;
      continue;
    }
    const rest = src.slice(i);
    const num = /^\d+(\.\d+)?/.exec(rest);
    if (num) { push('num', num[0], i); i += num[0].length; continue; }
    const name = /^@?[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) { push('name', name[0], i); i += name[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) { push('op', op, i); i += op.length; continue; }
    throw new ExpressionError(src, i + 1, `unexpected character '${c}'`);
  }
  push('end', '', src.length);
  return out;
}

/** A backslash escape as Python reads it in a string literal; an unknown one keeps its backslash ('\d'). */
function escaped(c: string, quote: string): string {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '\\': case "'": case '"': return c;
    default: return c === quote ? c : '\\' + c;
  }
}

/** A token in a message; `noun` names what ends ('the end of the condition'). */
export function describe(t: Tok, noun = 'expression'): string {
  if (t.t === 'end') return `the end of the ${noun}`;
  if (t.t === 'str') return `string '${t.v}'`;
  return `'${t.v}'`;
}
