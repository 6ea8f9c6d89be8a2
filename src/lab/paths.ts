import { homedir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';

/** Where built artefacts (rootfs, apt repo) are cached: `${ETCDPLAY_CACHE:-~/.cache/etcdplay}`. */
export function cacheDir(): string {
  return process.env.ETCDPLAY_CACHE || join(homedir(), '.cache', 'etcdplay');
}

/** Where running labs live: `${ETCDPLAY_LAB_ROOT:-/run/etcdplay/labs}/<name>`. */
export function labsRoot(): string {
  return process.env.ETCDPLAY_LAB_ROOT || '/run/etcdplay/labs';
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

export function checkLabName(name: string): string {
  if (!NAME.test(name)) {
    throw new ValidationError(`invalid lab name ${JSON.stringify(name)}: use 1-31 lowercase letters, digits or '-', starting with a letter`);
  }
  return name;
}

export function labDir(name: string): string {
  return join(labsRoot(), checkLabName(name));
}
