/**
 * A small, safe evaluator for the Jinja-like conditions of when / failed_when / changed_when /
 * until. No eval, no Function: a tokenizer, a precedence-climbing parser and a tree walker.
 *
 *   literals      'str' "str" 12 1.5 true false True False none None [a, b]
 *   variables     x  x.y  x['y']  x[0]
 *   operators     == != < > <= >= in, not in, and, or, not, + - ~ (concat), ( )
 *   tests         is [not] defined|undefined|none|succeeded|success|failed|failure|changed|
 *                 skipped|string|number|true|false|version(v, op)|match(re)|search(re)
 *   filters       | length | count | int | float | bool | string | lower | upper | trim
 *                 | default(x) | d(x) | first | last | join(sep)
 *
 * An undefined variable is an error (UndefinedVariableError naming it) unless it is tested with
 * `is defined` / `is undefined` or given a `default`.
 */
import { ValidationError } from '../errors.js';
import type { Vars } from '../model/vars.js';
import { UndefinedVariableError } from './errors.js';

type Tok = { t: 'num' | 'str' | 'name' | 'op' | 'end'; v: string; pos: number };

export class ExpressionError extends ValidationError {
  constructor(readonly expr: string, readonly column: number, problem: string) {
    super(`in condition ${JSON.stringify(expr)}: ${problem} at column ${column}`);
  }
}

const OPS = ['==', '!=', '<=', '>=', '//', '<', '>', '(', ')', '[', ']', ',', '.', '|', '+', '-', '*', '/', '%', '~'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) { s += src[j + 1]; j += 2; continue; }
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExpressionError(src, i + 1, 'unterminated string');
      out.push({ t: 'str', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: num[0], pos: i }); i += num[0].length; continue; }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) { out.push({ t: 'name', v: name[0], pos: i }); i += name[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) { out.push({ t: 'op', v: op, pos: i }); i += op.length; continue; }
    throw new ExpressionError(src, i + 1, `unexpected character '${c}'`);
  }
  out.push({ t: 'end', v: '', pos: src.length });
  return out;
}

export type Expr =
  | { k: 'lit'; v: unknown; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'attr'; obj: Expr; key: Expr; pos: number }
  | { k: 'list'; items: Expr[]; pos: number }
  | { k: 'not'; e: Expr; pos: number }
  | { k: 'neg'; e: Expr; pos: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; pos: number }
  | { k: 'test'; e: Expr; name: string; args: Expr[]; negate: boolean; pos: number }
  | { k: 'filter'; e: Expr; name: string; args: Expr[]; pos: number };

const TESTS = new Set(['defined', 'undefined', 'none', 'succeeded', 'success', 'failed', 'failure', 'changed', 'change',
  'skipped', 'skip', 'string', 'number', 'true', 'false', 'version', 'version_compare', 'match', 'search']);
const FILTERS = new Set(['length', 'count', 'int', 'float', 'bool', 'string', 'lower', 'upper', 'trim', 'default', 'd',
  'first', 'last', 'join']);

