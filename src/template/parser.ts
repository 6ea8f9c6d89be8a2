/**
 * The one expression language, parsed: Jinja's expressions as Ansible users write them, in
 * conditions and inside `{{ }}`, plus the handlebars helper-call spelling etcdplay templates
 * have always accepted (`{{join list ','}}` is `list | join(',')`, `{{timestamp}}` a call).
 *
 *   literals      'str' "str" 12 1.5 true false True False none None [a, b] {'k': v}
 *   variables     x  x.y  x['y']  x[0]  x.[0] (handlebars segment)  this  @index
 *   operators     a if c else b, or, and, not, == != < > <= >= in, not in, + - ~ * / // %, ( )
 *   tests         x is [not] name, x is name(args)          (tests.ts)
 *   filters       x | name, x | name(args); name(x, args); name x args   (filters.ts)
 */
import { ExpressionError } from './errors.js';
import { FILTERS } from './filters.js';
import { describe, tokenize, type Tok } from './lexer.js';
import { TESTS } from './tests.js';

export type Expr =
  | { k: 'lit'; v: unknown; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'attr'; obj: Expr; key: Expr; pos: number }
  | { k: 'list'; items: Expr[]; pos: number }
  | { k: 'dict'; keys: Expr[]; values: Expr[]; pos: number }
  | { k: 'not'; e: Expr; pos: number }
  | { k: 'neg'; e: Expr; pos: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; pos: number }
  | { k: 'cond'; test: Expr; yes: Expr; no?: Expr; pos: number }
  | { k: 'test'; e: Expr; name: string; args: Expr[]; negate: boolean; pos: number }
  /** A filter; `e` is undefined when a helper is called without input (`{{timestamp}}`). */
  | { k: 'filter'; e?: Expr; name: string; args: Expr[]; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
const known = (table: object): string => Object.keys(table).join(', ');

class Parser {
  private i = 0;
  /** Parsing the arguments of a handlebars-style call: a name there is a value, not a call. */
  private inArgs = false;
  constructor(private readonly src: string, private readonly toks: Tok[], private readonly noun: string) {}
  private peek(n = 0): Tok { return this.toks[this.i + n]!; }
  private next(): Tok { return this.toks[this.i++]!; }
  private isOp(v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v; }
  private isName(v: string): boolean { const t = this.peek(); return t.t === 'name' && t.v === v; }
  private fail(t: Tok, problem: string): never {
    throw new ExpressionError(this.src, t.pos + 1, problem);
  }
  private expect(v: string): Tok {
    const t = this.next();
    if (!(t.t === 'op' && t.v === v)) this.fail(t, `expected '${v}' but found ${describe(t, this.noun)}`);
    return t;
  }

  parse(): Expr {
    if (this.peek().t === 'end') this.fail(this.peek(), `empty ${this.noun}`);
    const e = this.expr();
    const t = this.peek();
    if (t.t !== 'end') this.fail(t, `unexpected ${describe(t, this.noun)}`);
    return e;
  }
  /** `a if c else b` (Jinja's conditional expression; without else: undefined when c is false). */
  private expr(): Expr {
    const yes = this.or();
    if (!this.isName('if')) return yes;
    const t = this.next();
    const test = this.or();
    let no: Expr | undefined;
    if (this.isName('else')) { this.next(); no = this.expr(); }
    return { k: 'cond', test, yes, ...(no ? { no } : {}), pos: t.pos };
  }
  private or(): Expr {
    let a = this.and();
    while (this.isName('or')) { const t = this.next(); a = { k: 'bin', op: 'or', a, b: this.and(), pos: t.pos }; }
    return a;
  }
  private and(): Expr {
    let a = this.not();
    while (this.isName('and')) { const t = this.next(); a = { k: 'bin', op: 'and', a, b: this.not(), pos: t.pos }; }
    return a;
  }
  private not(): Expr {
    if (this.isName('not')) { const t = this.next(); return { k: 'not', e: this.not(), pos: t.pos }; }
    return this.cmp();
  }
  private cmp(): Expr {
    let a = this.add();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        this.next();
        a = { k: 'bin', op: t.v, a, b: this.add(), pos: t.pos };
      } else if (this.isName('in')) {
        this.next();
        a = { k: 'bin', op: 'in', a, b: this.add(), pos: t.pos };
      } else if (this.isName('not') && this.peek(1).t === 'name' && this.peek(1).v === 'in') {
        this.next(); this.next();
        a = { k: 'bin', op: 'not in', a, b: this.add(), pos: t.pos };
      } else if (this.isName('is')) {
        this.next();
        let negate = false;
        if (this.isName('not')) { this.next(); negate = true; }
        const n = this.next();
        if (n.t !== 'name') this.fail(n, `expected a test name after 'is' but found ${describe(n, this.noun)}`);
        if (!Object.hasOwn(TESTS, n.v)) this.fail(n, `unknown test '${n.v}' (known: ${known(TESTS)})`);
        const args = this.isOp('(') ? this.args() : [];
        a = { k: 'test', e: a, name: n.v, args, negate, pos: n.pos };
      } else return a;
    }
  }
  private add(): Expr {
    let a = this.mul();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && ['+', '-', '~'].includes(t.v)) { this.next(); a = { k: 'bin', op: t.v, a, b: this.mul(), pos: t.pos }; }
      else return a;
    }
  }
  private mul(): Expr {
    let a = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && ['*', '/', '//', '%'].includes(t.v)) { this.next(); a = { k: 'bin', op: t.v, a, b: this.unary(), pos: t.pos }; }
      else return a;
    }
  }
  private unary(): Expr {
    if (this.isOp('-')) { const t = this.next(); return { k: 'neg', e: this.unary(), pos: t.pos }; }
    return this.filtered();
  }
  private filtered(): Expr {
    let e = this.postfix();
    while (this.isOp('|')) {
      this.next();
      const n = this.next();
      if (n.t !== 'name') this.fail(n, `expected a filter name after '|' but found ${describe(n, this.noun)}`);
      if (!Object.hasOwn(FILTERS, n.v)) this.fail(n, `unknown filter '${n.v}' (known: ${known(FILTERS)})`);
      const args = this.isOp('(') ? this.args() : [];
      e = { k: 'filter', e, name: n.v, args, pos: n.pos };
    }
    return e;
  }
  private args(): Expr[] {
    return this.nested(() => this.argList());
  }
  private argList(): Expr[] {
    this.expect('(');
    const out: Expr[] = [];
    if (this.isOp(')')) { this.next(); return out; }
    for (;;) {
      out.push(this.expr());
      if (this.isOp(',')) { this.next(); continue; }
      this.expect(')');
      return out;
    }
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        const t = this.next();
        const n = this.next();
        if (n.t !== 'name' && n.t !== 'num' && n.t !== 'seg') this.fail(n, `expected an attribute name after '.' but found ${describe(n, this.noun)}`);
        e = { k: 'attr', obj: e, key: { k: 'lit', v: n.v, pos: n.pos }, pos: t.pos };
      } else if (this.isOp('[')) {
        const t = this.next();
        const key = this.nested(() => this.expr());
        this.expect(']');
        e = { k: 'attr', obj: e, key, pos: t.pos };
      } else return e;
    }
  }
  /** Can this token begin an argument of a handlebars-style call (`join list ','`)? */
  private startsArg(t: Tok): boolean {
    if (!t.space) return false;
    if (t.t === 'str' || t.t === 'num') return true;
    if (t.t === 'name') return !KEYWORDS.has(t.v);
    return t.t === 'op' && (t.v === '(' || t.v === '[' || t.v === '{');
  }
  /** One argument of a handlebars-style call. */
  private arg(): Expr {
    this.inArgs = true;
    try { return this.postfix(); } finally { this.inArgs = false; }
  }
  /** A nested expression (in parentheses, a list, a mapping): calls allowed again. */
  private nested<T>(f: () => T): T {
    const saved = this.inArgs;
    this.inArgs = false;
    try { return f(); } finally { this.inArgs = saved; }
  }
  private primary(): Expr {
    const t = this.next();
    if (t.t === 'op' && (t.v === '(' || t.v === '[' || t.v === '{')) return this.nested(() => this.group(t));
    if (t.t === 'num') return { k: 'lit', v: Number(t.v), pos: t.pos };
    if (t.t === 'str') return { k: 'lit', v: t.v, pos: t.pos };
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true, pos: t.pos };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false, pos: t.pos };
      if (t.v === 'none' || t.v === 'None' || t.v === 'null') return { k: 'lit', v: null, pos: t.pos };
      if (KEYWORDS.has(t.v)) this.fail(t, `expected a value but found '${t.v}'`);
      const n = this.peek();
      if (n.t === 'op' && n.v === '(' && !n.space) {
        if (!Object.hasOwn(FILTERS, t.v)) this.fail(t, `unknown function '${t.v}' (known: ${known(FILTERS)})`);
        const [input, ...args] = this.args();
        return { k: 'filter', ...(input ? { e: input } : {}), name: t.v, args, pos: t.pos };
      }
      if (!this.inArgs && this.startsArg(n) && (Object.hasOwn(FILTERS, t.v) || !(n.t === 'op' && n.v === '['))) {
        if (!Object.hasOwn(FILTERS, t.v)) this.fail(t, `unknown helper '${t.v}' (a name followed by a value; known: ${known(FILTERS)})`);
        const input = this.arg();
        const args: Expr[] = [];
        while (this.startsArg(this.peek())) args.push(this.arg());
        return { k: 'filter', e: input, name: t.v, args, pos: t.pos };
      }
      return { k: 'var', name: t.v, pos: t.pos };
    }
    this.fail(t, `expected a value but found ${describe(t, this.noun)}`);
  }
  /** `( expr )`, `[a, b]`, `{k: v}` after its opening token t. */
  private group(t: Tok): Expr {
    if (t.v === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.v === '[') {
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.expr());
        if (!this.isOp(',')) break;
        this.next();
      }
      this.expect(']');
      return { k: 'list', items, pos: t.pos };
    }
    const keys: Expr[] = [];
    const values: Expr[] = [];
    while (!this.isOp('}')) {
      keys.push(this.expr());
      this.expect(':');
      values.push(this.expr());
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expect('}');
    return { k: 'dict', keys, values, pos: t.pos };
  }
}

