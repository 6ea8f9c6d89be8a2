/**
 * Input bounds checked before a YAML file is parsed (limits in src/template/limits.ts): its size,
 * and how deep its mappings and lists nest (the yaml library recurses per level, so a deep file
 * would exhaust the stack). Both reported as file:line:col, fast, in bounded memory.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import type { Diagnostic } from '../model/source.js';
import { MAX_FILE_BYTES, MAX_YAML_DEPTH, mib } from '../template/limits.js';
import { diag } from './diagnostics.js';

/** Read a text input file unless it is larger than MAX_FILE_BYTES (checked on the open file, before reading). */
export function readInputFile(file: string, what: string): { text: string } | { diagnostic: Diagnostic } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return { diagnostic: diag('file-unreadable', { file, line: 1, col: 1 }, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`) };
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > MAX_FILE_BYTES) {
      return { diagnostic: diag('file-too-large', { file, line: 1, col: 1 }, `${what} is ${mib(st.size)}, more than the limit of ${mib(MAX_FILE_BYTES)} for one file`, { hint: 'split it (roles, vars_files, inventory directories), or check it is the file you meant' }) };
    }
    return { text: readFileSync(fd, 'utf8') };
  } catch (e) {
    return { diagnostic: diag('file-unreadable', { file, line: 1, col: 1 }, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`) };
  } finally {
    closeSync(fd);
  }
}

const OPENS_FLOW = new Set([':', '-', ',', '[', '{', '?', '']);

/**
 * Where YAML text first nests deeper than MAX_YAML_DEPTH (block indentation levels + `- `
 * entries + flow `[`/`{`), or undefined. A linear scan of the text, no parse. Block scalars
 * (`|`, `>`) and quoted or commented text are skipped.
 */
export function tooDeep(text: string): { line: number; col: number; depth: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalar = -1; // indent of the key that opened a block scalar
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (blockScalar >= 0) {
      if (body === '' || indent > blockScalar) continue;
      blockScalar = -1;
    }
    if (body === '' || body.startsWith('#')) continue;
    let i = indent;
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      // compact sequences: `- - - a` or `- a:` nest one level per `- `
      while (line.startsWith('- ', i) || (line[i] === '-' && i + 1 === line.length)) {
        indents.push(i + 1);
        i += 2;
        while (line[i] === ' ') i++;
      }
    }
    let prev = '';
    let quote = '';
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === quote) quote = quote === "'" && line[i + 1] === "'" ? (i++, quote) : '';
        else if (c === '\\' && quote === '"') i++;
        continue;
      }
      if (c === ' ' || c === '\t') continue;
      if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
      if ((c === '"' || c === "'") && OPENS_FLOW.has(prev)) quote = c;
      else if ((c === '[' || c === '{') && (flow > 0 || OPENS_FLOW.has(prev))) {
        flow++;
        if (indents.length + flow > MAX_YAML_DEPTH) return { line: ln + 1, col: i + 1, depth: indents.length + flow };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      prev = c === ':' && line[i + 1] !== undefined && line[i + 1] !== ' ' ? 'x' : c;
    }
    if (indents.length > MAX_YAML_DEPTH) return { line: ln + 1, col: indent + 1, depth: indents.length };
    if (flow === 0 && /(^|[:-]\s)[|>][0-9+-]*\s*(#.*)?$/.test(body)) blockScalar = indent;
  }
  return undefined;
}
