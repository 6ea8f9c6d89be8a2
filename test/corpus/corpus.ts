/**
 * The bad-input corpus: every file under test/corpus/bad/ has a sibling `<file>.expected` that pins
 * its diagnostics exactly, one per entry:
 *
 *     LINE:COL: error|warning: message
 *       hint: the hint, when there is one
 *
 * Files named `inv-*` are inventories, the rest playbooks. Playbooks are checked against the fixed
 * module set in test/unit/load/fake-modules.ts, so the pins do not move when real modules change.
 * Regenerate after a deliberate change with `node --import tsx test/corpus/regen.ts` and review
 * the diff.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../../src/model/source.js';
import { loadPlaybook } from '../../src/load/playbook.js';
import { loadInventory } from '../../src/load/inventory.js';
import { fakeModules } from '../unit/load/fake-modules.js';

export const BAD_DIR = join('test', 'corpus', 'bad');
export const GOOD_DIR = join('test', 'corpus', 'good');

export function corpusFiles(dir = BAD_DIR): string[] {
  return readdirSync(dir).filter((f) => !f.endsWith('.expected')).sort().map((f) => join(dir, f));
}

export function isInventory(file: string): boolean {
  return basename(file).startsWith('inv-');
}

export function diagnose(file: string): Diagnostic[] {
  return isInventory(file) ? loadInventory([file]).diagnostics : loadPlaybook(file, { modules: fakeModules }).diagnostics;
}

export function renderExpected(ds: Diagnostic[]): string {
  return ds.map((d) => `${d.pos.line}:${d.pos.col}: ${d.severity}: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ''}`).join('\n') + '\n';
}
