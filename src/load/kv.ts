import { ValidationError } from '../errors.js';

/**
 * `key=value` argument strings, as in `service: name=etcd state=stopped` or `-a` of ad-hoc runs.
 * Quoting is shell-like: 'single' is literal, "double" honours \" \\ \$ \`, a backslash outside
 * quotes escapes the next character. Jinja blocks ({{ ... }}, {% ... %}) are kept verbatim, spaces
 * and quotes included, so `msg={{ a | default('x y') }}` stays one value.
 */
export interface KeyValueSplit {
  args: Record<string, string>;
  /** Words that are not `key=value` (free-form text), in order. */
  free: string[];
  /** Set when the text cannot be split (unbalanced quote or jinja). */
  error?: string;
  /** Duplicate keys (the last one wins). */
  duplicates: string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Token { text: string; /** index of the first '=' that was outside quotes/jinja, or -1 */ eq: number }

export function tokenizeArgs(text: string): { tokens: Token[]; error?: string } {
  const tokens: Token[] = [];
  let cur = '';
  let eq = -1;
  let started = false;
  let i = 0;
  const push = () => {
    if (started) tokens.push({ text: cur, eq });
    cur = '';
    eq = -1;
    started = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '{' && (text[i + 1] === '{' || text[i + 1] === '%')) {
      const close = text[i + 1] === '{' ? '}}' : '%}';
      const end = text.indexOf(close, i + 2);
      if (end < 0) return { tokens, error: `unclosed '${text.slice(i, i + 2)}'` };
      cur += text.slice(i, end + 2);
      started = true;
      i = end + 2;
      continue;
    }
    if (/\s/.test(ch)) {
      push();
      i++;
      continue;
    }
    started = true;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { tokens, error: 'unbalanced single quote' };
      cur += text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') cur += text[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') { closed = true; i++; break; }
        cur += c;
        i++;
      }
      if (!closed) return { tokens, error: 'unbalanced double quote' };
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      cur += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '=' && eq < 0) eq = cur.length;
    cur += ch;
    i++;
  }
  push();
  return { tokens };
}

/** Split an argument string into key=value pairs and free words, never throwing. */
export function splitKeyValueArgs(text: string): KeyValueSplit {
  const { tokens, error } = tokenizeArgs(text);
  const out: KeyValueSplit = { args: {}, free: [], duplicates: [] };
  if (error) out.error = error;
  for (const t of tokens) {
    const key = t.eq > 0 ? t.text.slice(0, t.eq) : '';
    if (t.eq > 0 && KEY.test(key)) {
      if (Object.prototype.hasOwnProperty.call(out.args, key)) out.duplicates.push(key);
      out.args[key] = t.text.slice(t.eq + 1);
    } else {
      out.free.push(t.text);
    }
  }
  return out;
}

/**
 * "name=etcd state=stopped" -> { name: 'etcd', state: 'stopped' }.
 * Throws ValidationError for unbalanced quotes or words that are not key=value.
 */
export function parseKeyValueArgs(text: string): Record<string, string> {
  const r = splitKeyValueArgs(text);
  if (r.error) throw new ValidationError(`cannot parse arguments: ${r.error}: ${text}`);
  if (r.free.length) throw new ValidationError(`expected key=value arguments, got '${r.free[0]}'`);
  return r.args;
}
