import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { MAX_FILE_BYTES } from '../template/limits.js';
import { readInputFile } from './bounds.js';
import { dirname, extname, join, resolve } from 'node:path';
import type { Inventory } from '../model/inventory.js';
import type { Diagnostic } from '../model/source.js';
import { attachSourceLines, diag, sortDiagnostics } from './diagnostics.js';
import { loadGroupHostVars } from './groupvars.js';
import { InventoryBuilder } from './inventory-build.js';
import { parseIniInventory } from './inventory-ini.js';
import { parseYamlInventory } from './inventory-yaml.js';

/**
 * Load and merge inventory sources, in order: INI or YAML files, directories (every file in them),
 * or a comma-separated host list ('h1,h2,' as with ansible -i). Then the group_vars/ and
 * host_vars/ beside each source are applied (they win over variables inside inventory files).
 */
export function loadInventory(sources: string[]): { inventory: Inventory; diagnostics: Diagnostic[] } {
  const b = new InventoryBuilder();
  const ds: Diagnostic[] = [];
  const varDirs: string[] = [];
  for (const source of sources) {
    b.inv.sources.push(source);
    if (!existsSync(source)) {
      if (source.includes(',')) {
        for (const h of source.split(',').map((s) => s.trim()).filter(Boolean)) {
          b.host(h);
          b.addHostToGroup(h, 'ungrouped');
        }
        continue;
      }
      ds.push(diag('inventory-not-found', { file: source, line: 1, col: 1 }, 'inventory source not found'));
      continue;
    }
    if (statSync(source).isDirectory()) {
      for (const f of inventoryFiles(source)) ds.push(...parseInventoryFile(f, b));
      varDirs.push(source);
    } else {
      ds.push(...parseInventoryFile(source, b));
      varDirs.push(dirname(source));
    }
  }
  const { inventory, diagnostics } = b.finalize();
  ds.push(...diagnostics);
  const seen = new Set<string>();
  for (const d of varDirs) {
    const key = resolve(d);
    if (seen.has(key)) continue;
    seen.add(key);
    ds.push(...loadGroupHostVars(inventory, d));
  }
  return { inventory, diagnostics: sortDiagnostics(attachSourceLines(ds, readText)) };
}

function readText(file: string): string | undefined {
  try {
    const st = statSync(file);
    return st.isFile() && st.size <= MAX_FILE_BYTES ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Parse one inventory text into the builder (format from the name, or sniffed). */
export function parseInventoryText(text: string, file: string, b: InventoryBuilder): Diagnostic[] {
  text = text.replace(/^\uFEFF/, '');
  try {
    return looksLikeYaml(file, text) ? parseYamlInventory(text, file, b) : parseIniInventory(text, file, b);
  } catch (e) {
    return [diag('internal-error', { file, line: 1, col: 1 }, `internal error while loading the inventory: ${(e as Error).message}`, { hint: 'please report this with the file' })];
  }
}

/** Convenience: parse one inventory text alone (for tests and `validate`). */
export function parseInventory(text: string, file: string): { inventory: Inventory; diagnostics: Diagnostic[] } {
  const b = new InventoryBuilder();
  b.inv.sources.push(file);
  const ds = parseInventoryText(text, file, b);
  const r = b.finalize();
  const lines = text.split('\n');
  return { inventory: r.inventory, diagnostics: sortDiagnostics(attachSourceLines([...ds, ...r.diagnostics], (f) => (f === file ? lines.join('\n') : undefined))) };
}

function parseInventoryFile(file: string, b: InventoryBuilder): Diagnostic[] {
  const r = readInputFile(file, 'inventory');
  if ('diagnostic' in r) return [r.diagnostic];
  const text = r.text;
  if (text.startsWith('$ANSIBLE_VAULT')) {
    return [diag('vault-unsupported', { file, line: 1, col: 1 }, 'Ansible Vault encrypted files are not supported', { hint: 'decrypt it (ansible-vault decrypt) before use' })];
  }
  if (text.startsWith('#!')) {
    return [diag('dynamic-inventory', { file, line: 1, col: 1 }, 'dynamic inventory scripts are not supported', { hint: 'run the script and save its output as a YAML inventory', lines: text.split('\n') })];
  }
  return parseInventoryText(text, file, b);
}

function looksLikeYaml(file: string, text: string): boolean {
  const ext = extname(file).toLowerCase();
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return true;
  if (ext === '.ini' || ext === '.cfg') return false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    return line === '---' || line.startsWith('{') || /^[A-Za-z0-9_.-]+:\s*(#.*)?$/.test(line);
  }
  return false;
}

// Ansible's INVENTORY_IGNORE_EXTS.
const IGNORED = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.cfg', '.retry'];

function inventoryFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'group_vars' || name === 'host_vars') continue;
    if (IGNORED.some((x) => name.endsWith(x))) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...inventoryFiles(p));
    else out.push(p);
  }
  return out;
}
