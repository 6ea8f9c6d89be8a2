/**
 * Template text, cut into tokens: literal text, `{{ expression }}`, Jinja statements
 * `{% ... %}` and the handlebars block tags of earlier etcdplay templates (`{{#if x}}`,
 * `{{else}}`, `{{/if}}`). Comments (`{# #}`, `{{!-- --}}`) and `{% raw %}` are resolved here,
 * and so is whitespace, as Ansible's Jinja does it: `{%- -%}` / `{{- -}}` / `{#- -#}` trim
 * around the tag, a newline right after `%}` or `#}` is dropped (trim_blocks), a handlebars
 * block tag alone on its line leaves no line, `{{~ ~}}` trims. `\{{` writes a literal `{{`.
 * Every expression is parsed here by the one parser; each records the shell quoting it lands in.
 */
import { ExpressionError, TemplateError } from './errors.js';
import { parseExpression, type Expr } from './parser.js';

export type Quoting = 'none' | 'single' | 'double';

export type Token =
  | { t: 'text'; v: string }
  | { t: 'expr'; src: string; expr: Expr; quoting: Quoting; at: number }
  /** `{% word rest %}`; `restAt` is the offset of `rest` in the template. */
  | { t: 'stmt'; word: string; rest: string; restAt: number; at: number }
  /** A handlebars block tag (`open` `{{#if x}}`, `else` `{{else}}` / `{{else if x}}`, `close` `{{/if}}`). */
  | { t: 'hb'; kind: 'open' | 'else' | 'close'; name: string; src?: string; expr?: Expr; at: number };

/** Handlebars blocks a template may use; `if` and `unless` read an undefined variable as false. */
export const HB_BLOCKS = new Set(['if', 'unless', 'each', 'with']);
/** Jinja statements that open a block, and the ones that continue it. */
export const OPENERS: Record<string, string> = { if: 'endif', for: 'endfor', set: 'endset' };
export const MIDDLES = new Set(['elif', 'else']);

/** `line L, column C` (or `column C` for one line) of offset `at` in `tpl`. */
export function where(tpl: string, at: number): string {
  const before = tpl.slice(0, at);
  const line = before.split('\n').length;
  const col = at - before.lastIndexOf('\n');
  return line > 1 || tpl.includes('\n') ? `line ${line}, column ${col}` : `column ${col}`;
}

/** Line and column (1-based) of offset `at`. */
export function lineCol(tpl: string, at: number): { line: number; col: number } {
  const before = tpl.slice(0, at);
  return { line: before.split('\n').length, col: at - before.lastIndexOf('\n') };
}

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

/** Index of `end` (e.g. `}}`, `%}`) closing a tag opened before `from`, outside strings and `{ }`. */
function closing(tpl: string, from: number, end: string): number {
  let depth = 0;
  for (let i = from; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c === "'" || c === '"') {
      let k = i + 1;
      while (k < tpl.length && tpl[k] !== c) k += tpl[k] === '\\' ? 2 : 1;
      if (k >= tpl.length) return -1;
      i = k;
    } else if (depth === 0 && tpl.startsWith(end, i)) return i;
    else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
  }
  return -1;
}

export function templateError(tpl: string, problem: string, at: number): TemplateError {
  const e = new TemplateError(`template does not parse: ${problem} at ${where(tpl, at)} in ${JSON.stringify(tpl.length > 300 ? tpl.slice(0, 300) + '...' : tpl)}`, tpl);
  e.at = lineCol(tpl, at);
  return e;
}

