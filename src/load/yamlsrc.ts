import { parseAllDocuments, LineCounter, isAlias, isMap, isScalar, isSeq, isPair, isDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLMap, Scalar } from 'yaml';
import type { Diagnostic, SourcePos } from '../model/source.js';
import { diag } from './diagnostics.js';
import { tooDeep } from './bounds.js';
import { MAX_YAML_ALIASES, MAX_YAML_DEPTH } from '../template/limits.js';

/**
 * A parsed YAML source with everything needed to point at any node: file name, line counter and
 * lines. YAML 1.2 (strings for yes/no), merge keys `<<` enabled (Ansible files use them).
 */
export interface YamlSource {
  file: string;
  text: string;
  lines: string[];
  lc: LineCounter;
  doc: Document.Parsed;
  diagnostics: Diagnostic[];
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lc = new LineCounter();
  const lines = text.split('\n');
  const deep = tooDeep(text);
  if (deep) {
    // Not parsed at all: the parser recurses per level.
    const d = diag('yaml-too-deep', { file, line: deep.line, col: deep.col }, `YAML nests deeper than ${MAX_YAML_DEPTH} levels here (mappings and lists inside each other)`, { lines, hint: 'no playbook, inventory or vars file needs this; is the file generated or hostile?' });
    return { file, text, lines, lc, doc: parseEmpty(lc), diagnostics: [d] };
  }
  let docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, merge: true, keepSourceTokens: true, uniqueKeys: true, customTags: [YAML11_BOOL] });
  // Tabs starting a line inside a quoted scalar: PyYAML (so Ansible) accepts them, and the value is
  // the same either way (a continuation line's leading white space is folded away). Each repair
  // lets the parser reach the next such scalar, hence the loop.
  for (let i = 0, t = text; i < 50 && Array.isArray(docs); i++) {
    const untabbed = untabQuoted(t, docs.flatMap((d) => d.errors));
    if (untabbed === t) break;
    t = untabbed;
    lc.lineStarts.length = 0;
    docs = parseAllDocuments(t, { lineCounter: lc, prettyErrors: false, merge: true, keepSourceTokens: true, uniqueKeys: true, customTags: [YAML11_BOOL] });
  }
  const diagnostics: Diagnostic[] = [];
  const list = Array.isArray(docs) ? docs : [];
  // parseAllDocuments returns an EmptyStream (not an array) for empty input.
  const doc = (list[0] ?? parseEmpty(lc)) as Document.Parsed;
  const src: YamlSource = { file, text, lines, lc, doc, diagnostics };
  for (const d of list) {
    for (const e of d.errors) diagnostics.push(yamlErrorDiag(src, e.code, e.message, e.pos[0]));
    for (const w of d.warnings) diagnostics.push(yamlErrorDiag(src, w.code, w.message, w.pos[0], 'warning'));
  }
  // Aliases and merge keys are resolved only when converting; find what would make that throw.
  if (!diagnostics.some((d) => d.severity === 'error' && d.code !== 'duplicate-key') && list[0]) {
    try {
      list[0].toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      diagnostics.push(...conversionDiagnostics(src, (e as Error).message));
    }
  }
  if (list.length > 1) {
    const second = list[1]!;
    const at = second.range?.[0] ?? 0;
    diagnostics.push(diag('multiple-documents', posAt(src, at), 'only one YAML document is allowed in this file', { lines, hint: "remove the second '---' document or move it to its own file" }));
  }
  return src;
}

/**
 * The text with the leading white space of every continuation line of an unclosed-looking quoted
 * scalar (where the parser stopped: a tab began a line) replaced by spaces up to the quote's
 * column; the text itself when there is nothing of the kind.
 */
