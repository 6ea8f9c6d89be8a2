/**
 * `- import_playbook: other.yml` at the top level of a playbook: the other file's plays, loaded
 * by the same loader (their problems at their own file:line:col), in place, numbered after the
 * plays before them. `vars:` on the import apply to its plays (below each play's own vars).
 */
import { dirname, resolve } from 'node:path';
import type { YAMLMap } from 'yaml';
import type { Play } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';
import { findFile, shownPath } from './include.js';
import { Loader, TEMPLATE, mapOf, str, strList, type LoadOptions } from './playbook-loader.js';
import { loadPlaybook } from './playbook.js';
import { entries, toJS } from './yamlsrc.js';

export function isImportPlaybook(L: Loader, node: YAMLMap): boolean {
  return entries(L.src, node).some((e) => e.key === 'import_playbook' || e.key === 'ansible.builtin.import_playbook');
}

export function importPlaybook(L: Loader, node: YAMLMap, firstIndex: number, opts: LoadOptions): Play[] {
  const m = mapOf(L, node);
  const e = m.get('import_playbook') ?? m.get('ansible.builtin.import_playbook')!;
  // other keys are reported by the schema (play keywords)
  const name = str(toJS(L.src, e.value));
  if (!name) {
    L.err('missing-arg', e.keyNode, 'import_playbook needs a file name', "write '- import_playbook: other.yml'");
    return [];
  }
  if (TEMPLATE.test(name)) {
    L.err('import-template', e.value, 'import_playbook is static: the file name cannot be a template', 'name the file as written');
    return [];
  }
  const here = resolve(L.src.file);
  const found = findFile(name, [dirname(here)]);
  if (!found.path) {
    L.err('include-not-found', e.value, `import_playbook: playbook '${name}' not found`, `searched ${found.searched.join(', ')}; the path is relative to the importing playbook`);
    return [];
  }
  const chain = [...(opts.importedFrom ?? []), here];
  if (chain.includes(resolve(found.path))) {
    L.err('include-cycle', e.value, `import_playbook: '${name}' imports itself (${[...chain, found.path].map(shownPath).join(' -> ')})`, 'remove the cycle');
    return [];
  }
  const r = loadPlaybook(found.path, { ...opts, firstPlayIndex: firstIndex, importedFrom: chain });
  L.ds.push(...r.diagnostics);
  const plays = r.playbook?.plays ?? [];
  const vars = toJS(L.src, m.get('vars')?.value);
  const tags = strList(m.has('tags') ? toJS(L.src, m.get('tags')!.value) : undefined, true);
  for (const p of plays) {
    if (vars && typeof vars === 'object' && !Array.isArray(vars)) p.vars = { ...(vars as Vars), ...p.vars };
    if (tags.length) p.tags = [...new Set([...tags, ...p.tags])];
  }
  return plays;
}
