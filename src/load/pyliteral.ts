/**
 * Typing of INI inventory values the way Ansible does it: Python's ast.literal_eval on the text
 * (numbers, 'strings', [lists], (tuples), {dicts}, True/False/None), falling back to the plain
 * string. etcdplay also reads lowercase true/false as booleans.
 */
export function iniValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const r = parsePyLiteral(text);
  return r.ok ? r.value : text;
}

export function parsePyLiteral(text: string): { ok: true; value: unknown } | { ok: false } {
  const p = new Py(text);
  try {
    p.ws();
    const v = p.expr();
    p.ws();
    // A Python comment may follow the literal ('2379  # client port'), as literal_eval allows.
    if (text[p.i] === '#' && !text.slice(p.i).includes('\n')) p.i = text.length;
    if (p.i !== text.length) return { ok: false };
    return { ok: true, value: v };
  } catch {
    return { ok: false };
  }
}

class Py {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /[ \t]/.test(this.s[this.i]!)) this.i++;
  }
  fail(): never {
    throw new Error('not a literal');
  }
  expr(): unknown {
    // Unary sign on numbers only.
    const c = this.s[this.i];
    if (c === '-' || c === '+') {
      this.i++;
      this.ws();
      const v = this.atom();
      if (typeof v !== 'number') this.fail();
      return c === '-' ? -v : v;
    }
    return this.atom();
  }
  atom(): unknown {
    const s = this.s;
    const c = s[this.i];
    if (c === undefined) this.fail();
    if (c === "'" || c === '"') {
      let out = this.str();
      // Adjacent string literals concatenate.
      for (;;) {
        const save = this.i;
        this.ws();
        if (s[this.i] === "'" || s[this.i] === '"') out += this.str();
        else { this.i = save; break; }
      }
      return out;
    }
    if (c === '[') return this.seq('[', ']');
    if (c === '(') {
      const v = this.seq('(', ')', true);
      return v;
    }
    if (c === '{') return this.dict();
    const m = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[1-9](?:_?[0-9])*|0+(?:_?0)*)(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)(?![A-Za-z0-9_.])/.exec(s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      const t = m[0].replace(/_/g, '');
      if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
      if (/^0[oO]/.test(t)) return parseInt(t.slice(2), 8);
      if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
      return Number(t);
    }
    const w = /^(True|False|None)(?![A-Za-z0-9_])/.exec(s.slice(this.i));
    if (w) {
      this.i += w[0].length;
      return w[1] === 'True' ? true : w[1] === 'False' ? false : null;
    }
    return this.fail();
  }
  str(): string {
    const s = this.s;
    const q = s[this.i]!;
    const triple = s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    for (;;) {
      if (this.i >= s.length) this.fail();
      if (s.startsWith(end, this.i)) {
        this.i += end.length;
        return out;
      }
      const c = s[this.i]!;
      if (c === '\\') {
        const n = s[this.i + 1];
        const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };
        if (n !== undefined && esc[n] !== undefined) { out += esc[n]; this.i += 2; continue; }
        out += c;
        this.i++;
        continue;
      }
      if (c === '\n' && !triple) this.fail();
      out += c;
      this.i++;
    }
  }
  seq(open: string, close: string, tuple = false): unknown[] {
    this.i++; // open
    const out: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) { this.i++; break; }
      out.push(this.expr());
      this.ws();
      if (this.s[this.i] === ',') { this.i++; sawComma = true; continue; }
      if (this.s[this.i] === close) { this.i++; break; }
      this.fail();
    }
    // `(x)` is just x in Python; `(x,)` is a tuple.
    if (tuple && out.length === 1 && !sawComma) return out[0] as unknown[];
    void open;
    return out;
  }
  dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') { this.i++; break; }
      const k = this.expr();
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean' && k !== null) this.fail();
      this.ws();
      if (this.s[this.i] !== ':') this.fail();
      this.i++;
      this.ws();
      out[String(k)] = this.expr();
      this.ws();
      if (this.s[this.i] === ',') { this.i++; continue; }
      if (this.s[this.i] === '}') { this.i++; break; }
      this.fail();
    }
    return out;
  }
}
