/**
 * A verified local backup (snapshot + manifest) to S3, so that an interrupted or damaged upload
 * never looks like a backup: the snapshot first (its sha256 signed, Content-MD5 sent), read back
 * and hashed, and only then the manifest, which is what makes it a backup (a restore refuses a
 * snapshot without one). An existing backup of the same name is never overwritten; a failed
 * snapshot object is deleted again.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { verifiedLocal, sumsOfBuffer } from './local.js';
import type { S3Client } from './s3.js';

export interface UploadResult {
  url: string;
  manifestUrl: string;
  bytes: number;
  sha256: string;
  revision: number;
  /** false when the same backup was there already. */
  changed: boolean;
}

export interface TransferHooks {
  signal?: AbortSignal;
  onProgress?(bytes: number, total: number): void;
}

/** sha256 of an object as read back from the server. */
export async function readBackSha256(client: S3Client, key: string, signal?: AbortSignal): Promise<{ sha256: string; size: number } | undefined> {
  const h = createHash('sha256');
  let size = 0;
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const info = await client.get(key, sink, (b) => { h.update(b); size += b.length; }, signal);
  return info ? { sha256: h.digest('hex'), size } : undefined;
}

/** Upload `file` and `file.json` to `key` and `key.json`. */
export async function uploadBackup(client: S3Client, file: string, key: string, hooks: TransferHooks = {}): Promise<UploadResult> {
  const { manifest, sums, manifestText } = await verifiedLocal(file);
  const url = client.url(key);
  const mkey = `${key}.json`;
  const result = { url, manifestUrl: client.url(mkey), bytes: sums.size, sha256: sums.sha256, revision: manifest.revision };
  const existing = await client.head(mkey, hooks.signal);
  if (existing) {
    const there = await readBackSha256(client, key, hooks.signal);
    if (there?.sha256 === sums.sha256) return { ...result, changed: false };
    throw new Error(`${client.url(mkey)} already exists for another snapshot: an existing backup is never overwritten (choose another name or prefix)`);
  }
  let written = false;
  try {
    const body = (): Readable => {
      const rs = createReadStream(file);
      let n = 0;
      rs.on('data', (c) => hooks.onProgress?.((n += c.length), sums.size));
      return rs;
    };
    written = true;
    const etag = await client.put(key, body, sums.size, sums, { sha256: sums.sha256, revision: String(manifest.revision) }, hooks.signal);
    if (etag && /^[0-9a-f]{32}$/.test(etag) && etag !== sums.md5.toString('hex')) throw new Error(`the server stored ${url} with ETag ${etag}, the MD5 of what was sent is ${sums.md5.toString('hex')}`);
    const back = await readBackSha256(client, key, hooks.signal);
    if (!back || back.sha256 !== sums.sha256 || back.size !== sums.size) {
      throw new Error(`read back, ${url} has sha256 ${back?.sha256 ?? '(missing)'} (${back?.size ?? 0} bytes), sent ${sums.sha256} (${sums.size} bytes)`);
    }
    const msums = sumsOfBuffer(manifestText);
    await client.put(mkey, () => Readable.from([manifestText]), msums.size, msums, { sha256: sums.sha256 }, hooks.signal);
    return { ...result, changed: true };
  } catch (err) {
    // No manifest was written, so this is not a backup; remove the snapshot object too (best effort).
    if (written) {
      await client.delete(mkey).catch(() => undefined);
      await client.delete(key).catch(() => undefined);
    }
    throw new Error(`upload of ${basename(file)} to ${url} failed, nothing was made a backup (no manifest written; other backups untouched): ${(err as Error).message}`);
  }
}
