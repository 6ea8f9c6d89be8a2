/**
 * The one evaluator: walks a parsed expression (parser.ts) against variables, with the filter
 * and test tables. No eval, no Function. A missing variable is an Undef value that only
 * `default`, `is defined` / `is undefined` and a lenient caller (`{{#if x}}`) may hold; anything
 * else that meets one raises UndefinedVariableError naming it. Only own properties count.
 */
import type { Vars } from '../model/vars.js';
import { ExpressionError, UndefinedVariableError } from './errors.js';
import { FILTERS, NO_INPUT, type FilterEnv } from './filters.js';
import type { Expr } from './parser.js';
import { TESTS } from './tests.js';
import { callMethod } from './methods.js';
import { Undef, equal, pyStr, toText, truthy, tuple, typeName, unmark } from './values.js';

/** A variable by name, or an Undef naming it. */
export type Scope = (name: string) => unknown;

export function varsScope(vars: Vars): Scope {
  return (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : new Undef(name));
}

type Node<K extends Expr['k']> = Extract<Expr, { k: K }>;

export class Evaluator {
  /**
   * `src` is the expression (for error columns), `template` what an UndefinedVariableError
   * names as the place (the whole template, or the condition).
   */
  constructor(private readonly src: string, private readonly scope: Scope, private readonly template: string = src) {}

  /** Value of e; Undef when a variable or attribute is missing. */
  raw(e: Expr): unknown {
    switch (e.k) {
      case 'lit': return e.v;
      case 'var': return this.variable(e);
      case 'attr': return this.attr(e);
      case 'list': { const l = e.items.map((x) => this.value(x)); return e.tuple ? tuple(l) : l; }
      case 'slice': return this.slice(e);
      case 'call': return callMethod(this.value(e.obj), e.name, e.args.map((x) => this.value(x)), this.env(e));
      case 'dict': {
        const out: Record<string, unknown> = {};
        e.keys.forEach((k, i) => { out[toText(this.value(k))] = this.value(e.values[i]!); });
        return out;
      }
      case 'not': return !truthy(this.value(e.e));
      case 'neg': {
        const v = unmark(this.value(e.e));
        if (typeof v !== 'number') this.fail(e, `cannot negate ${typeName(v)}`);
        return -v;
      }
      case 'bin': return this.bin(e);
      case 'cond': return truthy(this.value(e.test)) ? this.raw(e.yes) : e.no ? this.raw(e.no) : undefined;
      case 'test': return this.test(e);
      case 'filter': return this.filter(e);
    }
  }

  /** Value of e; a missing variable is an UndefinedVariableError. */
  value(e: Expr): unknown {
    const v = this.raw(e);
    if (v instanceof Undef) throw new UndefinedVariableError(v.name, this.template);
    return v;
  }

  private fail(e: Expr, problem: string): never {
    throw new ExpressionError(this.src, e.pos + 1, problem);
  }

  private env(e: Expr): FilterEnv {
    const env: FilterEnv = {
      root: (name) => { const v = this.scope(name); return v instanceof Undef ? undefined : v; },
      fail: (problem) => this.fail(e, problem),
      filter: (name, input, args, kw = {}) => {
        const f = Object.hasOwn(FILTERS, name) ? FILTERS[name]! : this.fail(e, `unknown filter '${name}'`);
        return f.fn(input, args, env, kw);
      },
      test: (name, v, args) => {
        const t = Object.hasOwn(TESTS, name) ? TESTS[name]! : this.fail(e, `unknown test '${name}'`);
        if (v instanceof Undef && !t.lenient) throw new UndefinedVariableError(v.name, this.template);
        return t.fn(v, args, env);
      },
    };
    return env;
  }

