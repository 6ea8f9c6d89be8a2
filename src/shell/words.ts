import { ValidationError } from '../errors.js';

/**
 * Split a command line into words the way a POSIX shell would, without any expansion:
 * single quotes keep everything, double quotes keep everything except `\"`, `\\`, `\$` and
 * `` \` ``, and a backslash outside quotes escapes the next character. Nothing is executed.
 * Shell operators (`|`, `;`, `&&`, `>`) are NOT special: they become ordinary words, which is
 * why the command module never runs a shell.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ValidationError(`unterminated single quote at column ${i + 1} in: ${text}`);
      cur += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') { closed = true; i++; break; }
        if (d === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') cur += text[i + 1];
          i += 2;
          continue;
        }
        cur += d;
        i++;
      }
      if (!closed) throw new ValidationError(`unterminated double quote in: ${text}`);
    } else if (c === '\\') {
      if (i + 1 < text.length) {
        if (text[i + 1] !== '\n') cur += text[i + 1];
        i += 2;
      } else {
        cur += '\\';
        i++;
      }
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * Parse Ansible-style `key=value` words (shell-like quoting) out of free-form text. Words whose
 * key is in `keys` are taken as args; the remaining text (re-quoted) is the free form.
 * Used for `command: ls -l chdir=/tmp creates=/x`.
 */
export function extractKeyValues(text: string, keys: readonly string[]): { rest: string; kv: Record<string, string> } {
  const kv: Record<string, string> = {};
  // Cut only the key=value tokens out of the text: the rest keeps the user's own quoting,
  // spacing and newlines (a multi-line shell script must stay multi-line).
  let rest = '';
  let from = 0;
  for (const s of tokenSpans(text)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(s.raw);
    if (m && keys.includes(m[1]!)) {
      kv[m[1]!] = splitWords(s.raw.slice(m[0].length)).join(' ');
      rest += text.slice(from, s.start);
      from = s.end;
      while (from < text.length && (text[from] === ' ' || text[from] === '\t')) from++;
    }
  }
  rest += text.slice(from);
  if (rest === text) return { rest: text, kv };
  return { rest: rest.trim(), kv };
}

/** Parse `a=1 b='two words'` into a mapping (every word must be key=value). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of tokenSpans(text)) {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)=/.exec(s.raw);
    if (!m) throw new ValidationError(`expected key=value, got ${JSON.stringify(s.raw)}`);
    out[m[1]!] = splitWords(s.raw.slice(m[0].length)).join(' ');
  }
  return out;
}

/** Raw word spans (quotes kept), for re-assembling free-form text. */
function tokenSpans(text: string): { raw: string; start: number; end: number }[] {
  const out: { raw: string; start: number; end: number }[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && !/\s/.test(text[i]!)) {
      const c = text[i]!;
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        i = end < 0 ? text.length : end + 1;
      } else if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '\\') {
        i += 2;
      } else {
        i++;
      }
    }
    const end = Math.min(i, text.length);
    out.push({ raw: text.slice(start, end), start, end });
  }
  return out;
}
