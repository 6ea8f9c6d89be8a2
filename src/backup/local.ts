/** Backups on the workstation: a snapshot's manifest, its hashes, files written atomically. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** The fields of a snapshot manifest (etcd_snapshot_save's `<file>.json`) that a backup relies on. */
export interface BackupManifest {
  format: string;
  sha256: string;
  size: number;
  revision: number;
  createdAt?: string;
  [k: string]: unknown;
}

/** A manifest from its JSON text, checked for the fields a backup relies on. */
export function parseManifest(text: string, where: string): BackupManifest {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const m = j as Partial<BackupManifest>;
  if (!m || typeof m !== 'object' || m.format !== 'etcdplay-snapshot/1') throw new Error(`${where} is not an etcdplay snapshot manifest (format etcdplay-snapshot/1)`);
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) throw new Error(`${where} has no sha256`);
  if (typeof m.size !== 'number' || typeof m.revision !== 'number') throw new Error(`${where} has no size or revision`);
  return m as BackupManifest;
}

export async function readManifest(path: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the manifest ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseManifest(text, path);
}

export interface Sums {
  sha256: string;
  md5: Buffer;
  size: number;
}

/** sha256, MD5 and size of a file, in one streamed pass. */
export async function sumsOf(path: string): Promise<Sums> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest(), size };
}

export const sumsOfBuffer = (b: Buffer): Sums => ({ sha256: createHash('sha256').update(b).digest('hex'), md5: createHash('md5').update(b).digest(), size: b.length });

/** A temporary name next to `path` (removed on failure by the caller). */
export const tempName = (path: string): string => `${path}.etcdplay-${randomBytes(4).toString('hex')}`;

/** Write a small file through a temporary name (0600). */
export async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The local snapshot and its manifest, the one checked against the other. */
export async function verifiedLocal(file: string): Promise<{ manifest: BackupManifest; sums: Sums; manifestText: Buffer }> {
  const manifestText = await readFile(`${file}.json`).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the manifest ${file}.json: ${err.code ?? err.message}`);
  });
  const manifest = parseManifest(manifestText.toString('utf8'), `${file}.json`);
  const sums = await sumsOf(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${err.code ?? err.message}`);
  });
  if (sums.sha256 !== manifest.sha256 || sums.size !== manifest.size) {
    throw new Error(`${file} does not match its manifest (sha256 ${sums.sha256}, ${sums.size} bytes; the manifest says ${manifest.sha256}, ${manifest.size} bytes): a damaged copy`);
  }
  return { manifest, sums, manifestText };
}
