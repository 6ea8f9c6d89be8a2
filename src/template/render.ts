/**
 * Rendering template text: `{{ expression }}` in the one expression language (parser.ts,
 * evaluate.ts, filters.ts), never HTML-escaped; statements `{% if %}`, `{% for %}`, `{% set %}`
 * and the older handlebars blocks (`{{#if}}`, `{{#each}}`), nested by tree.ts, rendered here.
 *
 *   renderString(tpl, vars)                  -> text; lists/objects inserted as JSON
 *   renderString(tpl, vars, { shell: true }) -> shell text: every inserted value is shell-quoted
 *                                              for where it lands (`raw` inserts as is, `quote`
 *                                              quotes once)
 *   renderValue(tpl, vars)                   -> a string that is exactly one `{{ x }}` keeps x's type
 *   renderDeep(value, vars)                  -> renderValue on every string of a YAML value
 *
 * Undefined variables raise UndefinedVariableError naming the variable (the caller attaches
 * the source position); syntax and evaluation problems raise TemplateError.
 */
import type { Vars } from '../model/vars.js';
import { ExpressionError, TemplateError, UndefinedVariableError } from './errors.js';
import { Evaluator, varsScope, type Scope } from './evaluate.js';
import { MAX_LOOP_ITERATIONS, MAX_RENDERED_BYTES, tooLarge } from './limits.js';
import { parseExpression, type Expr } from './parser.js';
import { lineCol, where, type Quoting } from './scan.js';
import { buildTree, type Cond, type Node } from './tree.js';
import { Quoted, Raw, Undef, pyStr, toShell, toText, truthy, unmark } from './values.js';

const cache = new Map<string, Node[]>();

function compile(tpl: string): Node[] {
  const hit = cache.get(tpl);
  if (hit) return hit;
  const nodes = buildTree(tpl);
  if (cache.size > 5000) cache.clear();
  cache.set(tpl, nodes);
  return nodes;
}

