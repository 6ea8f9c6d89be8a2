/**
 * Module documentation from the module data itself (summary, docs, argsSchema, examples):
 * used by `etcdplay modules [NAME]` and to generate docs/modules.md.
 */
import type { Module } from './module.js';

export interface ArgDoc { name: string; type: string; required: boolean; default?: string; description: string }

type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alts = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (Array.isArray(alts)) return alts.map(typeOf).join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items as Schema) : 'any'}`;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  if (typeof s.type === 'string') return s.type;
  return 'any';
}

/** Which args are required: `required`, or "one of" when oneOf/anyOf list required alternatives. */
function requiredNote(schema: Schema): { always: Set<string>; alternatives: string[][] } {
  const always = new Set<string>((schema.required as string[] | undefined) ?? []);
  const alternatives: string[][] = [];
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = schema[k] as Schema[] | undefined;
    if (Array.isArray(alts) && alts.every((a) => Array.isArray(a.required))) alternatives.push(alts.flatMap((a) => a.required as string[]));
  }
  return { always, alternatives };
}

export function argDocs(mod: Module<any>): ArgDoc[] {
  const props = (mod.argsSchema.properties ?? {}) as Record<string, Schema>;
  const { always } = requiredNote(mod.argsSchema);
  return Object.entries(props).map(([name, s]) => {
    const d: ArgDoc = { name, type: typeOf(s), required: always.has(name), description: String(s.description ?? '') };
    if (s.default !== undefined) d.default = JSON.stringify(s.default);
    return d;
  });
}

function requiredText(mod: Module<any>): string | undefined {
  const { alternatives } = requiredNote(mod.argsSchema);
  if (!alternatives.length) return undefined;
  return alternatives.map((alt) => `one of ${alt.map((a) => `\`${a}\``).join(', ')} is required`).join('; ');
}

/** One module as markdown (## heading). */
export function moduleMarkdown(mod: Module<any>): string {
  const out: string[] = [];
  out.push(`## ${mod.name}`, '', mod.summary + '.', '');
  const facts = [
    mod.aliases?.length ? `Also answers to: ${mod.aliases.map((a) => `\`${a}\``).join(', ')}.` : '',
    mod.freeForm ? `Free form: \`${mod.name}: TEXT\` sets \`${mod.freeForm}\`.` : '',
    `--check: ${mod.checkMode ? 'supported (answers whether it would change)' : 'not run (the task is reported as skipped)'}.`,
  ].filter(Boolean);
  out.push(facts.join(' '), '', mod.docs.trim(), '');
  const args = argDocs(mod);
  if (args.length) {
    out.push('| argument | type | required | default | description |', '|---|---|---|---|---|');
    for (const a of args) out.push(`| \`${a.name}\` | ${a.type} | ${a.required ? 'yes' : ''} | ${a.default !== undefined ? `\`${a.default}\`` : ''} | ${a.description.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    out.push('');
  }
  const req = requiredText(mod);
  if (req) out.push(`Arguments: ${req}.`, '');
  if (mod.examples) out.push('```yaml', mod.examples.trim(), '```', '');
  return out.join('\n');
}

/** The whole docs/modules.md. */
export function modulesMarkdown(mods: Module<any>[]): string {
  const out = ['# Modules', '', '<!-- Generated from the module definitions: `etcdplay modules --markdown > docs/modules.md`. Do not edit by hand. -->', ''];
  out.push('| module | summary |', '|---|---|');
  for (const m of mods) out.push(`| [${m.name}](#${m.name.replace(/[^a-z0-9_-]/gi, '').toLowerCase()}) | ${m.summary} |`);
  out.push('');
  for (const m of mods) out.push(moduleMarkdown(m));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** One module for the terminal. */
export function moduleText(mod: Module<any>): string {
  const out: string[] = [];
  out.push(`${mod.name} - ${mod.summary}`);
  if (mod.aliases?.length) out.push(`aliases: ${mod.aliases.join(', ')}`);
  if (mod.freeForm) out.push(`free form: ${mod.name}: TEXT  (sets ${mod.freeForm})`);
  out.push(`check mode: ${mod.checkMode ? 'yes' : 'no'}`, '', mod.docs.trim(), '');
  const args = argDocs(mod);
  if (args.length) {
    const w = Math.max(...args.map((a) => a.name.length), 8);
    const tw = Math.min(28, Math.max(...args.map((a) => a.type.length), 4));
    out.push('ARGUMENTS');
    for (const a of args) {
      const flags = [a.required ? 'required' : '', a.default !== undefined ? `default ${a.default}` : ''].filter(Boolean).join(', ');
      out.push(`  ${a.name.padEnd(w)}  ${a.type.replace(/\\\|/g, '|').padEnd(tw)}  ${a.description}${flags ? ` (${flags})` : ''}`);
    }
    const req = requiredText(mod);
    if (req) out.push(`  (${req.replace(/`/g, '')})`);
    out.push('');
  }
  if (mod.examples) out.push('EXAMPLES', ...mod.examples.trim().split('\n').map((l) => '  ' + l), '');
  return out.join('\n');
}
