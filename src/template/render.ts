/**
 * Rendering template text: `{{ expression }}` in the one expression language (parser.ts,
 * evaluate.ts, filters.ts), never HTML-escaped; handlebars blocks (`{{#if}}`, `{{#each}}`) for
 * file templates (blocks.ts).
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
import { compileBlocks, type BlockRun, type BlockTemplate } from './blocks.js';
import { ExpressionError, TemplateError, UndefinedVariableError } from './errors.js';
import { Evaluator, varsScope, type Scope } from './evaluate.js';
import { MAX_RENDERED_BYTES, tooLarge } from './limits.js';
import { scanTemplate, type Piece, type Quoting } from './scan.js';
import { Quoted, Raw, toShell, toText, truthy, unmark } from './values.js';

interface Compiled {
  pieces: Piece[];
  /** Set when the template has blocks: handlebars renders the structure. */
  blocks?: BlockTemplate;
}

const cache = new Map<string, Compiled>();

function compile(tpl: string): Compiled {
  const hit = cache.get(tpl);
  if (hit) return hit;
  const pieces = scanTemplate(tpl);
  const c: Compiled = { pieces };
  if (pieces.some((p) => p.t === 'block')) c.blocks = compileBlocks(pieces);
  if (cache.size > 5000) cache.clear();
  cache.set(tpl, c);
  return c;
}

/** A value as inserted into shell text, quoted for the quotes it lands in. */
function shellText(v: unknown, q: Quoting): string {
  if (q === 'none') return toShell(v);
  if (v instanceof Raw) return v.text;
  const t = v instanceof Quoted ? v.text : Array.isArray(v) ? v.map((x) => toText(x)).join(' ') : toText(v);
  return q === 'double' ? t.replace(/[\\"$`]/g, (c) => '\\' + c) : t.replace(/'/g, "'\\''");
}

function evaluate(p: Extract<Piece, { t: 'expr' | 'block' }>, scope: Scope, tpl: string, lenient = false): unknown {
  const ev = new Evaluator(p.src!, scope, tpl);
  try {
    if (!lenient) return ev.value(p.expr!);
    return truthy(ev.raw(p.expr!));
  } catch (err) {
    if (err instanceof ExpressionError) throw new TemplateError(`${err.problem} at column ${err.column} of {{${p.src}}} in ${JSON.stringify(tpl)}`, tpl);
    throw err;
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n').find((l) => l.trim() !== '') ?? '';
}

function run(tpl: string, vars: Vars, shell: boolean): string {
  const c = compile(tpl);
  const root = varsScope(vars);
  const insert = (p: Piece, scope: Scope): string => {
    if (p.t !== 'expr') return '';
    const v = evaluate(p, scope, tpl);
    return shell ? shellText(v, p.quoting) : toText(v);
  };
  let out = '';
  try {
    if (c.blocks) {
      const blockRun: BlockRun = {
        root,
        insert: (n, scope) => insert(c.pieces[n]!, scope),
        arg: (n, scope) => {
          const p = c.pieces[n]!;
          return p.t === 'block' ? evaluate(p, scope, tpl, p.name === 'if' || p.name === 'unless') : undefined;
        },
      };
      out = c.blocks(vars, blockRun);
    } else {
      for (const p of c.pieces) out += p.t === 'text' ? p.v : insert(p, root);
    }
  } catch (err) {
    if (err instanceof UndefinedVariableError || err instanceof TemplateError) throw err;
    const msg = firstLine(err);
    if (err instanceof RangeError && /string length/.test(msg)) throw new TemplateError(tooLarge(2 ** 29, `the result of ${JSON.stringify(tpl.slice(0, 200))}`), tpl);
    throw new TemplateError(`template failed: ${msg} in ${JSON.stringify(tpl)}`, tpl);
  }
  // Checked at every rendering, so a variable made of copies of another fails at the first one too large.
  if (out.length > MAX_RENDERED_BYTES) throw new TemplateError(tooLarge(out.length, `the result of ${JSON.stringify(tpl.slice(0, 200))}`), tpl);
  return out;
}

/** Does this string contain template syntax at all? */
export function isTemplate(s: string): boolean {
  return s.includes('{{');
}

export function renderString(tpl: string, vars: Vars, opts: { shell?: boolean } = {}): string {
  if (!isTemplate(tpl)) return tpl;
  return run(tpl, vars, opts.shell === true);
}

/** A string that is exactly one `{{ expr }}` yields the value itself (list, number, bool...). */
export function renderValue(tpl: string, vars: Vars): unknown {
  if (!isTemplate(tpl)) return tpl;
  const { pieces } = compile(tpl);
  const only = pieces.length === 1 ? pieces[0]! : undefined;
  if (only?.t !== 'expr' || !tpl.startsWith('{{') || !tpl.endsWith('}}')) return renderString(tpl, vars);
  return unmark(evaluate(only, varsScope(vars), tpl));
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