/** A value as inserted into shell text, quoted for the quotes it lands in. */
function shellText(v: unknown, q: Quoting): string {
  if (q === 'none') return toShell(v === null ? '' : v);
  if (v instanceof Raw) return v.text;
  const t = v instanceof Quoted ? v.text : Array.isArray(v) ? v.map((x) => pyStr(x)).join(' ') : toText(v);
  return q === 'double' ? t.replace(/[\\"$`]/g, (c) => '\\' + c) : t.replace(/'/g, "'\\''");
}

/** Evaluate an expression of the template; problems become TemplateErrors naming the place. */
function evaluate(c: { expr: Expr; src: string; at: number }, scope: Scope, tpl: string, lenient = false): unknown {
  const ev = new Evaluator(c.src, scope, tpl);
  try {
    return lenient ? ev.raw(c.expr) : ev.value(c.expr);
  } catch (err) {
    if (err instanceof ExpressionError) {
      const e = new TemplateError(`${err.problem} at column ${err.column} of ${JSON.stringify(c.src.trim())} (${where(tpl, c.at)}) in ${JSON.stringify(tpl.length > 300 ? tpl.slice(0, 300) + '...' : tpl)}`, tpl);
      e.at = lineCol(tpl, c.at);
      throw e;
    }
    if (err instanceof UndefinedVariableError && !err.at && tpl.includes('\n')) err.at = lineCol(tpl, c.at);
    throw err;
  }
}

/** Variables set inside a template (`{% set %}`, loop variables) over the outer ones. */
function frame(parent: Scope, locals: Map<string, unknown>): Scope {
  return (name) => (locals.has(name) ? locals.get(name) : parent(name));
}

/** Items of a loop: a list, a mapping's keys (handlebars: its values, with @key), a string's characters. */
function loopItems(v: unknown, hb: boolean): { items: unknown[]; keys?: string[] } | undefined {
  v = unmark(v);
  if (Array.isArray(v)) return { items: v };
  if (typeof v === 'string') return hb ? undefined : { items: [...v] };
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    return hb ? { items: keys.map((k) => (v as Record<string, unknown>)[k]), keys } : { items: keys };
  }
  return v === null || v === undefined ? { items: [] } : undefined;
}

class Run {
  out = '';
  private iterations = 0;
  constructor(private readonly tpl: string, private readonly shell: boolean) {}

  private cond(c: Cond, scope: Scope): boolean {
    const r = truthy(evaluate(c, scope, this.tpl, c.lenient));
    return c.negate ? !r : r;
  }

  nodes(nodes: Node[], scope: Scope, locals: Map<string, unknown>): void {
    for (const n of nodes) {
      switch (n.t) {
        case 'text': this.out += n.v; break;
        case 'out': {
          const v = evaluate(n.p, scope, this.tpl);
          this.out += this.shell ? shellText(v, n.p.quoting) : toText(v);
          break;
        }
        case 'if': {
          const hit = n.branches.find((b) => this.cond(b.cond, scope));
          const body = hit ? hit.body : n.else;
          if (body) this.nodes(body, scope, locals);
          break;
        }
        case 'set': {
          const v = evaluate(n.value, scope, this.tpl);
          if (n.targets.length === 1) locals.set(n.targets[0]!, v);
          else this.unpack(n.targets, v, locals, n.value);
          break;
        }
        case 'setblock': {
          const saved = this.out;
          this.out = '';
          this.nodes(n.body, scope, locals);
          locals.set(n.name, this.out);
          this.out = saved;
          break;
        }
        case 'with': {
          const inner = new Map<string, unknown>([['this', evaluate(n.value, scope, this.tpl)]]);
          this.nodes(n.body, this.hbScope(scope, inner), inner);
          break;
        }
        case 'for': this.loop(n, scope); break;
      }
      if (this.out.length > MAX_RENDERED_BYTES) throw new TemplateError(tooLarge(this.out.length, `the result of ${JSON.stringify(this.tpl.slice(0, 200))}`), this.tpl);
    }
  }

  private unpack(targets: string[], v: unknown, into: Map<string, unknown>, c: Cond): void {
    const l = unmark(v);
    if (!Array.isArray(l) || l.length !== targets.length) {
      const e = new TemplateError(`cannot unpack ${pyStr(v)} into ${targets.join(', ')} (${where(this.tpl, c.at)}) in ${JSON.stringify(this.tpl.slice(0, 300))}`, this.tpl);
      e.at = lineCol(this.tpl, c.at);
      throw e;
    }
    targets.forEach((t, i) => into.set(t, l[i]));
  }

  /** Inside a handlebars block: `this`, `@index`..., then the item's own keys, then the outer names. */
  private hbScope(outer: Scope, locals: Map<string, unknown>): Scope {
    return (name) => {
      if (locals.has(name)) return locals.get(name);
      if (name.startsWith('@')) return new Undef(name);
      const ctx = unmark(locals.get('this'));
      if (ctx !== null && typeof ctx === 'object' && !Array.isArray(ctx) && Object.hasOwn(ctx, name)) return (ctx as Record<string, unknown>)[name];
      return outer(name);
    };
  }

  private loop(n: Extract<Node, { t: 'for' }>, scope: Scope): void {
    const v = evaluate(n.iter, scope, this.tpl);
    const got = loopItems(v, n.hb);
    if (!got) {
      const e = new TemplateError(`cannot loop over ${pyStr(v)} (${where(this.tpl, n.iter.at)}): a list or mapping is needed in ${JSON.stringify(this.tpl.slice(0, 300))}`, this.tpl);
      e.at = lineCol(this.tpl, n.iter.at);
      throw e;
    }
    let { items } = got;
    if (n.filter) {
      items = items.filter((item) => {
        const l = new Map<string, unknown>();
        if (n.targets.length === 1) l.set(n.targets[0]!, item); else this.unpack(n.targets, item, l, n.iter);
        return this.cond(n.filter!, frame(scope, l));
      });
    }
    if (!items.length) { if (n.else) this.nodes(n.else, scope, new Map()); return; }
    items.forEach((item, i) => {
      if (++this.iterations > MAX_LOOP_ITERATIONS) throw new TemplateError(`the loops of ${JSON.stringify(this.tpl.slice(0, 200))} would run more than ${MAX_LOOP_ITERATIONS} times`, this.tpl);
      const locals = new Map<string, unknown>();
      const first = i === 0;
      const last = i === items.length - 1;
      if (n.hb) {
        locals.set('this', item).set('@index', i).set('@first', first).set('@last', last);
        if (got.keys) locals.set('@key', got.keys[i]);
        this.nodes(n.body, this.hbScope(scope, locals), locals);
        return;
      }
      if (n.targets.length === 1) locals.set(n.targets[0]!, item); else this.unpack(n.targets, item, locals, n.iter);
      const loop: Record<string, unknown> = { index: i + 1, index0: i, revindex: items.length - i, revindex0: items.length - i - 1, first, last, length: items.length };
      if (i > 0) loop.previtem = items[i - 1];
      if (!last) loop.nextitem = items[i + 1];
      locals.set('loop', loop);
      this.nodes(n.body, frame(scope, locals), locals);
    });
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n').find((l) => l.trim() !== '') ?? '';
}

function run(tpl: string, vars: Vars, shell: boolean): string {
  const nodes = compile(tpl);
  const r = new Run(tpl, shell);
  const locals = new Map<string, unknown>();
  try {
    r.nodes(nodes, frame(varsScope(vars), locals), locals);
  } catch (err) {
    if (err instanceof UndefinedVariableError || err instanceof TemplateError) throw err;
    const msg = firstLine(err);
    if (err instanceof RangeError && /string length/.test(msg)) throw new TemplateError(tooLarge(2 ** 29, `the result of ${JSON.stringify(tpl.slice(0, 200))}`), tpl);
    throw new TemplateError(`template failed: ${msg} in ${JSON.stringify(tpl)}`, tpl);
  }
  return r.out;
}

/** Does this string contain template syntax at all? */
export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

export function renderString(tpl: string, vars: Vars, opts: { shell?: boolean } = {}): string {
  if (!isTemplate(tpl)) return tpl;
  return run(tpl, vars, opts.shell === true);
}

/**
 * A string that is exactly one `{{ expr }}` yields the value itself (list, number, bool...; none
 * as '' like Ansible). Any other template gives text, read back as a list, mapping or boolean when
 * it is written as a Python literal (`[{% for h in hs %}'{{ h }}',{% endfor %}]`), as Ansible does.
 * A text value of one `{{ expr }}` stays text (a variable holding "[1, 2]" is not a list: as
 * ansible-core 2.19, where 2.14 read it as a literal). A template's last newline is dropped before
 * and put back on a text result, as Ansible does (test/unit/template/render.test.ts).
 */
export function renderValue(tpl: string, vars: Vars): unknown {
  if (!isTemplate(tpl)) return tpl;
  // Jinja drops a template's last newline; Ansible puts it back when the result is text.
  if (tpl.endsWith('\n')) {
    const v = valueOf(tpl.slice(0, -1), vars);
    return typeof v === 'string' ? `${v}\n` : v;
  }
  return valueOf(tpl, vars);
}

function valueOf(tpl: string, vars: Vars): unknown {
  const nodes = compile(tpl);
  const only = nodes.length === 1 && nodes[0]!.t === 'out' ? nodes[0]!.p : undefined;
  if (only && tpl.startsWith('{{') && tpl.endsWith('}}')) {
    const v = unmark(evaluate(only, varsScope(vars), tpl));
    return v === null || v === undefined ? '' : v;
  }
  return pyLiteral(renderString(tpl, vars));
}

/** Text that is a Python list/dict literal or True/False becomes that value (Ansible's literal_eval). */
function pyLiteral(text: string): unknown {
  const t = text.trim();
  if (t === 'True' || t === 'False') return t === 'True';
  if (!/^[[{]/.test(t) || t.length > 100_000) return text;
  let e: Expr;
  try { e = parseExpression(t); } catch { return text; }
  const literal = (x: Expr): boolean => {
    switch (x.k) {
      case 'lit': return typeof x.v !== 'boolean' && x.v !== null ? true : /^(True|False|None)\b/.test(t.slice(x.pos));
      case 'list': return x.items.every(literal);
      case 'dict': return x.keys.every(literal) && x.values.every(literal);
      case 'neg': return x.e.k === 'lit' && typeof x.e.v === 'number';
      default: return false;
    }
  };
  if (!literal(e)) return text;
  return new Evaluator(t, () => undefined).value(e);
}

/** Render every string inside a YAML value (mapping keys are left alone). */
export function renderDeep(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') return renderValue(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, vars));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, vars);
    return out;
  }
  return value;
}

/** Does any string inside this value contain template syntax? */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return isTemplate(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}
