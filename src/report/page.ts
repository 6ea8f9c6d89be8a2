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
 *   only then, hence the async functions.
 * - Every run writes its page at its end, so compiling the templates (~60 ms of CPU, more than the
 *   rendering) is done at build time: scripts/build-templates.mjs writes each template's
 *   `precompile` output to dist/report/templates/<key>.cjs, keyed like the validators by a hash
 *   of the source and the options, and only handlebars' runtime is loaded then. A template not
 *   found there (tsx, a template edited after the build) is compiled on the spot: same options,
 *   same page (test/unit/report/page.test.ts renders both ways).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type HandlebarsNs from 'handlebars';
import { distDirPath } from '../load/paths.js';
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

export const TEMPLATE_OPTIONS = { strict: true, knownHelpersOnly: true } as const;

/** The file name (without .cjs) of a template's precompiled form. */
export function templateKey(src: string): string {
  return createHash('sha256').update(JSON.stringify(TEMPLATE_OPTIONS)).update('\0').update(src).digest('hex').slice(0, 32);
}

/** Every template of the page (the page and its partials), for the build step. */
export function pageTemplates(): string[] {
  return [PAGE, ...Object.values(PARTIALS)];
}

const TEMPLATE_DIR = distDirPath('report', 'templates/', import.meta.url);
const require = createRequire(import.meta.url);

function precompiled(src: string): TemplateSpecification | undefined {
  const file = `${TEMPLATE_DIR}${templateKey(src)}.cjs`;
  return existsSync(file) ? (require(file) as TemplateSpecification) : undefined;
}

type Env = Pick<typeof HandlebarsNs, 'registerPartial'>;
export type TemplateSpecification = Parameters<typeof HandlebarsNs.template>[0];

/** The page template, its partials registered in an environment of its own; made once. */
let compiled: Promise<HandlebarsNs.TemplateDelegate> | undefined;

/**
 * The page's template with its partials, each from `specOf(src)`, its precompiled form, when every
 * one has it (then only handlebars' runtime is loaded), else all compiled now.
 */
export async function pageTemplate(
  specOf: (src: string) => TemplateSpecification | undefined = () => undefined,
): Promise<HandlebarsNs.TemplateDelegate> {
  const specs = new Map(pageTemplates().map((src) => [src, specOf(src)]));
  if ([...specs.values()].every(Boolean)) {
    const { default: rt } = (await import('handlebars/runtime')) as unknown as { default: typeof HandlebarsNs };
    const env = rt.create();
    return assemble(env, (src) => env.template(specs.get(src)!));
  }
  const { default: hb } = await import('handlebars');
  const env = hb.create();
  return assemble(env, (src) => env.compile(src, TEMPLATE_OPTIONS));
}

function assemble(env: Env, make: (src: string) => HandlebarsNs.TemplateDelegate): HandlebarsNs.TemplateDelegate {
  for (const [name, src] of Object.entries(PARTIALS)) env.registerPartial(name, make(src));
  return make(PAGE);
}

async function page(): Promise<HandlebarsNs.TemplateDelegate> {
  compiled ??= pageTemplate(precompiled);
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
