/**
 * Values as the expression language sees them: Jinja truthiness, Ansible's `bool`, how a value
 * becomes text or shell text, equality, the markers `quote` and `raw` leave for the shell
 * renderer, and Undef (a missing variable that only `default` and `is defined` may touch).
 */
import { shQuote } from '../shell/quote.js';

/** A missing variable or attribute, named as written ('snap.stdout', 'groups.etcd[3]'). */
export class Undef {
  constructor(readonly name: string) {}
}

/** Marker: already shell-quoted text (`quote`), so the shell renderer does not quote it again. */
export class Quoted {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

/** Marker for `raw`: inserted as is, even into shell text. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

/** The plain value behind a Quoted/Raw marker. */
export function unmark(v: unknown): unknown {
  return v instanceof Quoted || v instanceof Raw ? v.text : v;
}

/** Jinja truthiness: empty strings, lists and mappings, 0, none and undefined are false. */
export function truthy(v: unknown): boolean {
  if (v instanceof Undef) return false;
  v = unmark(v);
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Ansible's `bool` filter: 'yes', 'on', '1', 'true', 'y', 't' (any case) and 1 are true. */
export function toBool(v: unknown): boolean {
  v = unmark(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true', 'y', 't'].includes(v.trim().toLowerCase());
  return false;
}

/** Tuples (`d.items()`, `zip`): lists that Python writes with parentheses. */
const TUPLES = new WeakSet<unknown[]>();
export function tuple(items: unknown[]): unknown[] {
  TUPLES.add(items);
  return items;
}

/** A number as Python writes it (inf, nan; integral floats cannot be told from ints: '2' not '2.0'). */
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** Python's repr of a string: single quotes unless it holds ' and no ". */
function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === q) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

/** Python's repr() (how a list or mapping shows its items): 'a', True, None, [1, 'b'], {'k': 1}. */
export function pyRepr(v: unknown, depth = 0): string {
  v = unmark(v);
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'string') return pyStrRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (depth > 50) return '...';
  if (Array.isArray(v)) {
    const inner = v.map((x) => pyRepr(x, depth + 1)).join(', ');
    return TUPLES.has(v) ? `(${inner}${v.length === 1 ? ',' : ''})` : `[${inner}]`;
  }
  if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x, depth + 1)}`).join(', ')}}`;
  return String(v);
}

/** Python's str(): text as is, True/False/None, containers as their repr (what `~`, `join`, `string` give). */
export function pyStr(v: unknown): string {
  if (v instanceof Quoted || v instanceof Raw) return v.text;
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/**
 * How `{{ }}` writes a value into text, as Ansible does: none as '' (Ansible's finalize), the rest
 * as Python's str() (`True`, `['a', 'b']`, `{'k': 1}`).
 */
export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return pyStr(v);
}

/** How a value is written into shell text: one quoted word, or one quoted word per list item. */
export function toShell(v: unknown): string {
  if (v instanceof Raw || v instanceof Quoted) return v.text;
  if (Array.isArray(v)) return v.map((x) => shQuote(toText(x))).join(' ');
  return shQuote(toText(v));
}

export function equal(a: unknown, b: unknown): boolean {
  a = unmark(a);
  b = unmark(b);
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  if ((a === null && b === undefined) || (a === undefined && b === null)) return true;
  return false;
}

/** A value's kind for messages: "a list", "string \"x\"". */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