class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly toks: Tok[]) {}
  private peek(): Tok { return this.toks[this.i]!; }
  private next(): Tok { return this.toks[this.i++]!; }
  private isOp(v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v; }
  private isName(v: string): boolean { const t = this.peek(); return t.t === 'name' && t.v === v; }
  private fail(t: Tok, problem: string): never {
    throw new ExpressionError(this.src, t.pos + 1, problem);
  }
  private expect(v: string): Tok {
    const t = this.next();
    if (!(t.t === 'op' && t.v === v)) this.fail(t, `expected '${v}' but found ${describe(t)}`);
    return t;
  }

  parse(): Expr {
    if (this.peek().t === 'end') this.fail(this.peek(), 'empty condition');
    const e = this.or();
    const t = this.peek();
    if (t.t !== 'end') this.fail(t, `unexpected ${describe(t)}`);
    return e;
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
      } else if (this.isName('not') && this.toks[this.i + 1]?.t === 'name' && this.toks[this.i + 1]?.v === 'in') {
        this.next(); this.next();
        a = { k: 'bin', op: 'not in', a, b: this.add(), pos: t.pos };
      } else if (this.isName('is')) {
        this.next();
        let negate = false;
        if (this.isName('not')) { this.next(); negate = true; }
        const n = this.next();
        if (n.t !== 'name') this.fail(n, `expected a test name after 'is' but found ${describe(n)}`);
        if (!TESTS.has(n.v)) this.fail(n, `unknown test '${n.v}' (known: ${[...TESTS].join(', ')})`);
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
      if (n.t !== 'name') this.fail(n, `expected a filter name after '|' but found ${describe(n)}`);
      if (!FILTERS.has(n.v)) this.fail(n, `unknown filter '${n.v}' (known: ${[...FILTERS].join(', ')})`);
      const args = this.isOp('(') ? this.args() : [];
      e = { k: 'filter', e, name: n.v, args, pos: n.pos };
    }
    return e;
  }
  private args(): Expr[] {
    this.expect('(');
    const out: Expr[] = [];
    if (this.isOp(')')) { this.next(); return out; }
    for (;;) {
      out.push(this.or());
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
        if (n.t !== 'name' && n.t !== 'num') this.fail(n, `expected an attribute name after '.' but found ${describe(n)}`);
        e = { k: 'attr', obj: e, key: { k: 'lit', v: n.v, pos: n.pos }, pos: t.pos };
      } else if (this.isOp('[')) {
        const t = this.next();
        const key = this.or();
        this.expect(']');
        e = { k: 'attr', obj: e, key, pos: t.pos };
      } else return e;
    }
  }
  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: Number(t.v), pos: t.pos };
    if (t.t === 'str') return { k: 'lit', v: t.v, pos: t.pos };
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true, pos: t.pos };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false, pos: t.pos };
      if (t.v === 'none' || t.v === 'None' || t.v === 'null') return { k: 'lit', v: null, pos: t.pos };
      if (['and', 'or', 'in', 'is'].includes(t.v)) this.fail(t, `expected a value but found '${t.v}'`);
      return { k: 'var', name: t.v, pos: t.pos };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.or();
      this.expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Expr[] = [];
      if (this.isOp(']')) { this.next(); return { k: 'list', items, pos: t.pos }; }
      for (;;) {
        items.push(this.or());
        if (this.isOp(',')) { this.next(); if (this.isOp(']')) { this.next(); break; } continue; }
        this.expect(']');
        break;
      }
      return { k: 'list', items, pos: t.pos };
    }
    this.fail(t, `expected a value but found ${describe(t)}`);
  }
}

function describe(t: Tok): string {
  if (t.t === 'end') return 'the end of the condition';
  if (t.t === 'str') return `string '${t.v}'`;
  return `'${t.v}'`;
}

const parsed = new Map<string, Expr>();

/** Strip one pair of `{{ }}` around a whole condition (Ansible tolerates it). */
function unwrap(expr: string): string {
  const m = /^\s*\{\{(.*)\}\}\s*$/s.exec(expr);
  return m && !m[1]!.includes('}}') ? m[1]! : expr;
}

export function parseExpression(expr: string): Expr {
  const src = unwrap(String(expr));
  let e = parsed.get(src);
  if (!e) {
    e = new Parser(src, tokenize(src)).parse();
    if (parsed.size > 5000) parsed.clear();
    parsed.set(src, e);
  }
  return e;
}

/** Root variable names an expression reads (for deciding whether it can be evaluated now). */
export function expressionVars(expr: string): string[] {
  const out = new Set<string>();
  const walk = (e: Expr): void => {
    switch (e.k) {
      case 'var': out.add(e.name); break;
      case 'attr': walk(e.obj); walk(e.key); break;
      case 'list': e.items.forEach(walk); break;
      case 'not': case 'neg': walk(e.e); break;
      case 'bin': walk(e.a); walk(e.b); break;
      case 'test': case 'filter': walk(e.e); e.args.forEach(walk); break;
      default: break;
    }
  };
  walk(parseExpression(expr));
  return [...out];
}

class Undef {
  constructor(readonly name: string) {}
}

