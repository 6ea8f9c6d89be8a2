/**
 * The template environment: handlebars (its own instance), strict, never HTML-escaping.
 *
 *   renderString(tpl, vars)                  -> text; lists/objects inserted as JSON
 *   renderString(tpl, vars, { shell: true }) -> shell text: every inserted value is shQuote'd
 *                                              ({{raw x}} inserts as is, {{quote x}} quotes once)
 *   renderValue(tpl, vars)                   -> a string that is exactly one `{{ x }}` keeps x's type
 *   renderDeep(value, vars)                  -> renderValue on every string of a YAML value
 *
 * Undefined variables raise UndefinedVariableError naming the variable (the caller attaches
 * the source position). Jinja spellings (`x | default('y')`, `a['b']`) are translated first.
 */
import { MAX_RENDERED_BYTES, tooLarge } from './limits.js';
import { createRequire } from 'node:module';
import type { Vars } from '../model/vars.js';
import { HELPERS, LENIENT_FIRST_ARG, Quoted, Raw } from './helpers.js';
import { translateTemplate } from './jinja.js';
import { parseSimple } from './parse.js';
import { TemplateError, UndefinedVariableError } from './errors.js';

type Node = any; // handlebars AST nodes (hbs.AST.*); typed loosely on purpose
const PUBLIC_HELPERS = Object.keys(HELPERS).filter((h) => !h.startsWith('__'));
type Mode = 'text' | 'shell' | 'value';

let captured: unknown;
type HB = typeof import('handlebars');
let hbInstance: ReturnType<HB['create']> | undefined;
/** The handlebars environment, loaded on first need (blocks, partials, unusual syntax). */
function hbEnv(): ReturnType<HB['create']> {
  if (!hbInstance) {
    const Handlebars = createRequire(import.meta.url)('handlebars') as HB;
    hbInstance = Handlebars.create();
    for (const [name, fn] of Object.entries(HELPERS)) hbInstance.registerHelper(name, fn as never);
    hbInstance.registerHelper('__capture', (v: unknown) => { captured = v; return ''; });
  }
  return hbInstance;
}

interface Compiled {
  ast: Node;
  run: (vars: Vars) => string;
  /** For value mode: the single mustache's path, when the template is exactly `{{ path }}`. */
  singlePath?: Node;
}

const cache = new Map<string, Compiled>();

function isHelperCall(n: Node): boolean {
  const p = n.path;
  if ((n.params?.length ?? 0) > 0 || n.hash) return true;
  if (!p || p.type !== 'PathExpression') return false;
  return !p.data && p.depth === 0 && p.parts.length === 1 && (Object.prototype.hasOwnProperty.call(HELPERS, p.parts[0]) || p.parts[0] === '__capture');
}

function helperPath(name: string, loc: unknown): Node {
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc };
}

/** `{{ x }}` -> `{{__shell x}}`; `{{f a b}}` -> `{{__shell (f a b)}}`. */
function wrap(n: Node, helper: string): Node {
  const inner = isHelperCall(n)
    ? { type: 'SubExpression', path: n.path, params: n.params ?? [], hash: n.hash, loc: n.loc }
    : n.path;
  return { ...n, path: helperPath(helper, n.loc), params: [inner], hash: undefined, escaped: false };
}

function transform(prog: Node, helper: string): void {
  for (let i = 0; i < prog.body.length; i++) {
    const s = prog.body[i];
    if (s.type === 'MustacheStatement') prog.body[i] = wrap(s, helper);
    else if (s.type === 'BlockStatement') {
      if (s.program) transform(s.program, helper);
      if (s.inverse) transform(s.inverse, helper);
    }
  }
}

type Quoting = 'none' | 'single' | 'double';

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

const SHELL_HELPER: Record<Quoting, string> = { none: '__shell', single: '__shell_sq', double: '__shell_dq' };

/**
 * Shell mode: each inserted value is quoted for where it lands: outside quotes a single-quoted
 * word, inside "..." with \ " $ ` escaped, inside '...' with ' closed and reopened. So
 * `echo "{{ x }}"` and `echo '{{ x }}'` are as safe as `echo {{ x }}`.
 */
function transformShell(prog: Node, start: Quoting): Quoting {
  let q = start;
  for (let i = 0; i < prog.body.length; i++) {
    const s = prog.body[i];
    if (s.type === 'ContentStatement') q = scanQuotes(s.value, q);
    else if (s.type === 'MustacheStatement') prog.body[i] = wrap(s, SHELL_HELPER[q]);
    else if (s.type === 'BlockStatement') {
      const before = q;
      if (s.program) q = transformShell(s.program, before);
      if (s.inverse) transformShell(s.inverse, before);
    }
  }
  return q;
}

