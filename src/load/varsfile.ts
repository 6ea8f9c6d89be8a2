import { MAX_YAML_ALIASES } from '../template/limits.js';
import { readInputFile } from './bounds.js';
import { isMap } from 'yaml';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { diag, sortDiagnostics } from './diagnostics.js';
import { deref, entries, nodePos, parseYamlSource } from './yamlsrc.js';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse a YAML (or JSON) vars text: a mapping of variable names to values. Empty -> {}. */
export function parseVarsText(text: string, file: string): { vars: Vars; diagnostics: Diagnostic[] } {
  try {
    return parseVarsTextUnsafe(text.replace(/^\uFEFF/, ''), file);
  } catch (e) {
    return { vars: {}, diagnostics: [diag('internal-error', { file, line: 1, col: 1 }, `internal error while loading vars: ${(e as Error).message}`)] };
  }
}

function parseVarsTextUnsafe(text: string, file: string): { vars: Vars; diagnostics: Diagnostic[] } {
  const src = parseYamlSource(text, file);
  const ds: Diagnostic[] = [...src.diagnostics];
  if (ds.some((d) => d.severity === 'error' && d.code !== 'duplicate-key')) return { vars: {}, diagnostics: sortDiagnostics(ds) };
  const root = deref(src, src.doc.contents);
  if (root === null || root === undefined) return { vars: {}, diagnostics: ds };
  const data = src.doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  if (data === null || data === undefined) return { vars: {}, diagnostics: ds };
  if (!isMap(root) || typeof data !== 'object' || Array.isArray(data)) {
    ds.push(diag('vars-not-mapping', nodePos(src, root), 'a vars file must be a mapping of variable names to values', { lines: src.lines }));
    return { vars: {}, diagnostics: sortDiagnostics(ds) };
  }
  for (const e of entries(src, root)) {
    if (!VAR_NAME.test(e.key)) {
      ds.push(diag('bad-var-name', nodePos(src, e.keyNode), `invalid variable name '${e.key}'`, { lines: src.lines, hint: 'use letters, digits and _ only, not starting with a digit' }));
    }
  }
  return { vars: data as Vars, diagnostics: sortDiagnostics(ds) };
}

/** Load a vars file (YAML or JSON). A missing or unreadable file is an error diagnostic. */
export function loadVarsFile(path: string): { vars: Vars; diagnostics: Diagnostic[] } {
  const r = readInputFile(path, 'vars file');
  if ('diagnostic' in r) return { vars: {}, diagnostics: [r.diagnostic] };
  const text = r.text;
  if (text.startsWith('$ANSIBLE_VAULT')) {
    return { vars: {}, diagnostics: [diag('vault-unsupported', { file: path, line: 1, col: 1 }, 'Ansible Vault encrypted files are not supported', { hint: 'decrypt it, or pass secrets with -e @file' })] };
  }
  return parseVarsText(text, path);
}
