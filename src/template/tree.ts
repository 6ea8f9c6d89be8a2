/**
 * The structure of a template: the tokens of scan.ts nested into blocks. Jinja's statements
 * (`{% if %}`/`{% elif %}`/`{% else %}`, `{% for %}` with `else` and an `if` filter, `{% set %}`
 * and `{% set x %}...{% endset %}`) and the handlebars blocks of earlier templates (`{{#if}}`,
 * `{{#unless}}`, `{{#each}}`, `{{#with}}`) become the same nodes, rendered by render.ts.
 * Statements etcdplay does not have are errors naming the place and what to use instead.
 */
import { ExpressionError, type TemplateError } from './errors.js';
import { parseExpression, parseForIter, type Expr } from './parser.js';
import { OPENERS, scanTemplate, templateError, type Token } from './scan.js';

type Out = Extract<Token, { t: 'expr' }>;

export interface Cond { expr: Expr; src: string; at: number; lenient: boolean; negate: boolean }

export type Node =
  | { t: 'text'; v: string }
  | { t: 'out'; p: Out }
  | { t: 'if'; branches: { cond: Cond; body: Node[] }[]; else?: Node[] }
  /** `hb`: a handlebars `{{#each}}` (`this`, `@index`, item keys as names) rather than Jinja's for. */
  | { t: 'for'; targets: string[]; iter: Cond; filter?: Cond; body: Node[]; else?: Node[]; hb: boolean }
  | { t: 'set'; targets: string[]; value: Cond }
  | { t: 'setblock'; name: string; body: Node[] }
  | { t: 'with'; value: Cond; body: Node[] };

/** Statements Jinja has and etcdplay does not, with the nearest supported form. */
const UNSUPPORTED: Record<string, string> = {
  macro: 'macros are not supported: repeat the text, or build it in a variable with {% set %}',
  call: 'macros are not supported',
  include: "include is not supported in templates: put the text in a variable, or use a second 'template' task",
  import: 'import is not supported (no macros)',
  from: 'import is not supported (no macros)',
  extends: "template inheritance is not supported: use {% if %} blocks in one template",
  block: "template inheritance is not supported: use {% if %} blocks in one template",
  filter: "a filter block is not supported: use {% set x %}...{% endset %}{{ x | filter }}",
  with: 'use {% set %} (variables set inside a for loop stay inside it)',
  do: "expression statements are not supported: use {% set x = ... %}",
  break: "loop controls are not supported: filter the loop instead, '{% for x in xs if cond %}'",
  continue: "loop controls are not supported: filter the loop instead, '{% for x in xs if cond %}'",
  autoescape: 'templates are never HTML-escaped',
  trans: 'i18n is not supported',
};

const NAMES = /^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*,?\s*/;

class Builder {
  private i = 0;
  constructor(private readonly tpl: string, private readonly toks: Token[]) {}

  fail(problem: string, at: number): never {
    throw templateError(this.tpl, problem, at);
  }

  private expr(src: string, at: number, lenient = false, negate = false): Cond {
    try {
      return { expr: parseExpression(src), src, at, lenient, negate };
    } catch (err) {
      if (err instanceof ExpressionError) this.fail(`${err.problem} in ${JSON.stringify(src.trim())}`, at + err.column - 1);
      throw err;
    }
  }

  /** Nodes until a statement in `stops` (returned, not consumed) or the end. */
  nodes(stops: Set<string>, opener?: { word: string; at: number }): { body: Node[]; stop?: Extract<Token, { t: 'stmt' | 'hb' }> } {
    const body: Node[] = [];
    while (this.i < this.toks.length) {
      const tok = this.toks[this.i]!;
      if (tok.t === 'text') { body.push({ t: 'text', v: tok.v }); this.i++; continue; }
      if (tok.t === 'expr') { body.push({ t: 'out', p: tok }); this.i++; continue; }
      const key = tok.t === 'stmt' ? tok.word : `hb:${tok.kind}:${tok.kind === 'open' ? '' : tok.name}`;
      if (stops.has(key) || (tok.t === 'hb' && tok.kind === 'else' && stops.has('hb:else'))) return { body, stop: tok };
      this.i++;
      body.push(tok.t === 'stmt' ? this.stmt(tok) : this.hb(tok));
    }
    if (opener) this.fail(`'${opener.word}' is not closed (expected ${opener.word.startsWith('{{') ? `'{{/${opener.word.slice(3, -2)}}}'` : `'{% ${OPENERS[opener.word.slice(3, -3)] ?? 'end'} %}'`} before the end of the template)`, opener.at);
    return { body };
  }

