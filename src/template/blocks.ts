/**
 * Block templates: handlebars renders the structure (`{{#if}}`, `{{#each}}`, `{{else}}`,
 * comments, standalone-line and `~` whitespace rules) and etcdplay's evaluator every expression.
 * Each expression of the scanned template becomes a helper call `{{__e N}}` (inserted value) or
 * `(__v N)` (a block's argument), so handlebars itself never resolves a variable.
 * handlebars is loaded only for templates that have blocks.
 */
import { createRequire } from 'node:module';
import type { Vars } from '../model/vars.js';
import type { Scope } from './evaluate.js';
import { BLOCKS, type Piece } from './scan.js';
import { Undef } from './values.js';

type HB = typeof import('handlebars');
type HbOptions = { data?: Record<string, unknown> & { run?: BlockRun } };

/** What one rendering gives the helpers: the expression pieces and how to evaluate them. */
export interface BlockRun {
  /** The inserted text of piece n, evaluated in `scope`. */
  insert(n: number, scope: Scope): string;
  /** The value of block piece n's argument (`if`/`unless`: a boolean, undefined counts false). */
  arg(n: number, scope: Scope): unknown;
  root: Scope;
}

let hb: ReturnType<HB['create']> | undefined;

/** Names inside a block: the current item's own keys, then the root variables; `this`, `@index`. */
function blockScope(run: BlockRun, ctx: unknown, data: Record<string, unknown>): Scope {
  return (name) => {
    if (name === 'this') return ctx;
    if (name.startsWith('@')) {
      const v = data[name.slice(1)];
      return v === undefined ? new Undef(name) : v;
    }
    if (ctx !== data.root && ctx !== null && typeof ctx === 'object' && !Array.isArray(ctx) && Object.prototype.hasOwnProperty.call(ctx, name)) {
      return (ctx as Record<string, unknown>)[name];
    }
    return run.root(name);
  };
}

function env(): ReturnType<HB['create']> {
  if (!hb) {
    const Handlebars = createRequire(import.meta.url)('handlebars') as HB;
    hb = Handlebars.create();
    hb.registerHelper('__e', function (this: unknown, n: number, options: HbOptions) {
      const data = options.data!;
      return data.run!.insert(n, blockScope(data.run!, this, data));
    });
    hb.registerHelper('__v', function (this: unknown, n: number, options: HbOptions) {
      const data = options.data!;
      return data.run!.arg(n, blockScope(data.run!, this, data));
    });
  }
  return hb;
}

/** Handlebars source for the pieces: text as content (`{{` escaped), expressions as helper calls. */
function source(pieces: Piece[]): string {
  let out = '';
  pieces.forEach((p, n) => {
    const next = pieces[n + 1];
    switch (p.t) {
      case 'text': {
        let v = p.v.replace(/\{\{/g, '\\{{');
        if (v.endsWith('\\') && next) v += '\\';
        out += v;
        break;
      }
      case 'expr': out += `{{__e ${n}}}`; break;
      case 'block': {
        const [l, r] = p.tilde;
        if (p.kind === 'comment') out += p.raw;
        else if (p.kind === 'open') out += `{{${l}#${p.name} (__v ${n})${r}}}`;
        else if (p.kind === 'close') out += `{{${l}/${p.name}${r}}}`;
        else out += p.name ? `{{${l}else ${p.name} (__v ${n})${r}}}` : `{{${l}else${r}}}`;
        break;
      }
    }
  });
  return out;
}

export type BlockTemplate = (vars: Vars, run: BlockRun) => string;

export function compileBlocks(pieces: Piece[]): BlockTemplate {
  for (const p of pieces) if (p.t === 'block' && p.kind !== 'comment' && p.name && !BLOCKS.has(p.name)) throw new Error(`unknown block ${p.name}`);
  const fn = env().compile(source(pieces), { strict: true, noEscape: true, knownHelpers: { __e: true, __v: true } });
  return (vars, run) => fn(vars, { data: { run } });
}
