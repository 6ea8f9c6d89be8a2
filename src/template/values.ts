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

/** How a value is written into text: none as '', lists and mappings as JSON. */
export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Quoted || v instanceof Raw) return v.text;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
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
  return false;
}

/** A value's kind for messages: "a list", "string \"x\"". */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
