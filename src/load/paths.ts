import { fileURLToPath } from 'node:url';

/** Defined (true) only inside dist/etcdplay.mjs, by scripts/bundle.mjs. */
declare const ETCDPLAY_BUNDLED: boolean | undefined;

/** True when running from the one-file bundle, whose import.meta.url is dist/etcdplay.mjs. */
export const BUNDLED = typeof ETCDPLAY_BUNDLED !== 'undefined' && ETCDPLAY_BUNDLED === true;

/**
 * A path relative to a source directory (`dir`: src/<dir> under tsx, dist/<dir> compiled), given
 * the caller's import.meta.url (a file of that directory): from the bundle, one level down first.
 */
export function distDirPath(dir: 'load' | 'report', rel: string, metaUrl: string): string {
  return fileURLToPath(new URL(BUNDLED ? `${dir}/${rel}` : rel, metaUrl));
}

/** A path relative to the load/ directory (see distDirPath). */
export function loadDirPath(rel: string, metaUrl: string): string {
  return distDirPath('load', rel, metaUrl);
}
