import type { Module } from './module.js';

/** The generic modules, in the order `etcdplay modules` lists them. */
export const genericModules: Module<any>[] = [];
