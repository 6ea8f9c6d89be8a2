/**
 * A small S3 client over node:http(s), path-style (endpoint/bucket/key: AWS, MinIO, Ceph RGW,
 * s3rver), signed with our SigV4 (sigv4.ts). Only what backups need: HEAD, GET (streamed), PUT
 * (streamed, with Content-MD5 and the body's sha256 signed), DELETE. Errors name the operation,
 * the s3:// URL and the server's error code, never a credential or a signed header.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable, Writable } from 'node:stream';
import { EMPTY_SHA256, signRequest, uriEncode, type Credentials } from './sigv4.js';

export interface S3Config {
  /** http(s)://host[:port] (AWS default: https://s3.REGION.amazonaws.com). */
  endpoint: string;
  region: string;
  bucket: string;
  credentials: Credentials;
  /** Idle socket timeout (default 60 s). */
  timeoutMs?: number;
}

export interface ObjectInfo {
  size: number;
  /** The ETag without quotes (the MD5 hex of a single-part upload). */
  etag: string;
  meta: Record<string, string>;
}

/** An error from the S3 server or the way to it. `code`: the server's error code, or the socket's. */
export class S3Error extends Error {
  constructor(message: string, readonly code: string, readonly status?: number) {
    super(message);
  }
}

/** What an S3 error code means for the operator (credentials first: the commonest mistake). */
function hint(code: string): string {
  if (/^(InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|InvalidToken|ExpiredToken|AuthorizationHeaderMalformed)$/.test(code)) {
    return ': the server refused the credentials (check aws_access_key_id/aws_secret_access_key/aws_session_token or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, and the region)';
  }
  if (code === 'NoSuchBucket') return ': the bucket does not exist';
  return '';
}

const xmlField = (xml: string, tag: string): string => (new RegExp(`<${tag}>([^<]{0,300})</${tag}>`).exec(xml)?.[1] ?? '').trim();

export class S3Client {
  private readonly base: URL;
  constructor(private readonly cfg: S3Config) {
    this.base = new URL(cfg.endpoint);
    if (!/^https?:$/.test(this.base.protocol)) throw new S3Error(`S3 endpoint must be http(s)://host[:port], not ${JSON.stringify(cfg.endpoint)}`, 'BadEndpoint');
  }

  get bucket(): string {
    return this.cfg.bucket;
  }

  url(key: string): string {
    return `s3://${this.cfg.bucket}/${key}`;
  }

  /** Size, ETag and x-amz-meta-* of an object, or undefined when there is none. */
  async head(key: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const res = await this.request('HEAD', key, { signal });
    res.resume();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw new S3Error(`HEAD ${this.url(key)}: HTTP ${res.statusCode}${hint(res.statusCode === 403 ? 'AccessDenied' : '')}`, `HTTP${res.statusCode}`, res.statusCode);
    return infoOf(res);
  }

  /** Stream an object into `sink` (chunks also handed to onChunk); undefined when it does not exist. */
  async get(key: string, sink: Writable, onChunk?: (b: Buffer) => void, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const res = await this.request('GET', key, { signal });
    if (res.statusCode === 404) {
      res.resume();
      return undefined;
    }
    await this.check(res, 'GET', key);
    const info = infoOf(res);
    await new Promise<void>((resolve, reject) => {
      res.on('data', (b: Buffer) => onChunk?.(b));
      res.on('error', reject);
      res.on('aborted', () => reject(new S3Error(`GET ${this.url(key)}: the connection was closed mid-object`, 'ECONNRESET')));
      sink.on('error', reject);
      sink.on('finish', resolve);
      res.pipe(sink);
    });
    return info;
  }

  /** A small object (a manifest) in memory, at most `max` bytes; undefined when it does not exist. */
  async getSmall(key: string, max: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    const res = await this.request('GET', key, { signal });
    if (res.statusCode === 404) {
      res.resume();
      return undefined;
    }
    await this.check(res, 'GET', key);
    const body = await readAll(res, max);
    if (!body) throw new S3Error(`GET ${this.url(key)}: larger than ${max} bytes`, 'TooLarge');
    return body;
  }

  /** PUT a body of known size, sha256 (signed: the server checks it) and MD5 (Content-MD5). Returns the ETag. */
  async put(key: string, body: () => Readable, size: number, sums: { sha256: string; md5: Buffer }, meta: Record<string, string> = {}, signal?: AbortSignal): Promise<string> {
    const headers: Record<string, string> = { 'content-length': String(size), 'content-md5': sums.md5.toString('base64'), 'content-type': 'application/octet-stream' };
    for (const [k, v] of Object.entries(meta)) headers[`x-amz-meta-${k}`] = v;
    const res = await this.request('PUT', key, { headers, payloadHash: sums.sha256, body: body(), signal });
    await this.check(res, 'PUT', key);
    res.resume();
    return String(res.headers.etag ?? '').replace(/"/g, '');
  }

  async delete(key: string, signal?: AbortSignal): Promise<void> {
    const res = await this.request('DELETE', key, { signal });
    if (res.statusCode === 404) {
      res.resume();
      return;
    }
    await this.check(res, 'DELETE', key);
    res.resume();
  }

  private async check(res: http.IncomingMessage, op: string, key: string): Promise<void> {
    const s = res.statusCode ?? 0;
    if (s >= 200 && s < 300) return;
    const xml = (await readAll(res, 64 * 1024).catch(() => undefined))?.toString('utf8') ?? '';
    const code = xmlField(xml, 'Code') || `HTTP${s}`;
    const message = xmlField(xml, 'Message');
    throw new S3Error(`${op} ${this.url(key)}: ${code}${message ? ` (${message})` : ''}${hint(code)}`, code, s);
  }

  private request(method: string, key: string, o: { headers?: Record<string, string>; payloadHash?: string; body?: Readable; signal?: AbortSignal }): Promise<http.IncomingMessage> {
    const path = `${this.base.pathname.replace(/\/$/, '')}/${this.cfg.bucket}/${key}`;
    const url = new URL(this.base.origin);
    url.pathname = uriEncode(path, true);
    const headers = signRequest({ method, url, headers: o.headers ?? {}, payloadHash: o.payloadHash ?? EMPTY_SHA256, region: this.cfg.region, credentials: this.cfg.credentials, now: new Date() });
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const fail = (err: Error & { code?: string }): void => {
        const why = o.signal?.aborted ? 'interrupted' : err.message;
        reject(new S3Error(`${method} ${this.url(key)}: ${why}`, o.signal?.aborted ? 'Interrupted' : (err.code ?? 'NetworkError')));
      };
      const req = lib.request(url, { method, headers, signal: o.signal, timeout: this.cfg.timeoutMs ?? 60_000 }, resolve);
      req.on('error', fail);
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer for ${(this.cfg.timeoutMs ?? 60_000) / 1000} s`), { code: 'ETIMEDOUT' })));
      if (o.body) {
        o.body.on('error', (err) => req.destroy(err));
        o.body.pipe(req);
      } else req.end();
    });
  }
}

function infoOf(res: http.IncomingMessage): ObjectInfo {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (k.startsWith('x-amz-meta-') && typeof v === 'string') meta[k.slice(11)] = v;
  return { size: Number(res.headers['content-length'] ?? -1), etag: String(res.headers.etag ?? '').replace(/"/g, ''), meta };
}

/** The whole body, or undefined past `max` bytes (the rest is drained). */
function readAll(res: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    res.on('data', (b: Buffer) => {
      n += b.length;
      if (n > max) over = true;
      else chunks.push(b);
    });
    res.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
