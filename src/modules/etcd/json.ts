/**
 * etcdctl prints member and cluster ids as JSON numbers that do not fit a double
 * (e.g. "member_id":13983964263709613677). JSON.parse would silently round them, so every
 * integer literal longer than 15 digits is turned into a string before parsing.
 */
export function parseEtcdJson(text: string): unknown {
  return JSON.parse(quoteBigInts(text));
}

/** Quote integer literals with more than 15 digits that appear outside strings. */
export function quoteBigInts(text: string): string {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i++;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const num = text.slice(i, j);
      out += /^-?\d{16,}$/.test(num) ? `"${num}"` : num;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** A decimal id (string or number) as etcd's hex form, e.g. "c21105685a2b1e6d". */
export function hexId(id: unknown): string {
  if (id === undefined || id === null || id === '') return '';
  try {
    return BigInt(String(id)).toString(16);
  } catch {
    return String(id);
  }
}

/** The last line of `text` that parses as a JSON object, or undefined. */
export function lastJsonLine(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let k = lines.length - 1; k >= 0; k--) {
    const l = lines[k]!;
    if (!l.startsWith('{')) continue;
    try {
      const v = parseEtcdJson(l);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}
