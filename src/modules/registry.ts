import type { Module } from './module.js';
import { genericModules } from './generic.js';
import { etcdModules } from './etcd/index.js';

/**
 * The explicit module registry: every module is listed here through the two index files
 * (generic.ts and etcd/index.ts). No filesystem scanning.
 */
const ALL: Module<any>[] = [...genericModules, ...etcdModules];
const BY_NAME = new Map<string, Module<any>>();
for (const m of ALL) {
  for (const n of [m.name, ...(m.aliases ?? [])]) {
    if (BY_NAME.has(n)) throw new Error(`module name registered twice: ${n}`);
    BY_NAME.set(n, m);
  }
}

export function getModule(name: string): Module<any> | undefined {
  return BY_NAME.get(name);
}

/** Every module, generic first, in registration order. */
export function listModules(): Module<any>[] {
  return ALL;
}

/** Every name a module answers to (for "did you mean" hints). */
export function moduleNames(): string[] {
  return [...BY_NAME.keys()];
}