  private stmt(tok: Extract<Token, { t: 'stmt' }>): Node {
    const { word, rest, restAt, at } = tok;
    switch (word) {
      case 'if': {
        const branches: { cond: Cond; body: Node[] }[] = [];
        let cond = this.expr(rest, restAt);
        for (;;) {
          const r = this.nodes(new Set(['elif', 'else', 'endif']), { word: '{% if %}', at });
          branches.push({ cond, body: r.body });
          const s = r.stop as Extract<Token, { t: 'stmt' }>;
          this.i++;
          if (s.word === 'elif') { cond = this.expr(s.rest, s.restAt); continue; }
          if (s.word === 'else') {
            const e = this.nodes(new Set(['endif']), { word: '{% if %}', at });
            this.i++;
            return { t: 'if', branches, else: e.body };
          }
          return { t: 'if', branches };
        }
      }
      case 'for': {
        const m = NAMES.exec(rest);
        const inAt = m ? rest.slice(m[0].length).match(/^in\b/) : null;
        if (!m || !inAt) this.fail("expected '{% for NAME in LIST %}' (or '{% for KEY, VALUE in DICT.items() %}')", restAt);
        const targets = m![1]!.split(',').map((x) => x.trim());
        const src = rest.slice(m![0].length + 2);
        const srcAt = restAt + m![0].length + 2;
        let parsed: { iter: Expr; cond?: Expr };
        try { parsed = parseForIter(src); } catch (err) {
          if (err instanceof ExpressionError) this.fail(`${err.problem} in ${JSON.stringify(src.trim())}`, srcAt + err.column - 1);
          throw err;
        }
        const r = this.nodes(new Set(['else', 'endfor']), { word: '{% for %}', at });
        this.i++;
        const node: Node = { t: 'for', targets, iter: { expr: parsed.iter, src, at: srcAt, lenient: false, negate: false }, body: r.body, hb: false };
        if (parsed.cond) node.filter = { expr: parsed.cond, src, at: srcAt, lenient: false, negate: false };
        if ((r.stop as Extract<Token, { t: 'stmt' }>).word === 'else') {
          node.else = this.nodes(new Set(['endfor']), { word: '{% for %}', at }).body;
          this.i++;
        }
        return node;
      }
      case 'set': {
        const m = NAMES.exec(rest);
        if (!m) this.fail("expected '{% set NAME = VALUE %}' or '{% set NAME %}...{% endset %}'", restAt);
        const after = rest.slice(m![0].length);
        if (!after) {
          const r = this.nodes(new Set(['endset']), { word: '{% set %}', at });
          this.i++;
          return { t: 'setblock', name: m![1]!, body: r.body };
        }
        if (!after.startsWith('=') || after.startsWith('==')) this.fail("expected '=' after the name in '{% set %}'", restAt + m![0].length);
        return { t: 'set', targets: m![1]!.split(',').map((x) => x.trim()), value: this.expr(after.slice(1), restAt + m![0].length + 1) };
      }
      case 'elif': case 'else': case 'endif': case 'endfor': case 'endset': case 'endraw':
        return this.fail(`'{% ${word} %}' without its opening statement`, at);
      default:
        return this.fail(UNSUPPORTED[word] ? `'{% ${word} %}' is not supported: ${UNSUPPORTED[word]}` : `unknown statement '{% ${word} %}' (etcdplay has if, elif, else, for, set, raw)`, at);
    }
  }

  private hb(tok: Extract<Token, { t: 'hb' }>): Node {
    if (tok.kind !== 'open') return this.fail(tok.kind === 'close' ? `'{{/${tok.name}}}' without an opening block` : "'{{else}}' outside a block", tok.at);
    const name = tok.name;
    const opener = { word: `{{#${name}}}`, at: tok.at };
    const cond = (t: Extract<Token, { t: 'hb' }>, negate = false): Cond => ({ expr: t.expr!, src: t.src!, at: t.at, lenient: true, negate });
    const body = (): { body: Node[]; stop: Extract<Token, { t: 'hb' }> } => {
      const r = this.nodes(new Set([`hb:close:${name}`, 'hb:else']), opener);
      this.i++;
      return r as { body: Node[]; stop: Extract<Token, { t: 'hb' }> };
    };
    if (name === 'if' || name === 'unless') {
      const branches: { cond: Cond; body: Node[] }[] = [];
      let c = cond(tok, name === 'unless');
      for (;;) {
        const r = body();
        branches.push({ cond: c, body: r.body });
        if (r.stop.kind === 'close') return { t: 'if', branches };
        if (r.stop.name) { c = cond(r.stop, r.stop.name === 'unless'); continue; }
        const e = this.nodes(new Set([`hb:close:${name}`]), opener);
        this.i++;
        return { t: 'if', branches, else: e.body };
      }
    }
    const r = body();
    let otherwise: Node[] | undefined;
    if (r.stop.kind === 'else') { otherwise = this.nodes(new Set([`hb:close:${name}`]), opener).body; this.i++; }
    const value: Cond = { expr: tok.expr!, src: tok.src!, at: tok.at, lenient: false, negate: false };
    if (name === 'each') return { t: 'for', targets: ['this'], iter: value, body: r.body, hb: true, ...(otherwise ? { else: otherwise } : {}) };
    return { t: 'with', value, body: r.body };
  }
}

export function buildTree(tpl: string): Node[] {
  const b = new Builder(tpl, scanTemplate(tpl));
  const r = b.nodes(new Set());
  return r.body;
}

export type { TemplateError };