function untabQuoted(text: string, errors: { code: string; message: string; pos: [number, number] }[]): string {
  const repairs: { from: number; to: number; span: string }[] = [];
  for (const e of errors) {
    if (e.code !== 'MISSING_CHAR' || !/^Missing closing ["']quote/.test(e.message)) continue;
    // The error sits where the scalar stopped; its opening quote is the last unescaped one before.
    const quote = e.message.charAt('Missing closing '.length);
    let q = e.pos[0];
    do {
      q = text.lastIndexOf(quote, q - 1);
      if (quote === '"' && q > 0 && /(^|[^\\])(\\\\)*\\$/.test(text.slice(Math.max(0, q - 64), q))) continue;
      if (quote === "'" && q > 0 && text[q - 1] === "'") { q--; continue; }
      break;
    } while (q > 0);
    if (q < 0 || repairs.some((r) => r.from === q)) continue;
    let end = q + 1;
    while (end < text.length) {
      const c = text[end]!;
      if (quote === '"' && c === '\\') end += 2;
      else if (c === quote && quote === "'" && text[end + 1] === "'") end += 2;
      else if (c === quote) break;
      else end++;
    }
    if (end >= text.length) continue; // really unclosed: the parser's error stands
    const col = q - (text.lastIndexOf('\n', q) + 1);
    const old = text.slice(q, end);
    const span = old.replace(/\n[ \t]*/g, (m) => (m.includes('\t') ? '\n' + ' '.repeat(Math.max(col, m.length - 1)) : m));
    if (span !== old) repairs.push({ from: q, to: end, span });
  }
  // From the end, so that each repair's offsets still hold.
  return repairs.sort((x, y) => y.from - x.from).reduce((t, r) => t.slice(0, r.from) + r.span + t.slice(r.to), text);
}

function conversionDiagnostics(src: YamlSource, message: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(src.doc, {
    Alias(_k, node) {
      let target: unknown;
      try { target = node.resolve(src.doc); } catch { target = undefined; }
      if (!target) out.push(diag('yaml-alias', nodePos(src, node), `YAML: unknown anchor '*${node.source}'`, { lines: src.lines, hint: 'an alias must refer to an anchor (&name) defined before it' }));
    },
    Pair(_k, pair) {
      if (!isMergeKey(pair.key)) return;
      if (isAlias(pair.value)) {
        let t: unknown;
        try { t = pair.value.resolve(src.doc); } catch { t = undefined; }
        if (!t) return; // reported as an unknown anchor
      }
      const v = deref(src, pair.value);
      const ok = isMap(v) || (isSeq(v) && v.items.every((x) => isMap(deref(src, x))));
      if (!ok) out.push(diag('yaml-merge', nodePos(src, pair.value ?? pair.key), "YAML: '<<' must merge a mapping (an alias like *name, or a list of them)", { lines: src.lines }));
    },
  });
  if (!out.length) out.push(diag('yaml-syntax', { file: src.file, line: 1, col: 1 }, `YAML: ${lowerFirst(message)}`, { lines: src.lines }));
  return out;
}

function parseEmpty(lc: LineCounter): Document.Parsed {
  const [d] = parseAllDocuments('', { lineCounter: lc }) as unknown as Document.Parsed[];
  return (d ?? ({ contents: null, errors: [], warnings: [], getIn: () => undefined, toJS: () => null } as unknown)) as Document.Parsed;
}

function yamlErrorDiag(src: YamlSource, code: string, message: string, offset: number, severity: 'error' | 'warning' = 'error'): Diagnostic {
  const t = src.text;
  // An unclosed quote is reported at the end of the text: point at the opening quote instead.
  const q = /closing (["'])/.exec(message)?.[1];
  if (code === 'MISSING_CHAR' && q) {
    const open = t.lastIndexOf(q, Math.max(0, offset - 1));
    if (open >= 0) offset = open;
  }
  // Indentation errors reported at the end of a line: point at the next line's first character.
  if (code === 'BAD_INDENT' && (t[offset] === '\n' || t[offset] === '\r')) {
    let o = t.indexOf('\n', offset) + 1;
    while (o > 0 && o < t.length && (t[o] === ' ' || t[o] === '\t')) o++;
    if (o > 0) offset = o;
  }
  const pos = posAt(src, offset);
  if (code === 'DUPLICATE_KEY') {
    const key = keyTextAt(src.text, offset);
    return diag('duplicate-key', pos, key ? `duplicate key '${key}'` : 'duplicate key', {
      lines: src.lines, severity, hint: 'remove one of them (other YAML tools would silently keep the last one)',
    });
  }
  const msg = message.replace(/\s+at line \d+, column \d+.*$/s, '').replace(/\s+/g, ' ').trim();
  return diag('yaml-syntax', pos, `YAML: ${lowerFirst(msg)}`, { lines: src.lines, severity, hint: yamlHint(code) });
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT': return 'indent with spaces, not tabs';
    case 'BAD_INDENT': return 'check the indentation of this line against the lines above';
    case 'BLOCK_AS_IMPLICIT_KEY': return "a value containing ': ' must be quoted";
    case 'MULTILINE_IMPLICIT_KEY': return "a key must fit on one line; is a ':' missing on the line above?";
    default: return undefined;
  }
}

function lowerFirst(s: string): string {
  return s.length > 1 && /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function keyTextAt(text: string, offset: number): string | undefined {
  const rest = text.slice(offset);
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:\n#]*?))\s*:(?:\s|$)/.exec(rest);
  if (!m) return undefined;
  return (m[1] ?? m[2]?.replace(/''/g, "'") ?? m[3] ?? '').trim() || undefined;
}

export function posAt(src: { file: string; lc: LineCounter }, offset: number): SourcePos {
  const { line, col } = src.lc.linePos(offset);
  return { file: src.file, line, col };
}

/** Position of a node (its first character); falls back to 1:1. */
export function nodePos(src: YamlSource, node: unknown): SourcePos {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? posAt(src, range[0]) : { file: src.file, line: 1, col: 1 };
}

/** Resolve an alias node to its target. */
export function deref(src: YamlSource, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 10 && isAlias(n); i++) n = (n as { resolve(doc: Document): unknown }).resolve(src.doc);
  return n;
}

export interface Entry {
  key: string;
  keyNode: Node | null;
  value: unknown;
  pair: Pair;
}

function isMergeKey(k: unknown): boolean {
  return isScalar(k) && (typeof (k as Scalar).value === 'symbol' || (k as Scalar).value === '<<');
}

/** Entries of a mapping, with merge keys (`<<: *anchor`) expanded (explicit keys win). */
export function entries(src: YamlSource, map: YAMLMap): Entry[] {
  const own: Entry[] = [];
  const merged: Entry[] = [];
  for (const p of map.items) {
    if (!isPair(p)) continue;
    if (isMergeKey(p.key)) {
      const v = deref(src, p.value);
      const sources = isSeq(v) ? v.items.map((x) => deref(src, x)) : [v];
      for (const s of sources) if (isMap(s)) merged.push(...entries(src, s));
      continue;
    }
    const k = deref(src, p.key);
    const key = isScalar(k) ? String(k.value) : String(k);
    own.push({ key, keyNode: (p.key as Node) ?? null, value: p.value, pair: p });
  }
  const names = new Set(own.map((e) => e.key));
  return [...merged.filter((e) => !names.has(e.key)), ...own];
}

/** Plain JS value of a node. */
export function toJS(src: YamlSource, node: unknown): unknown {
  const n = deref(src, node);
  if (n === null || n === undefined) return null;
  if (isScalar(n) || isMap(n) || isSeq(n)) return (n as { toJS(doc: Document, opts?: unknown): unknown }).toJS(src.doc, { maxAliasCount: MAX_YAML_ALIASES });
  return n;
}

/** The node at a JSON pointer-like path (ajv's instancePath), or its nearest existing ancestor. */
export function nodeAtPath(src: YamlSource, path: (string | number)[]): unknown {
  let node: unknown = src.doc.contents;
  let last: unknown = node;
  for (const seg of path) {
    node = deref(src, node);
    let next: unknown;
    if (isSeq(node)) next = node.items[Number(seg)];
    else if (isMap(node)) next = entries(src, node).find((e) => e.key === String(seg))?.value;
    if (next === undefined || next === null) {
      // A key with a null value (`key:`) has no node; point at the key.
      if (isMap(node)) {
        const e = entries(src, node).find((x) => x.key === String(seg));
        if (e?.keyNode) return e.keyNode;
      }
      return last;
    }
    node = next;
    last = next;
  }
  return last;
}

/** Position of the key `key` of the mapping at `path` (for "unknown key" errors). */
export function keyNodeAtPath(src: YamlSource, path: (string | number)[], key: string): unknown {
  const map = deref(src, nodeAtPath(src, path));
  if (isMap(map)) {
    const e = entries(src, map).find((x) => x.key === key);
    if (e?.keyNode) return e.keyNode;
  }
  return map;
}

export function splitPointer(instancePath: string): string[] {
  if (!instancePath) return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * YAML 1.1 booleans, as Ansible reads every playbook, inventory and vars file (PyYAML): plain
 * (unquoted) yes/no/on/off in PyYAML's spellings are booleans, so `become: yes` and
 * `enabled: on` mean what they mean in Ansible. Quoted ('no') they stay strings. Numbers, octal
 * and the rest stay YAML 1.2 (`mode: 0644` is read as 644, which the modules take as octal).
 */
export const YAML11_BOOL = {
  identify: (v: unknown) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (s: string) => /^(?:yes|on)$/i.test(s),
};

export { isMap, isSeq, isScalar, isDocument };