function compile(tpl: string, mode: Mode): Compiled {
  const key = mode + '\0' + tpl;
  const hit = cache.get(key);
  if (hit) return hit;
  let ast: Node;
  const text = translateTemplate(tpl);
  try {
    ast = parseSimple(text) ?? hbEnv().parse(text);
  } catch (err) {
    const jinja = /\{\{[^}]*(\s[-+*\/%~]\s|==|!=|<=|>=|\sif\s|\sand\s|\sor\s|\snot\s)[^}]*\}\}/.test(tpl);
    const hint = jinja ? ' ({{ }} takes a variable, a helper call or | filters; arithmetic, comparisons and inline if are not supported there: compute the value in vars or use a condition)' : '';
    throw new TemplateError(`template does not parse: ${firstLine(err)} in ${JSON.stringify(tpl)}${hint}`, tpl);
  }
  let c: Compiled;
  const single = ast.body.length === 1 && ast.body[0].type === 'MustacheStatement' ? ast.body[0] : undefined;
  if (mode === 'value' && single) {
    if (!isHelperCall(single) && single.path.type === 'PathExpression') {
      c = { ast, run: () => '', singlePath: single.path };
    } else {
      const prog = { ...ast, body: [{ ...wrap(single, '__capture') }] };
      if (interpretable({ ...prog, body: [wrap(single, '__text')] })) {
        c = { ast, run: (v) => { captured = interpretValue(single, v, tpl); return ''; } };
      } else {
        const fn = hbEnv().compile(prog, { strict: true, noEscape: true });
        c = { ast, run: (v) => fn(v) };
      }
    }
  } else {
    const prog = structuredClone(ast);
    if (mode === 'shell') transformShell(prog, 'none');
    else transform(prog, '__text');
    if (interpretable(prog)) {
      // Content and mustaches only (the common case): walk the AST directly; compiling a
      // handlebars template costs far more than rendering it once per host.
      c = { ast, run: (v) => interpret(prog, v, tpl) };
    } else {
      const fn = hbEnv().compile(prog, { strict: true, noEscape: true });
      c = { ast, run: (v) => fn(v) };
    }
  }
  if (cache.size > 5000) cache.clear();
  cache.set(key, c);
  return c;
}

/** Can `interpret` render this program (no blocks, partials, decorators or @data)? */
function interpretable(prog: Node): boolean {
  const exprOk = (n: Node): boolean => {
    switch (n.type) {
      case 'PathExpression': return !n.data && n.depth === 0;
      case 'StringLiteral': case 'NumberLiteral': case 'BooleanLiteral': case 'NullLiteral': case 'UndefinedLiteral': return true;
      case 'SubExpression': return callOk(n);
      default: return false;
    }
  };
  const callOk = (n: Node): boolean =>
    n.path?.type === 'PathExpression' && n.path.parts.length === 1 && (Object.prototype.hasOwnProperty.call(HELPERS, n.path.parts[0]) || n.path.parts[0] === '__capture') &&
    (n.params ?? []).every(exprOk) && (n.hash?.pairs ?? []).every((p: Node) => exprOk(p.value));
  return prog.body.every((st: Node) => st.type === 'ContentStatement' || st.type === 'CommentStatement' || (st.type === 'MustacheStatement' && callOk(st)));
}

/** The value of one mustache (a helper call or a path), for type-preserving renderValue. */
function interpretValue(st: Node, vars: Vars, tpl: string): unknown {
  const prog = { type: 'Program', body: [wrap(st, '__capture')] };
  let v: unknown;
  interpret(prog, vars, tpl, (x) => { v = x; });
  return v;
}

/** Evaluate an interpretable program: same helpers, same strictness as the compiled form. */
function interpret(prog: Node, vars: Vars, tpl: string, capture?: (v: unknown) => void): string {
  const options = { data: { root: vars }, hash: {} as Record<string, unknown>, name: '' };
  const value = (n: Node, lenient: boolean): unknown => {
    switch (n.type) {
      case 'PathExpression':
        if (n.parts.length === 0) return vars;
        if (!lenient) return resolvePath(n, vars, tpl);
        try { return resolvePath(n, vars, tpl); } catch (err) { if (err instanceof UndefinedVariableError) return undefined; throw err; }
      case 'StringLiteral': case 'NumberLiteral': case 'BooleanLiteral': return n.value;
      case 'NullLiteral': return null;
      case 'UndefinedLiteral': return undefined;
      default: return call(n);
    }
  };
  const call = (n: Node): unknown => {
    const name: string = n.path.parts[0];
    const args = (n.params ?? []).map((p: Node, i: number) => value(p, i === 0 && LENIENT_FIRST_ARG.has(name)));
    const hash: Record<string, unknown> = {};
    for (const pair of n.hash?.pairs ?? []) hash[pair.key] = value(pair.value, false);
    if (name === '__capture') { capture?.(args[0]); return ''; }
    return HELPERS[name]!(...args, { ...options, hash, name });
  };
  let out = '';
  for (const st of prog.body) {
    if (st.type === 'ContentStatement') out += st.value;
    else if (st.type === 'MustacheStatement') out += String(call(st) ?? '');
  }
  return out;
}

