/**
 * Bounds on the work a small input can ask for (issue 15): every limit etcdplay puts on its
 * input, in one place. docs/security.md lists them.
 */

/** A playbook, inventory or vars file larger than this is refused before it is read. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Deepest nesting of mappings and lists in a YAML file (Ansible files need < 20). */
export const MAX_YAML_DEPTH = 100;
/** Aliases expanded when a YAML file is converted (the yaml library's billion-laughs guard). */
export const MAX_YAML_ALIASES = 1000;
/** A rendered template value (one variable, one command, one file template) larger than this is refused. */
export const MAX_RENDERED_BYTES = 1024 * 1024;
/** Loop iterations of one rendering (`{% for %}` in `{% for %}` over range() must not spin for hours). */
export const MAX_LOOP_ITERATIONS = 1_000_000;

export const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB`;

/** The error for a template whose result would be too large. */
export function tooLarge(size: number, what: string): string {
  return `${what} would be ${size >= 1024 * 1024 ? mib(size) : `${size} bytes`}, more than the limit of ${mib(MAX_RENDERED_BYTES)} for a rendered value (a template expanding itself, e.g. each variable ten copies of the previous one?)`;
}

/**
 * An upper bound of the rendered size of each variable, without rendering: a string's literal
 * text plus, for each `{{ ... }}`, the sizes of the variables it names (a name used n times counts
 * n times). Cycles count 0 (rendering reports them). Finds expansion bombs in O(size of the vars).
 */
export function expansionSizes(vars: Record<string, unknown>): Map<string, number> {
  const memo = new Map<string, number>();
  const busy = new Set<string>();
  const sizeOfName = (name: string): number => {
    if (!Object.hasOwn(vars, name)) return 0;
    const m = memo.get(name);
    if (m !== undefined) return m;
    if (busy.has(name)) return 0;
    busy.add(name);
    const n = sizeOf(vars[name], 0);
    busy.delete(name);
    memo.set(name, n);
    return n;
  };
  const sizeOf = (v: unknown, depth: number): number => {
    if (typeof v === 'string') {
      if (!v.includes('{{')) return v.length;
      let n = 0;
      let rest = v;
      for (;;) {
        const i = rest.indexOf('{{');
        if (i < 0) return n + rest.length;
        const j = rest.indexOf('}}', i + 2);
        if (j < 0) return n + rest.length;
        n += i;
        for (const id of rest.slice(i + 2, j).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) n += sizeOfName(id);
        if (n > Number.MAX_SAFE_INTEGER / 16) return n;
        rest = rest.slice(j + 2);
      }
    }
    if (depth > 50 || v === null || typeof v !== 'object') return String(v).length;
    let n = 0;
    for (const x of Object.values(v as Record<string, unknown>)) n += sizeOf(x, depth + 1);
    return n;
  };
  for (const k of Object.keys(vars)) sizeOfName(k);
  return memo;
}
