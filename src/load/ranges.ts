/**
 * Ansible host ranges: `etcd[01:03].example.com`, `node[a:c]`, `h[1:10:2]`; several ranges in one
 * name multiply. A leading zero in the start pads every number to the start's width.
 */
export interface RangeResult {
  names: string[];
  error?: string;
  /** 0-based offset of the offending '[' in the pattern. */
  at?: number;
}

const MAX_HOSTS = 100_000;

export function hasRange(pattern: string): boolean {
  return /\[[^\]]*:[^\]]*\]/.test(pattern);
}

export function expandHostRange(pattern: string): RangeResult {
  // Host names are printed to terminals (recap, progress) and used in commands: no control characters.
  const ctl = /[\x00-\x1f\x7f-\x9f]/.exec(pattern);
  if (ctl) return { names: [], error: `host name ${JSON.stringify(pattern)} contains a control character (${JSON.stringify(ctl[0]).slice(1, -1)}); host names may not, they are printed to terminals`, at: ctl.index };
  const open = pattern.indexOf('[');
  if (open < 0) {
    if (pattern.includes(']')) return { names: [], error: `unbalanced ']' in host name '${pattern}'`, at: pattern.indexOf(']') };
    return { names: [pattern] };
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) return { names: [], error: `unclosed '[' in host name '${pattern}'`, at: open };
  const head = pattern.slice(0, open);
  const body = pattern.slice(open + 1, close);
  const tail = pattern.slice(close + 1);
  const parts = body.split(':');
  if (parts.length < 2 || parts.length > 3) {
    return { names: [], error: `host range '[${body}]' must be [begin:end] or [begin:end:step]`, at: open };
  }
  let [beg, end, stepText] = parts as [string, string, string | undefined];
  if (beg === '') beg = '0';
  if (end === '') return { names: [], error: `host range '[${body}]' has no end`, at: open };
  let step = 1;
  if (stepText !== undefined) {
    if (!/^[1-9][0-9]*$/.test(stepText)) return { names: [], error: `host range '[${body}]' has an invalid step '${stepText}'`, at: open };
    step = Number(stepText);
  }
  const items: string[] = [];
  if (/^[0-9]+$/.test(beg) && /^[0-9]+$/.test(end)) {
    const b = Number(beg);
    const e = Number(end);
    if (b > e) return { names: [], error: `host range '[${body}]' must have begin <= end`, at: open };
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && end.length !== width) return { names: [], error: `host range '[${body}]' must give begin and end with the same number of digits`, at: open };
    for (let n = b; n <= e; n += step) {
      items.push(width ? String(n).padStart(width, '0') : String(n));
      if (items.length > MAX_HOSTS) return { names: [], error: `host range '[${body}]' is too large`, at: open };
    }
  } else if (/^[A-Za-z]$/.test(beg) && /^[A-Za-z]$/.test(end)) {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const b = letters.indexOf(beg);
    const e = letters.indexOf(end);
    if (b > e) return { names: [], error: `host range '[${body}]' must have begin <= end`, at: open };
    for (let n = b; n <= e; n += step) items.push(letters[n]!);
  } else {
    return { names: [], error: `host range '[${body}]' must be numbers (01:10) or single letters (a:f)`, at: open };
  }
  const rest = expandHostRange(tail);
  if (rest.error) return { names: [], error: rest.error, at: close + 1 + (rest.at ?? 0) };
  const names: string[] = [];
  for (const i of items) for (const r of rest.names) {
    names.push(head + i + r);
    if (names.length > MAX_HOSTS) return { names: [], error: 'host range is too large', at: open };
  }
  return { names };
}
