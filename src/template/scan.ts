/**
 * Template text, cut into pieces: literal text, `{{ expression }}`, and the handlebars block
 * tags (`{{#if x}}`, `{{#each l}}`, `{{else}}`, `{{/if}}`, comments) that file templates use.
 * Every expression — in a mustache or in a block tag — is parsed here by the one parser.
 * Also: `\{{` writes a literal `{{` (as in handlebars), `{{~ x ~}}` trims the whitespace around,
 * and each expression records the shell quoting it lands in (for shell text).
 */
import { ExpressionError, TemplateError } from './errors.js';
import { parseExpression, type Expr } from './parser.js';

export type Quoting = 'none' | 'single' | 'double';

export type Piece =
  | { t: 'text'; v: string }
  | { t: 'expr'; src: string; expr: Expr; quoting: Quoting }
  /** A block tag, written back for handlebars with its expression (if any) replaced. */
  | { t: 'block'; kind: 'open' | 'else' | 'close' | 'comment'; name: string; raw: string; src?: string; expr?: Expr; tilde: [string, string] };

/** Block helpers a template may use; `if` and `unless` read an undefined variable as false. */
export const BLOCKS = new Set(['if', 'unless', 'each', 'with']);

/** Quote state after shell text `text`, starting in state `q`. */
function scanQuotes(text: string, q: Quoting): Quoting {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q === 'single') {
      if (c === "'") q = 'none';
    } else if (q === 'double') {
      if (c === '\\') i++;
      else if (c === '"') q = 'none';
    } else if (c === '\\') i++;
    else if (c === "'") q = 'single';
    else if (c === '"') q = 'double';
  }
  return q;
}

/** Index of the `}}` closing a mustache opened before `from` (outside strings and `{ }`). */
function closing(tpl: string, from: number): number {
  let depth = 0;
  for (let i = from; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c === "'" || c === '"') {
      const end = tpl.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && tpl[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

export function scanTemplate(tpl: string): Piece[] {
  const pieces: Piece[] = [];
  const fail = (problem: string, at: number): never => {
    throw new TemplateError(`template does not parse: ${problem} at column ${at + 1} in ${JSON.stringify(tpl)}`, tpl);
  };
  const parse = (src: string, at: number): Expr => {
    try {
      return parseExpression(src);
    } catch (err) {
      if (err instanceof ExpressionError) fail(`${err.problem} in {{${src}}}`, at + err.column - 1);
      throw err;
    }
  };
  let text = '';
  let trimNext = false;
  let q: Quoting = 'none';
  const stack: { open: Quoting; bodyEnd?: Quoting }[] = [];
  const flush = (): void => {
    if (trimNext) { text = text.trimStart(); trimNext = false; }
    if (text) { pieces.push({ t: 'text', v: text }); q = scanQuotes(text, q); }
    text = '';
  };
  let i = 0;
  while (i < tpl.length) {
    const j = tpl.indexOf('{{', i);
    if (j < 0) { text += tpl.slice(i); break; }
    if (j > 0 && tpl[j - 1] === '\\' && !(j > 1 && tpl[j - 2] === '\\')) {
      // \{{ : literal text up to the next {{ (or \{{), as handlebars reads it
      text += tpl.slice(i, j - 1);
      let k = tpl.indexOf('{{', j + 2);
      if (k < 0) k = tpl.length;
      else if (tpl[k - 1] === '\\') k -= tpl[k - 2] === '\\' ? 2 : 1;
      text += tpl.slice(j, k);
      i = k;
      continue;
    }
    text += tpl.slice(i, tpl[j - 1] === '\\' ? j - 1 : j);
    if (tpl.startsWith('{{!', j)) {
      const long = tpl.startsWith('{{!--', j);
      const end = long ? tpl.indexOf('--}}', j + 5) : tpl.indexOf('}}', j + 3);
      if (end < 0) fail('unclosed comment', j);
      const stop = end + (long ? 4 : 2);
      flush();
      pieces.push({ t: 'block', kind: 'comment', name: '', raw: tpl.slice(j, stop), tilde: ['', ''] });
      i = stop;
      continue;
    }
    const triple = tpl[j + 2] === '{';
    const start = j + (triple ? 3 : 2);
    const close = closing(tpl, start);
    if (close < 0 || (triple && tpl[close + 2] !== '}')) fail(`'{{' without its closing '}}${triple ? '}' : ''}'`, j);
    i = close + (triple ? 3 : 2);
    let inner = tpl.slice(start, close);
    let at = start;
    const tilde: [string, string] = ['', ''];
    if (inner.startsWith('~')) { tilde[0] = '~'; inner = inner.slice(1); at++; }
    if (inner.endsWith('~')) { tilde[1] = '~'; inner = inner.slice(0, -1); }
    const lead = inner.length - inner.trimStart().length;
    const body = inner.trim();
    const tag = /^([#/^>&*]|else\b)\s*/.exec(body);
    if (!tag) {
      if (tilde[0]) text = text.trimEnd();
      flush();
      pieces.push({ t: 'expr', src: inner, expr: parse(inner, at), quoting: q });
      if (tilde[1]) trimNext = true;
      continue;
    }
    flush();
    const rest = body.slice(tag[0].length);
    const restAt = at + lead + tag[0].length;
    const word = /^([A-Za-z_]\w*)\s*/.exec(rest);
    const block = (kind: 'open' | 'else' | 'close', name: string, src?: string, srcAt = 0): void => {
      const p: Piece = { t: 'block', kind, name, raw: tpl.slice(j, i), tilde };
      if (src !== undefined) { p.src = src; p.expr = parse(src, srcAt); }
      pieces.push(p);
    };
    if (tag[1] === '#' && word && BLOCKS.has(word[1]!)) {
      if (!rest.slice(word[0].length)) fail(`'{{#${word[1]}}}' needs a value`, j);
      stack.push({ open: q });
      block('open', word[1]!, rest.slice(word[0].length), restAt + word[0].length);
    } else if (tag[1] === '/' && word && BLOCKS.has(word[1]!) && rest === word[1]) {
      const top = stack.pop();
      if (!top) return fail(`'{{/${word[1]}}}' without an opening block`, j);
      q = top.bodyEnd ?? q;
      block('close', word[1]!);
    } else if ((tag[1] === 'else' || (tag[1] === '^' && !rest)) && (!rest || (word && BLOCKS.has(word[1]!)))) {
      const top = stack[stack.length - 1];
      if (!top) return fail(`'{{else}}' outside a block`, j);
      top.bodyEnd ??= q;
      q = top.open;
      if (rest) block('else', word![1]!, rest.slice(word![0].length), restAt + word![0].length);
      else block('else', '');
    } else {
      fail(`'{{${body}}}' is not supported (blocks: ${[...BLOCKS].map((b) => `{{#${b} ...}}`).join(', ')}; partials and other handlebars helpers are not)`, j);
    }
  }
  flush();
  if (stack.length) fail('a block is not closed', tpl.length);
  return pieces;
}
