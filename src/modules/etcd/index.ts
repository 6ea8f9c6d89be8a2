import type { Module } from '../module.js';
import { etcdFactsModule } from './facts.js';

/** The etcd modules, in the order `etcdplay modules` lists them. */
export const etcdModules: Module<any>[] = [etcdFactsModule];