function truthy(v: unknown): boolean {
  if (v instanceof Undef) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Ansible's `bool` filter. */
export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true', 'y', 't'].includes(v.trim().toLowerCase());
  return false;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/** Compare loose versions ('3.4.23-4+b4' vs '3.5.0'): numeric parts numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+~:_]/);
  const pb = b.split(/[.\-+~:_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) { if (nx !== ny) return nx < ny ? -1 : 1; }
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0, '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0,
  '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

class Evaluator {
  constructor(private readonly src: string, private readonly vars: Vars) {}

  private need(v: unknown): unknown {
    if (v instanceof Undef) throw new UndefinedVariableError(v.name, this.src);
    return v;
  }
  private fail(e: Expr, problem: string): never {
    throw new ExpressionError(this.src, e.pos + 1, problem);
  }

  /** Value of e; may be Undef (only tests/default accept that). */
  raw(e: Expr): unknown {
    switch (e.k) {
      case 'lit': return e.v;
      case 'var': return Object.prototype.hasOwnProperty.call(this.vars, e.name) ? this.vars[e.name] : new Undef(e.name);
      case 'attr': {
        const obj = this.raw(e.obj);
        const key = this.value(e.key);
        const keyText = typeof key === 'number' ? `[${key}]` : `.${text(key)}`;
        if (obj instanceof Undef) return new Undef(obj.name + keyText);
        if (obj === null || obj === undefined) return new Undef(exprName(e.obj) + keyText);
        if (Array.isArray(obj) && typeof key === 'number') return key < obj.length ? obj[key < 0 ? obj.length + key : key] : new Undef(exprName(e.obj) + keyText);
        if (typeof obj === 'object') {
          const k = text(key);
          return Object.prototype.hasOwnProperty.call(obj, k) && !(Array.isArray(obj) && k === 'length') ? (obj as Record<string, unknown>)[k] : new Undef(exprName(e.obj) + keyText);
        }
        if (typeof obj === 'string' && typeof key === 'number') return obj[key] ?? new Undef(exprName(e.obj) + keyText);
        return new Undef(exprName(e.obj) + keyText);
      }
      case 'list': return e.items.map((x) => this.value(x));
      case 'not': return !truthy(this.value(e.e));
      case 'neg': {
        const v = this.value(e.e);
        if (typeof v !== 'number') this.fail(e, `cannot negate ${text(v)}`);
        return -v;
      }
      case 'bin': return this.bin(e);
      case 'test': return this.test(e);
      case 'filter': return this.filter(e);
    }
  }

  value(e: Expr): unknown {
    return this.need(this.raw(e));
  }

  private bin(e: Extract<Expr, { k: 'bin' }>): unknown {
    if (e.op === 'and') return truthy(this.value(e.a)) ? truthy(this.value(e.b)) : false;
    if (e.op === 'or') return truthy(this.value(e.a)) ? true : truthy(this.value(e.b));
    const a = this.value(e.a);
    const b = this.value(e.b);
    switch (e.op) {
      case '==': return equal(a, b);
      case '!=': return !equal(a, b);
      case '<': case '>': case '<=': case '>=': {
        if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) {
          this.fail(e, `cannot compare ${typeName(a)} with ${typeName(b)} using '${e.op}' (use | int, or 'is version')`);
        }
        const x = a as number | string;
        const y = b as number | string;
        return e.op === '<' ? x < y : e.op === '>' ? x > y : e.op === '<=' ? x <= y : x >= y;
      }
      case 'in': case 'not in': {
        let r: boolean;
        if (typeof b === 'string') r = b.includes(text(a));
        else if (Array.isArray(b)) r = b.some((x) => equal(x, a));
        else if (b && typeof b === 'object') r = text(a) in b;
        else this.fail(e, `'${e.op}' needs a list, string or mapping on its right, got ${typeName(b)}`);
        return e.op === 'in' ? r : !r;
      }
      case '~': return text(a) + text(b);
      case '+':
        if (typeof a === 'number' && typeof b === 'number') return a + b;
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
        this.fail(e, `cannot add ${typeName(a)} and ${typeName(b)}`);
      // eslint-disable-next-line no-fallthrough
      default: {
        if (typeof a !== 'number' || typeof b !== 'number') this.fail(e, `'${e.op}' needs numbers, got ${typeName(a)} and ${typeName(b)}`);
        switch (e.op) {
          case '-': return a - b;
          case '*': return a * b;
          case '/': return a / b;
          case '//': return Math.floor(a / b);
          case '%': return a % b;
        }
        this.fail(e, `unknown operator '${e.op}'`);
      }
    }
  }

  private test(e: Extract<Expr, { k: 'test' }>): boolean {
    const r = ((): boolean => {
      if (e.name === 'defined') return !(this.raw(e.e) instanceof Undef);
      if (e.name === 'undefined') return this.raw(e.e) instanceof Undef;
      const v = this.value(e.e);
      const res = (v ?? {}) as Record<string, unknown>;
      switch (e.name) {
        case 'none': return v === null;
        case 'succeeded': case 'success': return !res.failed;
        case 'failed': case 'failure': return Boolean(res.failed);
        case 'changed': case 'change': return Boolean(res.changed);
        case 'skipped': case 'skip': return Boolean(res.skipped);
        case 'string': return typeof v === 'string';
        case 'number': return typeof v === 'number';
        case 'true': return v === true;
        case 'false': return v === false;
        case 'version': case 'version_compare': {
          const [other, op] = e.args.map((x) => this.value(x));
          if (other === undefined) this.fail(e, `'version' needs a version to compare with, e.g. version('3.5.0', '<')`);
          const f = VERSION_OPS[text(op ?? '==')];
          if (!f) this.fail(e, `unknown version operator '${text(op)}' (use < <= > >= == !=)`);
          return f(compareVersions(text(v), text(other)));
        }
        case 'match': case 'search': {
          const [re] = e.args.map((x) => this.value(x));
          let rx: RegExp;
          try { rx = new RegExp(e.name === 'match' ? `^(?:${text(re)})` : text(re)); } catch (err) { this.fail(e, `bad regular expression: ${(err as Error).message}`); }
          return rx.test(text(v));
        }
      }
      this.fail(e, `unknown test '${e.name}'`);
    })();
    return e.negate ? !r : r;
  }

  private filter(e: Extract<Expr, { k: 'filter' }>): unknown {
    if (e.name === 'default' || e.name === 'd') {
      const v = this.raw(e.e);
      const [dflt, falsy] = e.args.map((x) => this.value(x));
      if (v instanceof Undef || (falsy === true && !truthy(v))) return dflt ?? '';
      return v;
    }
    const v = this.value(e.e);
    const args = e.args.map((x) => this.value(x));
    switch (e.name) {
      case 'length': case 'count':
        if (typeof v === 'string' || Array.isArray(v)) return v.length;
        if (v && typeof v === 'object') return Object.keys(v).length;
        this.fail(e, `'${e.name}' needs a string, list or mapping, got ${typeName(v)}`);
      // eslint-disable-next-line no-fallthrough
      case 'int': { const n = parseInt(text(v), 10); return Number.isNaN(n) ? 0 : n; }
      case 'float': { const n = parseFloat(text(v)); return Number.isNaN(n) ? 0 : n; }
      case 'bool': return toBool(v);
      case 'string': return text(v);
      case 'lower': return text(v).toLowerCase();
      case 'upper': return text(v).toUpperCase();
      case 'trim': return text(v).trim();
      case 'first': return Array.isArray(v) || typeof v === 'string' ? v[0] : undefined;
      case 'last': return Array.isArray(v) || typeof v === 'string' ? v[v.length - 1] : undefined;
      case 'join': return Array.isArray(v) ? v.map(text).join(args[0] === undefined ? '' : text(args[0])) : text(v);
    }
    this.fail(e, `unknown filter '${e.name}'`);
  }
}

