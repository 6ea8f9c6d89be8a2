/**
 * The one escaping function of report.html: text and attribute values alike. Host output, task
 * names, paths and messages can hold anything; after this none of it can open a tag, close an
 * attribute or start an entity. Control characters (invalid in HTML) are shown as `\xNN`.
 */
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  return s
    .replace(/[&<>"']/g, (c) => MAP[c]!)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    // lone surrogates are not valid characters either
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