const parsed = new Map<string, Expr>();

/**
 * Parse an expression (cached). Throws ExpressionError naming the column; `noun` is what the
 * messages call it ('condition' for when:, 'expression' inside {{ }}).
 */
export function parseExpression(src: string, noun: 'condition' | 'expression' = 'expression'): Expr {
  const key = noun[0] + src;
  let e = parsed.get(key);
  if (!e) {
    e = new Parser(src, tokenize(src), noun).parse();
    if (parsed.size > 5000) parsed.clear();
    parsed.set(key, e);
  }
  return e;
}

/** Root variable names an expression reads (for deciding whether it can be evaluated now). */
export function rootNames(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'var': out.add(e.name); break;
    case 'attr': rootNames(e.obj, out); rootNames(e.key, out); break;
    case 'list': e.items.forEach((x) => rootNames(x, out)); break;
    case 'dict': [...e.keys, ...e.values].forEach((x) => rootNames(x, out)); break;
    case 'not': case 'neg': rootNames(e.e, out); break;
    case 'bin': rootNames(e.a, out); rootNames(e.b, out); break;
    case 'cond': rootNames(e.test, out); rootNames(e.yes, out); if (e.no) rootNames(e.no, out); break;
    case 'test': rootNames(e.e, out); e.args.forEach((x) => rootNames(x, out)); break;
    case 'filter': if (e.e) rootNames(e.e, out); e.args.forEach((x) => rootNames(x, out)); break;
    default: break;
  }
  return out;
}
