/** Options and flags shared by `run` and `adhoc`: the common option table, forks, lists, connection flags. */
import type { ConnectOptions } from '../connection/factory.js';
import { hostKeyCheckingFrom } from '../connection/settings.js';
import { ValidationError } from '../errors.js';
import { readSecret } from './prompt.js';

/** Options shared by run and adhoc. */
export const COMMON_OPTIONS = {
  inventory: { type: 'string', short: 'i', multiple: true },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  check: { type: 'boolean', short: 'C' },
  diff: { type: 'boolean', short: 'D' },
  forks: { type: 'string', short: 'f' },
  limit: { type: 'string', short: 'l' },
  become: { type: 'boolean', short: 'b' },
  'ask-become-pass': { type: 'boolean', short: 'K' },
  'ask-pass': { type: 'boolean', short: 'k' },
  'host-key-checking': { type: 'string' },
  json: { type: 'boolean' },
  plain: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  'run-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;



export function parseForks(v: unknown): number {
  if (v === undefined) return 10;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ValidationError(`--forks must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export function splitList(values: string[] | string | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const arr = Array.isArray(values) ? values : [values];
  const out = arr.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

export interface ConnectFlags {
  'ask-become-pass'?: boolean;
  'ask-pass'?: boolean;
  'host-key-checking'?: string;
}

export async function connectOptions(v: ConnectFlags): Promise<ConnectOptions> {
  const hkc = v['host-key-checking'] === undefined ? 'strict' : hostKeyCheckingFrom(v['host-key-checking']);
  if (!hkc) throw new ValidationError(`--host-key-checking must be strict, accept-new or off, got ${JSON.stringify(v['host-key-checking'])}`);
  const opts: ConnectOptions = {
    hostKeyChecking: hkc,
    ...(v['host-key-checking'] !== undefined ? { hostKeyCheckingExplicit: true } : {}),
    promptPassphrase: (keyFile) => readSecret(`Passphrase for ${keyFile}: `),
  };
  if (v['ask-pass']) opts.password = await readSecret('SSH password: ');
  if (v['ask-become-pass']) opts.becomePassword = await readSecret('BECOME password: ');
  return opts;
}

/** Load inventories (diagnostics printed; errors throw ValidationError -> exit 2). */
