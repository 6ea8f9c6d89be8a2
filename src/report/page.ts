/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network resource) an
 * operator can attach to a postmortem, rendered by handlebars from the view of `report-view.ts`
 * with the templates of `page.hbs.ts`.
 *
 * - An isolated environment (`Handlebars.create()`): nothing registered globally, no helper of
 *   ours; templates compiled `strict` (a field the view lacks is an error, not an empty string)
 *   and `knownHelpersOnly` (only the built-in blocks), once, on the first page.
 * - One escaping function, ours (`esc`, html-escape.ts): every string and number of the view is
 *   wrapped in an `Escaped` before rendering, and handlebars prints a value with a `toHTML()` as
 *   that method returns it. '' and 0 stay as they are (they print the same escaped or not, and
 *   `{{#if}}` must read them as false); booleans and null are conditions, never printed.
 * - A value is text: handlebars never evaluates data, so `{{x}}` inside a host name is printed.
 * - handlebars is loaded by a dynamic import when the first page is rendered, not at the start of
 *   every command: the one-file bundle carries it (scripts/bundle.mjs) but runs its module code
 *   only then (~25 ms, against ~65 ms from node_modules' ~40 files), hence the async functions.
 */
import type HandlebarsNs from 'handlebars';
import { esc } from './html-escape.js';
import { PAGE, PARTIALS } from './page.hbs.js';
import { reportView, type ReportInput, type ReportView } from './report-view.js';

/** A value of the view, printed through `esc`. */
export class Escaped {
  constructor(private readonly value: string | number) {}
  toHTML(): string {
    return esc(this.value);
  }
  /** The same in any other place a value becomes text (`{{{x}}}` is not used, but would escape too). */
  toString(): string {
    return esc(this.value);
  }
}

/** The view with every string and number (but '' and 0) wrapped in an `Escaped`; `undefined` fields dropped (strict mode then names them). */
export function escapedView(v: unknown, path = 'view'): unknown {
  if (typeof v === 'string') return v === '' ? v : new Escaped(v);
  if (typeof v === 'number') return v === 0 ? v : new Escaped(v);
  if (typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v)) return v.map((x, i) => escapedView(x, `${path}[${i}]`));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = escapedView(x, `${path}.${k}`);
    return out;
  }
  throw new Error(`report page: ${path} is not plain data (${typeof v})`);
}

const OPTIONS = { strict: true, knownHelpersOnly: true } as const;

/** The page template, its partials registered in an environment of its own; compiled once. */
let compiled: Promise<HandlebarsNs.TemplateDelegate> | undefined;

async function page(): Promise<HandlebarsNs.TemplateDelegate> {
  compiled ??= import('handlebars').then(({ default: hb }) => {
    const env = hb.create();
    for (const [name, src] of Object.entries(PARTIALS)) env.registerPartial(name, env.compile(src, OPTIONS));
    return env.compile(PAGE, OPTIONS);
  });
  return compiled;
}

/** The page of a view. */
export async function renderPage(view: ReportView): Promise<string> {
  return (await page())(escapedView(view));
}

/** report.html of a run (its events, and its journal.json and plan.txt when the run dir has them). */
export async function renderReport(input: ReportInput): Promise<string> {
  return renderPage(reportView(input));
}
