/**
 * OpenSSH known_hosts files: parsing, matching a host (plain, hashed `|1|salt|hash`, `[host]:port`,
 * comma lists, wildcards and `!negation`), `@revoked` lines, and appending new entries.
 * `@cert-authority` lines are parsed but ignored: host certificates are not supported.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written (patterns, or a hashed `|1|...` entry). */
  hosts: string;
  keyType: string;
  /** The public key blob (base64-decoded). */
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** Known under another key: `entry` is the first conflicting line. */
  | { status: 'mismatch'; entry: KnownHostEntry }
  | { status: 'unknown' };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:<base64 without padding>`, as ssh-keygen -l prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  if (len > 64 || 4 + len > key.length) return '';
  return key.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked') marker = 'revoked';
    else if (fields[0] === '@cert-authority') marker = 'cert-authority';
    else if (fields[0]!.startsWith('@')) continue; // unknown marker: OpenSSH skips the line
    if (marker) fields.shift();
    if (fields.length < 3) continue;
    const [hosts, keyType, b64] = fields as [string, string, string];
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    out.push({ file, line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  }
  return out;
}

export function readKnownHostsFile(file: string): KnownHostEntry[] {
  if (!existsSync(file)) return [];
  return parseKnownHosts(readFileSync(file, 'utf8'), file);
}

/** OpenSSH wildcard match: `*` any run, `?` one character; case-insensitive. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && got.equals(want);
}

/** Does the host field of a known_hosts line match `name` (as built by knownHostName)? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let positive = false;
  for (const pat of field.split(',')) {
    if (!pat) continue;
    if (pat.startsWith('!')) {
      if (wildcardMatch(pat.slice(1), name)) return false;
    } else if (wildcardMatch(pat, name)) {
      positive = true;
    }
  }
  return positive;
}

/** Entries (excluding @cert-authority) that apply to host:port. */
export function entriesFor(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostName(host, port);
  return entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
}

/**
 * Judge a presented host key. Revoked wins over everything; then an exact match; a line for the
 * same host with the same key type but another key is a mismatch; so is a host that is known only
 * under other key types (the server should have offered a known type: we ask for those first).
 */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const type = keyTypeOf(key);
  const mine = entriesFor(entries, host, port);
  // A revoked key is refused for any host: OpenSSH checks @revoked lines by key.
  for (const e of entries) if (e.marker === 'revoked' && e.key.equals(key)) return { status: 'revoked', entry: e };
  const plain = mine.filter((e) => !e.marker);
  const hit = plain.find((e) => e.key.equals(key));
  if (hit) return { status: 'match', entry: hit };
  const sameType = plain.find((e) => keyTypeOf(e.key) === type || e.keyType === type);
  if (sameType) return { status: 'mismatch', entry: sameType };
  if (plain.length) return { status: 'mismatch', entry: plain[0]! };
  return { status: 'unknown' };
}

/** Key types already recorded for host:port, in file order (used to order the host key algorithms). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const types: string[] = [];
  for (const e of entriesFor(entries, host, port)) {
    if (e.marker) continue;
    const t = keyTypeOf(e.key) || e.keyType;
    if (!types.includes(t)) types.push(t);
  }
  return types;
}

/** The known_hosts line for a key (hashed like `HashKnownHosts yes` when `hashed`). */
export function knownHostsLine(host: string, port: number, key: Buffer, hashed = false): string {
  let name = knownHostName(host, port);
  if (hashed) {
    const salt = randomBytes(20);
    name = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${name} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

/** Append a line for host:port to `file`, creating it (0600) and its directory (0700) if missing. */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer, hashed = false): void {
  const line = knownHostsLine(host, port, key, hashed);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    if (text.length && !text.endsWith('\n')) prefix = '\n';
  }
  // O_APPEND (created 0600 if missing): several hosts accepted at once never overwrite each other.
  appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
}
