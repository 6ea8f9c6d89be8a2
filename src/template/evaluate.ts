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
import { Undef, equal, toText, truthy, typeName, unmark } from './values.js';

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
      case 'list': return e.items.map((x) => this.value(x));
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
    return {
      root: (name) => { const v = this.scope(name); return v instanceof Undef ? undefined : v; },
      fail: (problem) => this.fail(e, problem),
    };
  }

  private variable(e: Node<'var'>): unknown {
    const v = this.scope(e.name);
    // A bare helper name that is not a variable is a call without input: {{ timestamp }}.
    if (v instanceof Undef && Object.hasOwn(FILTERS, e.name) && FILTERS[e.name]!.bare) return FILTERS[e.name]!.fn(NO_INPUT, [], this.env(e));
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
      case '~': return toText(a) + toText(b);
      case '+':
        if (typeof a === 'number' && typeof b === 'number') return a + b;
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
        return this.fail(e, `cannot add ${typeName(a)} and ${typeName(b)}`);
    }
    if (typeof a !== 'number' || typeof b !== 'number') this.fail(e, `'${e.op}' needs numbers, got ${typeName(a)} and ${typeName(b)}`);
    switch (e.op) {
      case '-': return a - b;
      case '*': return a * b;
      case '/': return a / b;
      case '//': return Math.floor(a / b);
      case '%': return a % b;
    }
    return this.fail(e, `unknown operator '${e.op}'`);
  }

  private test(e: Node<'test'>): boolean {
    const t = TESTS[e.name];
    if (!t) this.fail(e, `unknown test '${e.name}'`);
    const v = t.lenient ? this.raw(e.e) : this.value(e.e);
    const r = t.fn(v, e.args.map((x) => this.value(x)), this.env(e));
    return e.negate ? !r : r;
  }

  private filter(e: Node<'filter'>): unknown {
    const f = FILTERS[e.name];
    if (!f) this.fail(e, `unknown filter '${e.name}'`);
    let input: unknown = NO_INPUT;
    if (e.e) input = f.lenient ? this.raw(e.e) : this.value(e.e);
    else if (!f.bare) this.fail(e, `'${e.name}' needs a value to work on`);
    return f.fn(input, e.args.map((x) => this.value(x)), this.env(e));
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