  private slice(e: Node<'slice'>): unknown {
    const obj = unmark(this.value(e.obj));
    if (!Array.isArray(obj) && typeof obj !== 'string') this.fail(e, `cannot slice ${typeName(obj)}`);
    const num = (x: Expr | undefined): number | undefined => {
      if (!x) return undefined;
      const v = unmark(this.value(x));
      return v === null ? undefined : typeof v === 'number' ? v : this.fail(x, `a slice needs whole numbers, got ${typeName(v)}`);
    };
    const len = obj.length;
    const step = num(e.step) ?? 1;
    if (step === 0) this.fail(e, 'slice step cannot be zero');
    const clamp = (i: number | undefined, dflt: number): number => {
      if (i === undefined) return dflt;
      if (i < 0) i += len;
      return step > 0 ? Math.min(Math.max(i, 0), len) : Math.min(Math.max(i, -1), len - 1);
    };
    const start = clamp(num(e.start), step > 0 ? 0 : len - 1);
    const stop = clamp(num(e.stop), step > 0 ? len : -1);
    const out: unknown[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(obj[i]);
    return typeof obj === 'string' ? out.join('') : out;
  }

  private variable(e: Node<'var'>): unknown {
    const v = this.scope(e.name);
    // A bare helper name that is not a variable is a call without input: {{ timestamp }}.
    if (v instanceof Undef && Object.hasOwn(FILTERS, e.name) && FILTERS[e.name]!.bare) return FILTERS[e.name]!.fn(NO_INPUT, [], this.env(e), {});
    return v;
  }

  private attr(e: Node<'attr'>): unknown {
    const obj = unmark(this.raw(e.obj));
    const key = this.value(e.key);
    const keyText = typeof key === 'number' ? `[${key}]` : `.${toText(key)}`;
    if (obj instanceof Undef) return obj; // named after its first missing part
    const missing = (): Undef => new Undef(exprName(e.obj) + keyText);
    if (obj === null || obj === undefined) return missing();
    const index = typeof key === 'number' ? key : typeof key === 'string' && /^-?\d+$/.test(key) ? Number(key) : undefined;
    if ((Array.isArray(obj) || typeof obj === 'string') && index !== undefined) {
      const i = index < 0 ? obj.length + index : index;
      return i >= 0 && i < obj.length ? obj[i] : missing();
    }
    if (typeof obj === 'object') {
      const k = toText(key);
      return Object.prototype.hasOwnProperty.call(obj, k) && !(Array.isArray(obj) && k === 'length') ? (obj as Record<string, unknown>)[k] : missing();
    }
    return missing();
  }

  private bin(e: Node<'bin'>): unknown {
    if (e.op === 'and') return truthy(this.value(e.a)) ? truthy(this.value(e.b)) : false;
    if (e.op === 'or') return truthy(this.value(e.a)) ? true : truthy(this.value(e.b));
    const a = unmark(this.value(e.a));
    const b = unmark(this.value(e.b));
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
        if (typeof b === 'string') r = b.includes(toText(a));
        else if (Array.isArray(b)) r = b.some((x) => equal(x, a));
        else if (b && typeof b === 'object') r = Object.prototype.hasOwnProperty.call(b, toText(a));
        else this.fail(e, `'${e.op}' needs a list, string or mapping on its right, got ${typeName(b)}`);
        return e.op === 'in' ? r : !r;
      }
      case '~': return pyStr(a) + pyStr(b);
      case '+':
        if (isNum(a) && isNum(b)) return Number(a) + Number(b);
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
        return this.fail(e, `cannot add ${typeName(a)} and ${typeName(b)}${typeof a === 'string' || typeof b === 'string' ? " (use ~ to join as text, or | int)" : ''}`);
      case '*':
        if ((typeof a === 'string' || Array.isArray(a)) && typeof b === 'number') return repeat(a, b);
        if ((typeof b === 'string' || Array.isArray(b)) && typeof a === 'number') return repeat(b, a);
    }
    if (!isNum(a) || !isNum(b)) this.fail(e, `'${e.op}' needs numbers, got ${typeName(a)} and ${typeName(b)} (use | int or | float)`);
    const x = Number(a);
    const y = Number(b);
    if (y === 0 && ['/', '//', '%'].includes(e.op)) this.fail(e, 'division by zero');
    switch (e.op) {
      case '-': return x - y;
      case '*': return x * y;
      case '/': return x / y;
      case '//': return Math.floor(x / y);
      case '%': return x - y * Math.floor(x / y);
      case '**': return x ** y;
    }
    return this.fail(e, `unknown operator '${e.op}'`);
  }

  private test(e: Node<'test'>): boolean {
    const t = Object.hasOwn(TESTS, e.name) ? TESTS[e.name]! : this.fail(e, `unknown test '${e.name}'`);
    const v = t.lenient ? this.raw(e.e) : this.value(e.e);
    const r = t.fn(v, e.args.map((x) => this.value(x)), this.env(e));
    return e.negate ? !r : r;
  }

  private filter(e: Node<'filter'>): unknown {
    const f = Object.hasOwn(FILTERS, e.name) ? FILTERS[e.name]! : this.fail(e, `unknown filter '${e.name}'`);
    let input: unknown = NO_INPUT;
    if (e.e) input = f.lenient ? this.raw(e.e) : this.value(e.e);
    else if (!f.bare) this.fail(e, `'${e.name}' needs a value to work on`);
    const kw: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(e.kw ?? {})) kw[k] = this.value(x);
    return f.fn(input, e.args.map((x) => this.value(x)), this.env(e), kw);
  }
}

const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

function repeat(v: string | unknown[], n: number): string | unknown[] {
  const k = Math.max(0, Math.trunc(n));
  if (v.length * k > 1_000_000) throw new RangeError('Invalid string length');
  return typeof v === 'string' ? v.repeat(k) : Array.from({ length: k }, () => v).flat();
}

function exprName(e: Expr): string {
  if (e.k === 'var') return e.name;
  if (e.k === 'attr') {
    const k = e.key.k === 'lit' ? e.key.v : '?';
    return exprName(e.obj) + (typeof k === 'number' ? `[${k}]` : `.${String(k)}`);
  }
  return '(value)';
}
