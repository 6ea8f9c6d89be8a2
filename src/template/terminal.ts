/**
 * Text for a terminal: control characters from playbooks, inventories, hosts or remote output are
 * shown as visible escapes (`\x1b`, `\r`, `\x07`...), so nothing but etcdplay's own colours can
 * move the cursor, clear the screen, retitle the window or split a line. The one place that knows.
 */

// C0 controls except \t and \n, DEL, and the C1 controls (U+0080..U+009F: 8-bit CSI/OSC).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const CONTROL_OR_NEWLINE = /[\x00-\x1f\x7f-\x9f]/g;

const visible = (ch: string): string => {
  switch (ch) {
    case '\r': return '\\r';
    case '\n': return '\\n';
    case '\t': return '\\t';
    default: return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
};

/** `text` with control characters escaped; `oneLine` escapes newlines and tabs too (names, labels). */
export function termSafe(text: string, oneLine = false): string {
  return text.replace(oneLine ? CONTROL_OR_NEWLINE : CONTROL, visible);
}

/** Does the text hold a control character (newlines and tabs included)? */
export function hasControl(text: string): boolean {
  return /[\x00-\x1f\x7f-\x9f]/.test(text);
}

/** A deep copy with every string (and every mapping key, as one line) made terminal-safe. */
export function termSafeDeep<T>(v: T, depth = 0): T {
  if (typeof v === 'string') return termSafe(v) as T;
  if (depth > 50 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => termSafeDeep(x, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[termSafe(k, true)] = termSafeDeep(x, depth + 1);
  return out as T;
}
