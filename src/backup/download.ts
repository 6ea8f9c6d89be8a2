/**
 * A backup from S3 to a workstation directory: the manifest first (no manifest: not a backup),
 * then the snapshot streamed into a temporary name, hashed on the way, and renamed into place only
 * when its sha256 and size are the manifest's. A copy already there with the right sha256 is kept.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parseManifest, sumsOf, tempName, writeAtomic, type BackupManifest } from './local.js';
import type { S3Client } from './s3.js';
import type { TransferHooks } from './upload.js';

export interface DownloadResult {
  file: string;
  url: string;
  bytes: number;
  sha256: string;
  revision: number;
  manifest: BackupManifest;
  changed: boolean;
}

export async function downloadBackup(client: S3Client, key: string, dir: string, hooks: TransferHooks = {}): Promise<DownloadResult> {
  const url = client.url(key);
  const raw = await client.getSmall(`${key}.json`, 1024 * 1024, hooks.signal);
  if (!raw) {
    const obj = await client.head(key, hooks.signal);
    throw new Error(obj ? `${url} has no manifest ${url}.json: an incomplete upload, not a backup` : `${url} not found (nor its manifest)`);
  }
  const manifest = parseManifest(raw.toString('utf8'), `${url}.json`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, posix.basename(key));
  const result = { file, url, bytes: manifest.size, sha256: manifest.sha256, revision: manifest.revision, manifest };
  const have = await sumsOf(file).catch(() => undefined);
  if (have?.sha256 === manifest.sha256) {
    await writeAtomic(`${file}.json`, raw);
    return { ...result, changed: false };
  }
  const tmp = tempName(file);
  try {
    const h = createHash('sha256');
    let n = 0;
    const info = await client.get(key, createWriteStream(tmp, { mode: 0o600 }), (b) => {
      h.update(b);
      hooks.onProgress?.((n += b.length), manifest.size);
    }, hooks.signal);
    if (!info) throw new Error(`${url} not found, though its manifest is there`);
    const got = h.digest('hex');
    if (got !== manifest.sha256 || n !== manifest.size) {
      throw new Error(`${url} has sha256 ${got} (${n} bytes), its manifest says ${manifest.sha256} (${manifest.size} bytes): the object is damaged; nothing was restored`);
    }
    await rename(tmp, file);
    await writeAtomic(`${file}.json`, raw);
    return { ...result, changed: true };
  } finally {
    await rm(tmp, { force: true });
  }
}
