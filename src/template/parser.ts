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
import { FILTERS, UNSUPPORTED_FILTERS } from './filters.js';
import { describe, tokenize, type Tok } from './lexer.js';
import { TESTS } from './tests.js';

export type Expr =
  | { k: 'lit'; v: unknown; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'attr'; obj: Expr; key: Expr; pos: number }
  /** `x[a:b:c]` (parts may be missing). */
  | { k: 'slice'; obj: Expr; start?: Expr; stop?: Expr; step?: Expr; pos: number }
  | { k: 'list'; items: Expr[]; tuple?: boolean; pos: number }
  | { k: 'dict'; keys: Expr[]; values: Expr[]; pos: number }
  | { k: 'not'; e: Expr; pos: number }
  | { k: 'neg'; e: Expr; pos: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; pos: number }
  | { k: 'cond'; test: Expr; yes: Expr; no?: Expr; pos: number }
  | { k: 'test'; e: Expr; name: string; args: Expr[]; negate: boolean; pos: number }
  /** A method of a string, list or mapping: `s.split(',')`, `d.items()` (methods.ts). */
  | { k: 'call'; obj: Expr; name: string; args: Expr[]; pos: number }
  /** A filter; `e` is undefined when a helper is called without input (`{{timestamp}}`). */
  | { k: 'filter'; e?: Expr; name: string; args: Expr[]; kw?: Record<string, Expr>; pos: number };

/** Arguments of a call: positional, and `name=value` keywords. */
interface Args { args: Expr[]; kw: Record<string, Expr> }

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
const known = (table: object): string => Object.keys(table).join(', ');

/** The message for a filter (or function) that is not in the table, naming an alternative when there is one. */
function unknownFilter(name: string, what = 'filter'): string {
  const alt = UNSUPPORTED_FILTERS[name];
  if (alt) return `${what} '${name}' is not supported: ${alt}`;
  return `unknown ${what} '${name}' (known: ${known(FILTERS)})`;
}

