import { fileURLToPath } from 'node:url';

/** Defined (true) only inside dist/etcdplay.mjs, by scripts/bundle.mjs. */
declare const ETCDPLAY_BUNDLED: boolean | undefined;

/** True when running from the one-file bundle, whose import.meta.url is dist/etcdplay.mjs. */
export const BUNDLED = typeof ETCDPLAY_BUNDLED !== 'undefined' && ETCDPLAY_BUNDLED === true;

/**
 * A path relative to the load/ directory (src/load under tsx, dist/load compiled), given the
 * caller's import.meta.url: from the bundle, one level down first.
 */
export function loadDirPath(rel: string, metaUrl: string): string {
  return fileURLToPath(new URL(BUNDLED ? `load/${rel}` : rel, metaUrl));
}
