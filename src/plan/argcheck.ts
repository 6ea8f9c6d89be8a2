/**
 * Checks rendered module args against the module's JSON Schema and coerces template results
 * ("2379" -> 2379 where an integer is wanted, "true" -> true). A small interpreter for the subset
 * of JSON Schema module schemas use (type, enum, const, properties, required,
 * additionalProperties, items, min/max*, pattern, oneOf/anyOf/allOf/not, propertyNames) — no
 * code generation, so `etcdplay plan` does not pay ajv's compile time. The loader already
 * validated the args as written with ajv; unknown keywords are ignored here.
 */
type Schema = Record<string, unknown>;

export interface ArgProblem { path: string; message: string }

const YES = /^(true|yes|on|y)$/i;
const NO = /^(false|no|off|n)$/i;

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'array': return Array.isArray(v);
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'null': return v === null;
    default: return true;
  }
}

function coerceTo(t: string, v: unknown): { ok: boolean; value?: unknown } {
  if (typeMatches(t, v)) return { ok: true, value: v };
  if ((t === 'integer' || t === 'number') && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) {
    const n = Number(v.trim());
    if (t === 'number' || Number.isInteger(n)) return { ok: true, value: n };
  }
  if (t === 'boolean' && typeof v === 'string') {
    if (YES.test(v.trim())) return { ok: true, value: true };
    if (NO.test(v.trim())) return { ok: true, value: false };
  }
  if (t === 'string' && (typeof v === 'number' || typeof v === 'boolean')) return { ok: true, value: String(v) };
  return { ok: false };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Validate `value` against `schema`; returns [coerced value, problems]. */
export function checkValue(schema: Schema, value: unknown, path = ''): [unknown, ArgProblem[]] {
  const problems: ArgProblem[] = [];
  let v = value;
  const at = path || '(args)';
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    let done = false;
    for (const t of types) if (typeMatches(t, v)) { done = true; break; }
    if (!done) {
      for (const t of types) {
        const c = coerceTo(t, v);
        if (c.ok) { v = c.value; done = true; break; }
      }
    }
    if (!done) return [v, [{ path: at, message: `must be ${types.join(' or ')}, got ${describe(v)}` }]];
  }
  if (Array.isArray(schema.enum)) {
    let hit = (schema.enum as unknown[]).some((e) => e === v);
    if (!hit && typeof v !== 'string') {
      const s = String(v);
      if ((schema.enum as unknown[]).includes(s)) { v = s; hit = true; }
    }
    if (!hit) problems.push({ path: at, message: `must be one of ${(schema.enum as unknown[]).map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(v)}` });
  }
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(v)) problems.push({ path: at, message: `must be ${JSON.stringify(schema.const)}` });
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = schema[k] as Schema[] | undefined;
    if (!Array.isArray(alts)) continue;
    const passing: unknown[] = [];
    for (const alt of alts) {
      const [cv, ps] = checkValue(alt, v, path);
      if (!ps.length) passing.push(cv);
    }
    if (passing.length === 0 || (k === 'oneOf' && passing.length > 1 && alts.every((a) => Array.isArray(a.required)))) {
      const req = alts.every((a) => Array.isArray(a.required)) ? `exactly one of ${alts.flatMap((a) => a.required as string[]).join(', ')} is required` : `does not match any allowed form`;
      problems.push({ path: at, message: req });
    } else if (passing.length) v = passing[0];
  }
  for (const sub of (schema.allOf as Schema[] | undefined) ?? []) {
    const [cv, ps] = checkValue(sub, v, path);
    v = cv;
    problems.push(...ps);
  }
  if (schema.not && typeof schema.not === 'object') {
    const [, ps] = checkValue(schema.not as Schema, v, path);
    if (!ps.length) {
      const req = (schema.not as Schema).required as string[] | undefined;
      problems.push({ path: at, message: req ? `must not have all of ${req.join(', ')}` : 'is not allowed here' });
    }
  }
  if (typeof v === 'string') {
    if (typeof schema.minLength === 'number' && v.length < schema.minLength) problems.push({ path: at, message: schema.minLength === 1 ? 'must not be empty' : `must have at least ${schema.minLength} characters` });
    if (typeof schema.maxLength === 'number' && v.length > schema.maxLength) problems.push({ path: at, message: `must have at most ${schema.maxLength} characters` });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v)) problems.push({ path: at, message: `must match ${schema.pattern}, got ${JSON.stringify(v)}` });
  }
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && v < schema.minimum) problems.push({ path: at, message: `must be >= ${schema.minimum}` });
    if (typeof schema.maximum === 'number' && v > schema.maximum) problems.push({ path: at, message: `must be <= ${schema.maximum}` });
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) problems.push({ path: at, message: `must have at least ${schema.minItems} item(s)` });
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) problems.push({ path: at, message: `must have at most ${schema.maxItems} item(s)` });
    if (schema.items && typeof schema.items === 'object') {
      v = v.map((item, i) => {
        const [cv, ps] = checkValue(schema.items as Schema, item, `${path}[${i}]`);
        problems.push(...ps);
        return cv;
      });
    }
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const obj = { ...(v as Record<string, unknown>) };
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required as string[] | undefined) ?? []) {
      if (!(r in obj)) problems.push({ path: at, message: `requires '${r}'` });
    }
    for (const [k, val] of Object.entries(obj)) {
      const sub = props[k];
      const p = path ? `${path}.${k}` : k;
      if (sub) {
        const [cv, ps] = checkValue(sub, val, p);
        obj[k] = cv;
        problems.push(...ps);
      } else if (schema.additionalProperties === false) {
        problems.push({ path: at, message: `has no argument '${k}'` });
      } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const [cv, ps] = checkValue(schema.additionalProperties as Schema, val, p);
        obj[k] = cv;
        problems.push(...ps);
      }
      const pn = schema.propertyNames as Schema | undefined;
      if (pn && typeof pn.pattern === 'string' && !new RegExp(pn.pattern, 'u').test(k)) problems.push({ path: at, message: `'${k}' is not an allowed name` });
    }
    if (typeof schema.minProperties === 'number' && Object.keys(obj).length < schema.minProperties) problems.push({ path: at, message: `needs at least ${schema.minProperties} entr${schema.minProperties === 1 ? 'y' : 'ies'}` });
    v = obj;
  }
  return [v, problems];
}
