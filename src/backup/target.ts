/**
 * Where a backup goes in S3 and with which credentials: `s3://bucket/prefix/name`, the endpoint and
 * region (step args, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and AWS_REGION /
 * AWS_DEFAULT_REGION), and the credentials (the variables aws_access_key_id, aws_secret_access_key,
 * aws_session_token, else the AWS_* environment variables). The credentials are secrets: they are
 * registered for redaction before first use (src/template/secret.ts lists the names).
 */
import { ValidationError } from '../errors.js';
import type { Vars } from '../model/vars.js';
import type { Credentials } from './sigv4.js';
import { S3Client } from './s3.js';

export interface S3Location {
  bucket: string;
  /** The key (no leading slash); for a prefix, '' or ending in '/'. */
  key: string;
}

/** `s3://bucket/some/key` -> { bucket, key }. Throws on anything else. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new ValidationError(`not an S3 URL (s3://bucket/key, bucket of 3-63 lower-case letters, digits, dots, hyphens): ${JSON.stringify(url)}`);
  const key = m[2] ?? '';
  if (key.split('/').some((p) => p === '..' || p === '.')) throw new ValidationError(`S3 key with . or .. parts: ${JSON.stringify(url)}`);
  return { bucket: m[1]!, key };
}

/** The object key of `name` under a prefix URL (`s3://b/p` and `s3://b/p/` both mean the folder p). */
export function keyUnder(prefix: string, name: string): string {
  return prefix === '' || prefix.endsWith('/') ? `${prefix}${name}` : `${prefix}/${name}`;
}

export interface S3Settings {
  endpoint?: string;
  region?: string;
}

/** Variables (then environment variables) that hold the credentials. */
export const CREDENTIAL_SOURCES = [
  ['aws_access_key_id', 'AWS_ACCESS_KEY_ID'],
  ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY'],
  ['aws_session_token', 'AWS_SESSION_TOKEN'],
] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** The credentials from the host's variables, else the environment. `register` sees every value first. */
export function credentialsOf(vars: Vars, env: NodeJS.ProcessEnv, register: (secret: string) => void): Credentials {
  const read = (k: string): unknown => {
    try {
      return vars[k];
    } catch {
      return undefined;
    }
  };
  const [id, secret, token] = CREDENTIAL_SOURCES.map(([v, e]) => str(read(v)) ?? str(env[e]));
  for (const s of [id, secret, token]) if (s) register(s);
  if (!id || !secret) {
    throw new Error('no S3 credentials: set the variables aws_access_key_id and aws_secret_access_key (e.g. --secret-var, or a vars file), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment');
  }
  return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
}

/** A client for the bucket of `loc`. */
export function clientFor(loc: S3Location, s: S3Settings, credentials: Credentials, env: NodeJS.ProcessEnv): S3Client {
  const region = s.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = s.endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || `https://s3.${region}.amazonaws.com`;
  return new S3Client({ endpoint, region, bucket: loc.bucket, credentials });
}
