/** Replaces known secret strings anywhere in a JSON-like value. */
export const REDACTED = '********';

export class Redactor {
  private secrets: string[] = [];

  /** Remember a secret; very short values (< 3 chars) are ignored, they would mangle all output. */
  add(value: unknown): void {
    if (typeof value === 'number') value = String(value);
    if (typeof value !== 'string' || value.length < 3) return;
    if (this.secrets.includes(value)) return;
    this.secrets.push(value);
    // Longest first, so a secret containing another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Does the text contain any known secret? */
  contains(s: string): boolean {
    return this.secrets.some((sec) => s.includes(sec));
  }

  text(s: string): string {
    if (!this.secrets.length) return s;
    let out = s;
    for (const sec of this.secrets) if (out.includes(sec)) out = out.split(sec).join(REDACTED);
    return out;
  }

  /** A redacted deep copy (strings replaced; other scalars kept). */
  value<T>(v: T): T {
    if (!this.secrets.length) return v;
    return this.walk(v, 0) as T;
  }

  private walk(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.text(v);
    if (depth > 50 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = this.walk(x, depth + 1);
    return out;
  }
}