function firstLine(err: unknown): string {
  const lines = String((err as Error)?.message ?? err).split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 1 && /^Parse error/.test(lines[0]!)) return `${lines[0]} ${lines[lines.length - 1]}`;
  return lines[0] ?? '';
}

/** Resolve a handlebars path against vars; throws UndefinedVariableError. */
function resolvePath(p: Node, vars: Vars, tpl: string): unknown {
  let cur: unknown = vars;
  const parts: string[] = p.parts;
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i]!;
    if (cur === null || cur === undefined) throw new UndefinedVariableError(parts.slice(0, i + 1).join('.'), tpl);
    if (typeof cur === 'object') {
      const own = Object.prototype.hasOwnProperty.call(cur, k) || (Array.isArray(cur) && k === 'length');
      if (!own) throw new UndefinedVariableError(parts.slice(0, i + 1).join('.'), tpl);
      cur = (cur as Record<string, unknown>)[k];
    } else if (typeof cur === 'string' && k === 'length') {
      cur = cur.length;
    } else {
      throw new UndefinedVariableError(parts.slice(0, i + 1).join('.'), tpl);
    }
  }
  return cur;
}

function checkExpr(n: Node, vars: Vars, tpl: string, lenient = false): void {
  if (!n) return;
  if (n.type === 'PathExpression') {
    if (lenient || n.data || n.depth > 0 || n.parts.length === 0 || n.this_) return;
    resolvePath(n, vars, tpl);
  } else if (n.type === 'SubExpression' || n.type === 'MustacheStatement') {
    if (isHelperCall(n)) {
      const name = n.path.parts?.[0];
      if (n.path.type !== 'PathExpression' || n.path.parts.length !== 1 || !Object.prototype.hasOwnProperty.call(HELPERS, name)) {
        const what = n.path.type === 'PathExpression' ? `unknown helper '${n.path.original}'` : `'${String(n.path.original ?? n.path.value)}' is not a helper`;
        throw new TemplateError(`${what} in ${JSON.stringify(tpl)}: {{ }} takes a variable, a helper call (${PUBLIC_HELPERS.join(', ')}) or | filters; arithmetic, comparisons and inline if are not supported there`, tpl);
      }
      (n.params ?? []).forEach((p: Node, i: number) => checkExpr(p, vars, tpl, i === 0 && LENIENT_FIRST_ARG.has(name)));
      for (const pair of n.hash?.pairs ?? []) checkExpr(pair.value, vars, tpl);
    } else {
      checkExpr(n.path, vars, tpl);
    }
  }
}

/** Strict check of every path in the root context, with the full dotted name on error. */
function checkProgram(prog: Node, vars: Vars, tpl: string): void {
  for (const s of prog.body) {
    if (s.type === 'MustacheStatement') checkExpr(s, vars, tpl);
    else if (s.type === 'BlockStatement') {
      const name = s.path?.parts?.[0];
      (s.params ?? []).forEach((p: Node) => checkExpr(p, vars, tpl, name === 'if' || name === 'unless'));
      if (name === 'if' || name === 'unless') {
        if (s.program) checkProgram(s.program, vars, tpl);
      }
      if (s.inverse) checkProgram(s.inverse, vars, tpl);
    }
  }
}

function run(c: Compiled, vars: Vars, tpl: string): string {
  checkProgram(c.ast, vars, tpl);
  let out: string;
  try {
    out = c.run(vars);
  } catch (err) {
    if (err instanceof UndefinedVariableError || err instanceof TemplateError) throw err;
    const msg = firstLine(err);
    const m = /^"([^"]+)" not defined in/.exec(msg);
    if (m) throw new UndefinedVariableError(m[1]!, tpl);
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
  return run(compile(tpl, opts.shell ? 'shell' : 'text'), vars, tpl);
}

/** A string that is exactly one `{{ expr }}` yields the value itself (list, number, bool...). */
export function renderValue(tpl: string, vars: Vars): unknown {
  if (!isTemplate(tpl)) return tpl;
  if (!/^\{\{[^{}]*\}\}$/.test(tpl.trim()) || tpl.trim() !== tpl) return renderString(tpl, vars);
  const c = compile(tpl, 'value');
  if (c.singlePath) {
    const p = c.singlePath;
    if (p.data || p.depth > 0 || p.parts.length === 0) return renderString(tpl, vars);
    return resolvePath(p, vars, tpl);
  }
  captured = undefined;
  run(c, vars, tpl);
  const v = captured;
  captured = undefined;
  return v instanceof Raw || v instanceof Quoted ? v.text : v;
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
