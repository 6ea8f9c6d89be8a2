/**
 * Host key verification of one hop against known_hosts: match, mismatch, unknown, @revoked, under
 * the hop's checking mode (strict, accept-new, off). ssh2's hostVerifier can only say yes or no,
 * so the reason for a "no" is kept for the handshake's error (hop.ts).
 */
import { UnreachableError } from '../errors.js';
import { appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownHostName, knownKeyTypes, type KnownHostEntry } from './knownhosts.js';
import type { HopSettings } from './settings.js';

const DEFAULT_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algosForKeyType(t: string): string[] {
  return t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
}

/** Ask first for the key types known_hosts already has, so a known host shows a key we can check. */
export function hostKeyAlgorithms(entries: KnownHostEntry[], s: HopSettings): string[] {
  const known = knownKeyTypes(entries, s.hostName, s.port);
  const first = known.flatMap(algosForKeyType).filter((a) => DEFAULT_HOST_KEY_ALGOS.includes(a));
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGOS])];
}

const KEY_LABEL: Record<string, string> = {
  'ssh-ed25519': 'ED25519',
  'ssh-rsa': 'RSA',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
};

export interface HostKeyVerifier {
  /** ssh2's hostVerifier. */
  verify(key: Buffer): boolean;
  /** Why the last key was refused. */
  readonly refusal: UnreachableError | undefined;
}

/**
 * `host` is the inventory name (for messages), `prefix` names the jump ('' for the target);
 * warnings (accepted under off, recorded under accept-new) go to `warn`.
 */
export function hostKeyVerifier(host: string, s: HopSettings, entries: KnownHostEntry[], prefix: string, warn: (m: string) => void): HostKeyVerifier {
  let refusal: UnreachableError | undefined;
  const refuse = (e: UnreachableError): false => {
    refusal = e;
    return false;
  };
  const verify = (key: Buffer): boolean => {
    const verdict = checkHostKey(entries, s.hostName, s.port, key);
    const name = knownHostName(s.hostName, s.port);
    const fp = `${KEY_LABEL[keyTypeOf(key)] ?? keyTypeOf(key)} ${fingerprint(key)}`;
    switch (verdict.status) {
      case 'match':
        return true;
      case 'revoked':
        return refuse(new UnreachableError(host,
          `${prefix}host key ${fp} of ${name} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`,
          undefined, 'the server must be given a new host key'));
      case 'mismatch': {
        const e = verdict.entry;
        const fix = `ssh-keygen -R '${name}' -f ${e.file}`;
        const msg = `${prefix}host key for ${name} does not match ${e.file}:${e.line} (server sent ${fp}); if the host was legitimately re-keyed, remove the old entry with: ${fix}`;
        if (s.hostKeyChecking === 'off') {
          warn(`${host}: ${msg} (accepted: host key checking is off)`);
          return true;
        }
        return refuse(new UnreachableError(host, msg, undefined, fix));
      }
      case 'unknown': {
        if (s.hostKeyChecking === 'accept-new') {
          try {
            appendKnownHost(s.knownHostsWriteFile, s.hostName, s.port, key);
            warn(`${host}: added ${fp} for ${name} to ${s.knownHostsWriteFile}`);
          } catch (err) {
            return refuse(new UnreachableError(host, `${prefix}cannot record the host key of ${name} in ${s.knownHostsWriteFile}: ${(err as Error).message}`));
          }
          return true;
        }
        if (s.hostKeyChecking === 'off') {
          warn(`${host}: ${prefix}unknown host key ${fp} for ${name} accepted without checking (host key checking is off)`);
          return true;
        }
        const files = s.knownHostsFiles.join(', ');
        return refuse(new UnreachableError(host,
          `${prefix}host key for ${name} is not known (server sent ${fp}; looked in ${files}); verify it, then add it to ${s.knownHostsWriteFile} or run with --host-key-checking accept-new`,
          undefined, `ssh-keyscan -p ${s.port} ${s.hostName} >> ${s.knownHostsWriteFile}`));
      }
    }
  };
  return { verify, get refusal() { return refusal; } };
}