function exprName(e: Expr): string {
  if (e.k === 'var') return e.name;
  if (e.k === 'attr') {
    const k = e.key.k === 'lit' ? e.key.v : '?';
    return exprName(e.obj) + (typeof k === 'number' ? `[${k}]` : `.${String(k)}`);
  }
  return '(value)';
}

function typeName(v: unknown): string {
  if (v === null) return 'none';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Evaluate an expression to a value. */
export function evalExpression(expr: string, vars: Vars): unknown {
  const src = unwrap(String(expr));
  return new Evaluator(src, vars).value(parseExpression(src));
}

/** Evaluate a condition. A bare string result counts as Ansible's `| bool` would. */
export function evalCondition(expr: string | boolean, vars: Vars): boolean {
  if (typeof expr === 'boolean') return expr;
  const v = evalExpression(expr, vars);
  if (typeof v === 'string') return toBool(v) || (v.trim() !== '' && !['false', 'no', 'off', '0', 'n', 'f'].includes(v.trim().toLowerCase()) && !['true', 'yes', 'on', '1', 'y', 't'].includes(v.trim().toLowerCase()));
  return truthy(v);
}

/** Evaluate several conditions (when: list) with AND. */
export function evalConditions(exprs: (string | boolean)[], vars: Vars): boolean {
  return exprs.every((e) => evalCondition(e, vars));
}