const TAG = /\{\{|\{%|\{#/g;

export function scanTemplate(tpl: string): Token[] {
  const toks: Token[] = [];
  const fail = (problem: string, at: number): never => { throw templateError(tpl, problem, at); };
  const parse = (src: string, at: number): Expr => {
    try {
      return parseExpression(src);
    } catch (err) {
      if (err instanceof ExpressionError) fail(`${err.problem} in ${JSON.stringify(src.trim())}`, at + err.column - 1);
      throw err;
    }
  };
  let text = '';
  let trimNext = false;
  let q: Quoting = 'none';
  let lastTagEnd = 0;
  const stack: { open: Quoting; bodyEnd?: Quoting }[] = [];
  const flush = (): void => {
    if (trimNext) { text = text.trimStart(); trimNext = false; }
    if (text) { toks.push({ t: 'text', v: text }); q = scanQuotes(text, q); }
    text = '';
  };
  /** A handlebars tag alone on its line: drop the line's indentation and its newline. */
  const standalone = (j: number, i: number): number => {
    const lineStart = tpl.lastIndexOf('\n', j - 1) + 1;
    const after = /^[ \t]*(\r?\n|$)/.exec(tpl.slice(i));
    if (lastTagEnd > lineStart || !/^[ \t]*$/.test(tpl.slice(lineStart, j)) || !after) return i;
    text = text.replace(/[ \t]*$/, '');
    return i + after[0].length;
  };
  /** The shell quoting for a block's parts: each branch starts as the block did. */
  const openBlock = (): void => { stack.push({ open: q }); };
  const middle = (): void => { const top = stack[stack.length - 1]; if (top) { top.bodyEnd ??= q; q = top.open; } };
  const closeBlock = (): void => { const top = stack.pop(); if (top) q = top.bodyEnd ?? q; };
  let i = 0;
  for (;;) {
    TAG.lastIndex = i;
    const m = TAG.exec(tpl);
    if (!m) { text += tpl.slice(i); break; }
    const j = m.index;
    const kind = m[0];
    if (kind === '{{' && j > 0 && tpl[j - 1] === '\\' && !(j > 1 && tpl[j - 2] === '\\')) {
      // \{{ : literal text up to the next {{ (or \{{), as handlebars reads it
      text += tpl.slice(i, j - 1);
      let k = tpl.indexOf('{{', j + 2);
      if (k < 0) k = tpl.length;
      else if (tpl[k - 1] === '\\') k -= tpl[k - 2] === '\\' ? 2 : 1;
      text += tpl.slice(j, k);
      i = k;
      continue;
    }
    text += tpl.slice(i, kind === '{{' && tpl[j - 1] === '\\' ? j - 1 : j);
    if (kind === '{#') {
      const end = tpl.indexOf('#}', j + 2);
      if (end < 0) fail("'{#' comment without its closing '#}'", j);
      if (tpl[j + 2] === '-') text = text.trimEnd();
      i = end + 2;
      if (tpl[end - 1] === '-' && end - 1 > j + 2) trimNext = true;
      else if (tpl[i] === '\n') i++;
      lastTagEnd = i;
      continue;
    }
    if (kind === '{%') {
      const end = closing(tpl, j + 2, '%}');
      if (end < 0) fail("'{%' without its closing '%}'", j);
      let inner = tpl.slice(j + 2, end);
      let innerAt = j + 2;
      if (inner.startsWith('-') || inner.startsWith('+')) { if (inner[0] === '-') text = text.trimEnd(); inner = inner.slice(1); innerAt++; }
      const trimAfter = inner.endsWith('-');
      if (trimAfter || inner.endsWith('+')) inner = inner.slice(0, -1);
      const word = /^\s*([A-Za-z_]\w*)\s*/.exec(inner);
      if (!word) fail(`expected a statement name after '{%' (if, elif, else, endif, for, endfor, set, raw)`, innerAt);
      i = end + 2;
      const afterTag = (): void => { if (trimAfter) trimNext = true; else if (tpl[i] === '\n') i++; else if (tpl.startsWith('\r\n', i)) i += 2; };
      if (word![1] === 'raw') {
        const close = /\{%(-?)\s*endraw\s*(-?)%\}/g;
        close.lastIndex = i;
        const c = close.exec(tpl);
        if (!c) fail("'{% raw %}' without '{% endraw %}'", j);
        let body = tpl.slice(trimAfter ? i : i, c!.index);
        if (trimAfter) body = body.trimStart();
        if (c![1]) body = body.trimEnd();
        text += body;
        i = c!.index + c![0].length;
        if (c![2]) trimNext = true;
        else if (tpl[i] === '\n') i++;
        lastTagEnd = i;
        continue;
      }
      flush();
      const w = word![1]!;
      const rest = inner.slice(word![0].length).trimEnd();
      const restAt = innerAt + word![0].length;
      if (w in OPENERS && !(w === 'set' && rest.includes('='))) openBlock();
      else if (MIDDLES.has(w)) middle();
      else if (/^end/.test(w)) closeBlock();
      toks.push({ t: 'stmt', word: w, rest, restAt, at: j });
      afterTag();
      lastTagEnd = i;
      continue;
    }
    // {{ ... }}
    if (tpl.startsWith('{{!', j)) {
      const long = tpl.startsWith('{{!--', j);
      const end = long ? tpl.indexOf('--}}', j + 5) : tpl.indexOf('}}', j + 3);
      if (end < 0) fail('unclosed comment', j);
      i = standalone(j, end + (long ? 4 : 2));
      lastTagEnd = i;
      continue;
    }
    const triple = tpl[j + 2] === '{';
    const start = j + (triple ? 3 : 2);
    const close = closing(tpl, start, '}}');
    if (close < 0 || (triple && tpl[close + 2] !== '}')) fail(`'{{' without its closing '}}${triple ? '}' : ''}'`, j);
    i = close + (triple ? 3 : 2);
    let inner = tpl.slice(start, close);
    let at = start;
    let trimBefore = false;
    let trimAfter = false;
    if (inner.startsWith('~') || (inner.startsWith('-') && !triple)) { trimBefore = true; inner = inner.slice(1); at++; }
    if (inner.endsWith('~') || (inner.endsWith('-') && !triple)) { trimAfter = true; inner = inner.slice(0, -1); }
    const lead = inner.length - inner.trimStart().length;
    const body = inner.trim();
    const tag = /^([#/^>&*]|else\b)\s*/.exec(body);
    if (!tag) {
      if (trimBefore) text = text.trimEnd();
      flush();
      toks.push({ t: 'expr', src: inner, expr: parse(inner, at), quoting: q, at: j });
      if (trimAfter) trimNext = true;
      lastTagEnd = i;
      continue;
    }
    // A handlebars block tag.
    if (trimBefore) text = text.trimEnd();
    else i = standalone(j, i);
    if (trimAfter) trimNext = true;
    const rest = body.slice(tag[0].length);
    const restAt = at + lead + tag[0].length;
    const word = /^([A-Za-z_]\w*)\s*/.exec(rest);
    const hb = (k: 'open' | 'else' | 'close', name: string, src?: string, srcAt = 0): void => {
      flush();
      if (k === 'open') openBlock();
      else if (k === 'else') middle();
      else closeBlock();
      toks.push({ t: 'hb', kind: k, name, at: j, ...(src !== undefined ? { src, expr: parse(src, srcAt) } : {}) });
    };
    if (tag[1] === '#' && word && HB_BLOCKS.has(word[1]!)) {
      if (!rest.slice(word[0].length)) fail(`'{{#${word[1]}}}' needs a value`, j);
      hb('open', word[1]!, rest.slice(word[0].length), restAt + word[0].length);
    } else if (tag[1] === '/' && word && HB_BLOCKS.has(word[1]!) && rest === word[1]) {
      hb('close', word[1]!);
    } else if ((tag[1] === 'else' || (tag[1] === '^' && !rest)) && (!rest || (word && HB_BLOCKS.has(word[1]!)))) {
      if (rest) hb('else', word![1]!, rest.slice(word![0].length), restAt + word![0].length);
      else hb('else', '');
    } else {
      fail(`'{{${body}}}' is not supported: use '{% if %}', '{% for %}' (or the blocks {{#if}}, {{#each}}, {{#unless}}, {{#with}}); partials and other handlebars helpers are not available`, j);
    }
    lastTagEnd = i;
  }
  flush();
  return toks;
}
