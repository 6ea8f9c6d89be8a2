import { existsSync, readdirSync, statSync } from 'node:fs';
import { readInputFile } from './bounds.js';
import { basename, extname, join } from 'node:path';
import type { Inventory } from '../model/inventory.js';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { diag } from './diagnostics.js';
import { parseVarsText } from './varsfile.js';

/**
 * group_vars/ and host_vars/ beside an inventory (or a playbook): `group_vars/etcd.yml`,
 * `group_vars/etcd` (no extension), `group_vars/etcd.json`, or a directory `group_vars/etcd/`
 * whose files are all read in name order. Later files win, key by key (no deep merge).
 */
export interface VarsDirs {
  groupVars: Map<string, Vars>;
  hostVars: Map<string, Vars>;
  /** Files read, in order. */
  files: string[];
  diagnostics: Diagnostic[];
}

const VALID_EXT = new Set(['', '.yml', '.yaml', '.json']);

function varFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  if (!st.isDirectory()) return [];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const p = join(path, name);
    if (statSync(p).isDirectory()) out.push(...varFiles(p));
    else if (VALID_EXT.has(extname(name))) out.push(p);
  }
  return out;
}

function readVars(file: string, ds: Diagnostic[]): Vars {
  const read = readInputFile(file, 'vars file');
  if ('diagnostic' in read) {
    ds.push(read.diagnostic);
    return {};
  }
  const text = read.text;
  if (text.startsWith('$ANSIBLE_VAULT')) {
    ds.push(diag('vault-unsupported', { file, line: 1, col: 1 }, 'Ansible Vault encrypted files are not supported', { hint: 'decrypt it, or pass secrets with -e @file' }));
    return {};
  }
  const r = parseVarsText(text, file);
  ds.push(...r.diagnostics);
  return r.vars;
}

function loadDir(dir: string, ds: Diagnostic[], files: string[]): Map<string, Vars> {
  const out = new Map<string, Vars>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const p = join(dir, name);
    const isDir = statSync(p).isDirectory();
    const ext = isDir ? '' : extname(name);
    if (!VALID_EXT.has(ext)) continue;
    const key = isDir ? name : basename(name, ext);
    for (const f of varFiles(p)) {
      files.push(f);
      out.set(key, { ...(out.get(key) ?? {}), ...readVars(f, ds) });
    }
  }
  return out;
}

/** Read `<baseDir>/group_vars` and `<baseDir>/host_vars` (either may be missing). */
export function loadVarsDirs(baseDir: string): VarsDirs {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const groupVars = loadDir(join(baseDir, 'group_vars'), diagnostics, files);
  const hostVars = loadDir(join(baseDir, 'host_vars'), diagnostics, files);
  return { groupVars, hostVars, files, diagnostics };
}

/**
 * Merge loaded group_vars/host_vars into an inventory (key by key, these win over what is there).
 * Vars for groups or hosts the inventory does not have are ignored, as Ansible does.
 */
export function applyVarsDirs(inv: Inventory, dirs: VarsDirs): void {
  for (const [g, vars] of dirs.groupVars) {
    const group = inv.groups.get(g);
    if (group) Object.assign(group.vars, vars);
  }
  for (const [h, vars] of dirs.hostVars) {
    const host = inv.hosts.get(h);
    if (host) Object.assign(host.vars, vars);
  }
}

/** Load and apply the group_vars/ and host_vars/ of `baseDir` (e.g. the playbook's directory). */
export function loadGroupHostVars(inv: Inventory, baseDir: string): Diagnostic[] {
  const dirs = loadVarsDirs(baseDir);
  applyVarsDirs(inv, dirs);
  return dirs.diagnostics;
}