class Parser {
  private i = 0;
  /** Parsing the arguments of a handlebars-style call: a name there is a value, not a call. */
  private inArgs = false;
  constructor(private readonly src: string, private readonly toks: Tok[], private readonly noun: string) {}
  atEnd(): boolean { return this.peek().t === 'end'; }
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
    this.done();
    return e;
  }
  done(): void {
    const t = this.peek();
    if (t.t !== 'end') this.fail(t, `unexpected ${describe(t, this.noun)}`);
  }
  /** The iterable of `{% for %}` and its optional `if` filter (no conditional expression there). */
  forIter(): { iter: Expr; cond?: Expr } {
    if (this.peek().t === 'end') this.fail(this.peek(), `empty ${this.noun}`);
    const iter = this.or();
    let cond: Expr | undefined;
    if (this.isName('if')) { this.next(); cond = this.expr(); }
    if (this.isName('recursive')) this.fail(this.peek(), "recursive loops are not supported (use a loop over a flattened list, e.g. '| flatten')");
    this.done();
    return { iter, ...(cond ? { cond } : {}) };
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
  /** Comparisons; a chain `a < b < c` means `a < b and b < c`, as in Jinja. */
  private cmp(): Expr {
    const first = this.add();
    let a = first;
    let last = first;
    let chain: Expr | undefined;
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) { this.next(); op = t.v; }
      else if (this.isName('in')) { this.next(); op = 'in'; }
      else if (this.isName('not') && this.peek(1).t === 'name' && this.peek(1).v === 'in') { this.next(); this.next(); op = 'not in'; }
      if (!op) return chain ?? a;
      const b = this.add();
      const c: Expr = { k: 'bin', op, a: last, b, pos: t.pos };
      chain = chain ? { k: 'bin', op: 'and', a: chain, b: c, pos: t.pos } : c;
      a = chain;
      last = b;
    }
  }
  private binary(ops: string[], next: () => Expr): Expr {
    let a = next();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && ops.includes(t.v)) { this.next(); a = { k: 'bin', op: t.v, a, b: next(), pos: t.pos }; }
      else return a;
    }
  }
  /** Jinja's order: `+ -`, then `~`, then `* / // %`, then `**`, then unary `-`. */
  private add(): Expr { return this.binary(['+', '-'], () => this.concat()); }
  private concat(): Expr { return this.binary(['~'], () => this.mul()); }
  private mul(): Expr { return this.binary(['*', '/', '//', '%'], () => this.pow()); }
  private pow(): Expr { return this.binary(['**'], () => this.unary(true)); }
  /** `-x | f` filters the negated value (Jinja: `-1 | abs` is 1). */
  private unary(withFilter: boolean): Expr {
    let e: Expr;
    if (this.isOp('-')) { const t = this.next(); e = { k: 'neg', e: this.unary(false), pos: t.pos }; }
    else if (this.isOp('+')) { this.next(); e = this.unary(false); }
    else e = this.postfix();
    return withFilter ? this.filtered(e) : e;
  }
  /** Filters and tests, left to right: `x | f is defined`, `x is defined` (Jinja binds them tightly). */
  private filtered(e: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        this.next();
        const n = this.next();
        if (n.t !== 'name') this.fail(n, `expected a filter name after '|' but found ${describe(n, this.noun)}`);
        if (!Object.hasOwn(FILTERS, n.v)) this.fail(n, unknownFilter(n.v));
        const { args, kw } = this.isOp('(') ? this.args() : { args: [], kw: {} };
        e = { k: 'filter', e, name: n.v, args, ...(Object.keys(kw).length ? { kw } : {}), pos: n.pos };
      } else if (this.isName('is')) {
        this.next();
        let negate = false;
        if (this.isName('not')) { this.next(); negate = true; }
        const n = this.next();
        if (n.t !== 'name') this.fail(n, `expected a test name after 'is' but found ${describe(n, this.noun)}`);
        if (!Object.hasOwn(TESTS, n.v)) this.fail(n, `unknown test '${n.v}' (known: ${known(TESTS)})`);
        let args: Expr[] = [];
        if (this.isOp('(')) args = this.args().args;
        else if (this.bareTestArg(this.peek())) args = [this.nested(() => this.unary(false))];
        e = { k: 'test', e, name: n.v, args, negate, pos: n.pos };
      } else return e;
    }
  }
  /** `x is divisibleby 3`, `x is sameas none`: a test's one argument without parentheses. */
  private bareTestArg(t: Tok): boolean {
    if (t.t === 'str' || t.t === 'num') return true;
    return t.t === 'name' && !KEYWORDS.has(t.v);
  }
  private args(): Args {
    return this.nested(() => this.argList());
  }
  private argList(): Args {
    this.expect('(');
    const out: Args = { args: [], kw: {} };
    while (!this.isOp(')')) {
      const t = this.peek();
      const n = this.peek(1);
      if (t.t === 'name' && n.t === 'op' && n.v === '=') {
        this.next(); this.next();
        out.kw[t.v] = this.expr();
      } else {
        if (Object.keys(out.kw).length) this.fail(t, 'a positional argument after a keyword argument');
        out.args.push(this.expr());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expect(')');
    return out;
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        const t = this.next();
        const n = this.next();
        if (n.t !== 'name' && n.t !== 'num' && n.t !== 'seg') this.fail(n, `expected an attribute name after '.' but found ${describe(n, this.noun)}`);
        const p = this.peek();
        if (n.t === 'name' && p.t === 'op' && p.v === '(' && !p.space) {
          const { args, kw } = this.args();
          if (Object.keys(kw).length) this.fail(p, `method '${n.v}' takes no keyword arguments here`);
          e = { k: 'call', obj: e, name: n.v, args, pos: n.pos };
          continue;
        }
        e = { k: 'attr', obj: e, key: { k: 'lit', v: n.v, pos: n.pos }, pos: t.pos };
      } else if (this.isOp('[')) {
        const t = this.next();
        const parts = this.nested(() => {
          const out: (Expr | undefined)[] = [];
          for (;;) {
            out.push(this.isOp(':') || this.isOp(']') ? undefined : this.expr());
            if (!this.isOp(':') || out.length === 3) return out;
            this.next();
          }
        });
        this.expect(']');
        if (parts.length === 1 && parts[0]) e = { k: 'attr', obj: e, key: parts[0], pos: t.pos };
        else if (parts.length === 1) this.fail(t, "expected an index or a key inside '[ ]'");
        else {
          const [start, stop, step] = parts;
          e = { k: 'slice', obj: e, ...(start ? { start } : {}), ...(stop ? { stop } : {}), ...(step ? { step } : {}), pos: t.pos };
        }
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
        if (!Object.hasOwn(FILTERS, t.v)) this.fail(t, unknownFilter(t.v, 'function'));
        const { args: [input, ...args], kw } = this.args();
        return { k: 'filter', ...(input ? { e: input } : {}), name: t.v, args, ...(Object.keys(kw).length ? { kw } : {}), pos: t.pos };
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
      if (this.isOp(')')) { this.next(); return { k: 'list', items: [], tuple: true, pos: t.pos }; }
      const e = this.expr();
      if (!this.isOp(',')) { this.expect(')'); return e; }
      const items = [e];
      while (this.isOp(',')) {
        this.next();
        if (this.isOp(')')) break;
        items.push(this.expr());
      }
      this.expect(')');
      return { k: 'list', items, tuple: true, pos: t.pos };
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

/** `{% for x in ITER [if COND] %}`: the iterable and its filter. */
export function parseForIter(src: string): { iter: Expr; cond?: Expr } {
  return new Parser(src, tokenize(src), 'expression').forIter();
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
    case 'filter': if (e.e) rootNames(e.e, out); e.args.forEach((x) => rootNames(x, out)); Object.values(e.kw ?? {}).forEach((x) => rootNames(x, out)); break;
    case 'slice': rootNames(e.obj, out); for (const x of [e.start, e.stop, e.step]) if (x) rootNames(x, out); break;
    case 'call': rootNames(e.obj, out); e.args.forEach((x) => rootNames(x, out)); break;
    default: break;
  }
  return out;
}
