/**
 * Secrets: which variables hold one, every form a secret can take once rendered, and the Redactor
 * that hides all of them. The one place that knows; the engine (events, journal, argv check) and
 * `etcdplay plan` both use it.
 */
import type { Vars } from '../model/vars.js';
import { shQuote } from '../shell/quote.js';
import { termSafe } from './terminal.js';
import { pyRepr } from './values.js';

export const REDACTED = '********';

/** Variables that always hold a secret (inventory, play vars, extra vars). */
export const SECRET_VARS = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass', 'etcd_password', 'etcdctl_password', 'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'];

/** Environment variables of the workstation that hold a secret (S3 credentials of backups, src/backup/). */
export const SECRET_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** The secrets in the workstation's environment, by variable name. */
export function secretsInEnv(env: NodeJS.ProcessEnv): [string, unknown][] {
  return SECRET_ENV.map((k) => [k, env[k]]);
}

/** Extra var names treated as secret without being listed: *_password, *_passphrase, *_token, *_secret, *_secret_key, *_access_key(_id), *_secret_access_key. */
export function isSecretName(name: string): boolean {
  return /(^|_)(password|passwd|pass|passphrase|secret|token|secret_key|access_key|access_key_id|secret_access_key)$/i.test(name);
}

/**
 * The secrets a host's variables hold, by variable name: the fixed SECRET_VARS and every name in
 * `etcdplay_secret_vars` (strings, numbers, and the scalars of a mapping or list).
 */
export function secretsInVars(vars: Vars): [string, unknown][] {
  // Lazy variables render on read: a broken one must not fail here.
  const read = (k: string): unknown => {
    try {
      return vars[k];
    } catch {
      return undefined;
    }
  };
  const out: [string, unknown][] = SECRET_VARS.map((k) => [k, read(k)]);
  const named = read('etcdplay_secret_vars');
  if (Array.isArray(named)) for (const n of named) out.push([String(n), read(String(n))]);
  return out;
}

/** Shortest derived form kept (a 2-character hex or base64 fragment would mangle all output). */
const MIN_FORM = 6;

/**
 * Every form a secret can take in a command, an output or a file: as is, shell-quoted (single,
 * double, backslashes), JSON-escaped, YAML single-quoted, URL-encoded, hex, base64 and base64url
 * (whole, and the part fixed by the secret's own bytes wherever it sits in a longer encoded text).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const inSingle = secret.replace(/'/g, `'\\''`);
  const quoted = [secret, inSingle, shQuote(secret), secret.replace(/[\\"$`]/g, '\\$&'), secret.replace(/[^A-Za-z0-9_@%+=:,./-]/g, '\\$&'), secret.replace(/'/g, "''")];
  // Quoted again: a quoted script inside `sh -c '...'`.
  for (const f of [...quoted, ...quoted.map((q) => q.replace(/'/g, `'\\''`))]) {
    const json = JSON.stringify(f).slice(1, -1);
    forms.add(f).add(json).add(JSON.stringify(json).slice(1, -1)); // JSON inside JSON: a log line of an event
  }
  forms.add(termSafe(secret)); // as a terminal shows it
  forms.add(pyRepr(secret).slice(1, -1)); // inside a list or mapping written into text (['...'])
  const url = encodeURIComponent(secret);
  for (const f of [url, url.replace(/%20/g, '+'), encodeURI(secret), escape(secret)]) {
    forms.add(f);
    forms.add(f.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  const bytes = Buffer.from(secret, 'utf8');
  forms.add(bytes.toString('hex'));
  forms.add(bytes.toString('hex').toUpperCase());
  for (const shift of [0, 1, 2]) {
    const enc = Buffer.concat([Buffer.alloc(shift), bytes]);
    const end = Math.floor(enc.length / 3) * 4;
    for (const b64 of [enc.toString('base64'), enc.toString('base64url')]) {
      if (shift === 0) forms.add(b64.replace(/=+$/, ''));
      const fixed = b64.slice(shift ? 4 : 0, end);
      if (fixed.length >= 8) forms.add(fixed);
    }
  }
  return [...forms].filter((f) => f === secret || f.length >= MIN_FORM);
}

/** Replaces known secrets, in every form, anywhere in a JSON-like value. */
export class Redactor {
  /** [form, replacement], longest form first so a form containing another is replaced whole. */
  private forms: [string, string][] = [];
  private readonly known = new Set<string>();

  /** `label(name)` gives the replacement of a secret from variable `name` (default `********`). */
  constructor(private readonly label: (name: string | undefined) => string = () => REDACTED) {}

  /** Remember a secret; very short values (< 3 chars) are ignored, they would mangle all output. */
  add(value: unknown, name?: string): void {
    if (typeof value === 'number') value = String(value);
    if (value && typeof value === 'object') {
      for (const x of Object.values(value as Record<string, unknown>)) this.add(x, name);
      return;
    }
    if (typeof value !== 'string' || value.length < 3) return;
    if (this.known.has(value)) return;
    this.known.add(value);
    const rep = this.label(name);
    for (const f of secretForms(value)) if (!this.forms.some(([g]) => g === f)) this.forms.push([f, rep]);
    this.forms.sort((a, b) => b[0].length - a[0].length);
  }

  get size(): number {
    return this.known.size;
  }

  /** Does the text contain any known secret, in any form? */
  contains(s: string): boolean {
    return this.forms.some(([f]) => s.includes(f));
  }

  text(s: string): string {
    if (!this.forms.length) return s;
    let out = s;
    for (const [f, rep] of this.forms) if (out.includes(f)) out = out.split(f).join(rep);
    return out;
  }

  /** A redacted deep copy (strings replaced; other scalars kept). */
  value<T>(v: T): T {
    if (!this.forms.length) return v;
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
