import { termSafeDeep } from '../template/terminal.js';
import { Chalk } from 'chalk';
import type { Diagnostic, Severity, SourcePos } from '../model/source.js';

/**
 * Diagnostics: building them (with the offending source line) and printing them as
 * `file:line:col: error: message`, the source line, a caret under the column, and a hint.
 */

/** Make a diagnostic; `lines` (the file's text split in lines) fills in `sourceLine`. */
export function diag(
  code: string,
  pos: SourcePos,
  message: string,
  opts: { hint?: string; severity?: Severity; lines?: string[] } = {},
): Diagnostic {
  const d: Diagnostic = { severity: opts.severity ?? 'error', code, message, pos };
  const line = opts.lines?.[pos.line - 1];
  if (line !== undefined) d.sourceLine = line.replace(/\r$/, '');
  if (opts.hint) d.hint = opts.hint;
  return d;
}

/** Fill in `sourceLine` where it is missing, reading each file once (unreadable files are skipped). */
export function attachSourceLines(ds: Diagnostic[], read: (file: string) => string | undefined): Diagnostic[] {
  const cache = new Map<string, string[] | undefined>();
  for (const d of ds) {
    if (d.sourceLine !== undefined) continue;
    if (!cache.has(d.pos.file)) cache.set(d.pos.file, read(d.pos.file)?.split('\n'));
    const line = cache.get(d.pos.file)?.[d.pos.line - 1];
    if (line !== undefined) d.sourceLine = line.replace(/\r$/, '');
  }
  return ds;
}

/** Sort by file, line, column (stable), and drop exact duplicates. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const sorted = ds
    .map((d, i) => ({ d, i }))
    .sort(
      (a, b) =>
        (a.d.pos.file < b.d.pos.file ? -1 : a.d.pos.file > b.d.pos.file ? 1 : 0) ||
        a.d.pos.line - b.d.pos.line ||
        a.d.pos.col - b.d.pos.col ||
        a.i - b.i,
    );
  for (const { d } of sorted) {
    const k = `${d.pos.file}:${d.pos.line}:${d.pos.col}:${d.severity}:${d.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}

/** One-line header of a diagnostic: `file:line:col: error: message`. */
export function diagnosticHeader(d: Diagnostic): string {
  return `${d.pos.file}:${d.pos.line}:${d.pos.col}: ${d.severity}: ${d.message}`;
}

/**
 * Print diagnostics for humans:
 *
 *     play.yml:4:13: error: 'become' must be a boolean
 *         become: yes
 *                 ^
 *       hint: YAML 1.2 reads yes/no/on/off as strings; use true/false
 *
 * Colour only when `opts.color` is true (the caller decides: TTY and no NO_COLOR).
 */
export function formatDiagnostics(ds: Diagnostic[], opts: { color?: boolean } = {}): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  for (const raw of ds) {
    // Messages and source lines quote the user's files: no control character reaches the terminal.
    const d = termSafeDeep(raw);
    const sev = d.severity === 'error' ? c.red.bold('error') : c.yellow.bold('warning');
    out.push(`${c.bold(`${d.pos.file}:${d.pos.line}:${d.pos.col}:`)} ${sev}: ${d.message}`);
    if (d.sourceLine !== undefined) {
      out.push(`    ${d.sourceLine}`);
      // Keep tabs so the caret lines up under tab-indented text.
      const lead = d.sourceLine.slice(0, Math.max(0, d.pos.col - 1)).replace(/[^\t]/g, ' ');
      out.push(`    ${lead}${c.green('^')}`);
    }
    if (d.hint) out.push(`  ${c.cyan('hint')}: ${d.hint}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Counts for a summary line. */
export function countDiagnostics(ds: Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of ds) d.severity === 'error' ? errors++ : warnings++;
  return { errors, warnings };
}

export function hasErrors(ds: Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/**
 * The candidates nearest to `word` (at most `max`, best first), within a distance that grows
 * with the word's length; a candidate that contains the word (or vice versa) also counts.
 */
export function nearest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  const scored: { c: string; s: number }[] = [];
  for (const c of new Set(candidates)) {
    const cl = c.toLowerCase();
    let s = editDistance(w, cl);
    // "command" for "ansible.builtin.comand" etc: compare the last dotted part too.
    // Only when exactly one side is dotted (a short name against an FQCN, or the reverse).
    if (w.includes('.') !== cl.includes('.')) {
      const last = cl.split('.').pop()!;
      const wl = w.split('.').pop()!;
      s = Math.min(s, editDistance(wl, last) + (last === cl ? 0 : 0.5));
    }
    // For a dotted word (an FQCN), prefer dotted candidates.
    if (w.includes('.') && !cl.includes('.')) s += 0.5;
    if (s > limit && !(w.length >= 4 && (cl.includes(w) || w.includes(cl) && cl.length >= 4))) continue;
    scored.push({ c, s });
  }
  scored.sort((a, b) => a.s - b.s || a.c.length - b.c.length || (a.c < b.c ? -1 : 1));
  return scored.slice(0, max).map((x) => x.c);
}

/** "did you mean 'a'?" / "did you mean 'a', 'b' or 'c'?" or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>, max = 3): string | undefined {
  const n = nearest(word, candidates, max);
  if (!n.length) return undefined;
  const q = n.map((x) => `'${x}'`);
  const list = q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
  return `did you mean ${list}?`;
}
