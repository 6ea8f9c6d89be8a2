/** What every part of the playbook loader shares: the Loader (source + diagnostics), module lookup, small readers. */
import { expansionSizes, MAX_RENDERED_BYTES, tooLarge } from '../template/limits.js';
import { isMap } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import type { Diagnostic, SourcePos } from '../model/source.js';
import type { Module } from '../modules/module.js';
import { getModule, moduleNames } from '../modules/registry.js';
import { diag } from './diagnostics.js';
import { TASK_KEYWORDS } from './keywords.js';
import { deref, entries, nodePos } from './yamlsrc.js';
import type { Entry, YamlSource } from './yamlsrc.js';


/** Where modules are looked up; the registry by default (tests may pass their own). */
export interface ModuleLookup {
  get(name: string): Module<any> | undefined;
  names(): string[];
}

export interface LoadOptions {
  modules?: ModuleLookup;
  /** import_playbook: the index of the first play of the imported file, and the files importing it. */
  firstPlayIndex?: number;
  importedFrom?: string[];
}

export const registryLookup: ModuleLookup = { get: getModule, names: moduleNames };


export const MODULE_KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
export const TASK_KEYS = new Set<string>(TASK_KEYWORDS);
export const YES_NO = /^(yes|no|on|off|y|n|true|false|True|False|TRUE|FALSE|Yes|No|YES|NO|On|Off|ON|OFF)$/;
export const TEMPLATE = /\{\{|\{%/;

export type Path = (string | number)[];

export class Loader {
  readonly ds: Diagnostic[] = [];
  constructor(readonly src: YamlSource, readonly modules: ModuleLookup) {}

  err(code: string, node: unknown, message: string, hint?: string): void {
    this.ds.push(diag(code, nodePos(this.src, node), message, { lines: this.src.lines, hint }));
  }
  warn(code: string, node: unknown, message: string, hint?: string): void {
    this.ds.push(diag(code, nodePos(this.src, node), message, { lines: this.src.lines, hint, severity: 'warning' }));
  }
  pos(node: unknown): SourcePos {
    return nodePos(this.src, node);
  }
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function strList(v: unknown, splitCommas = false): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
  if (typeof v === 'string') return splitCommas ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v];
  if (typeof v === 'number') return [String(v)];
  return [];
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}


export function mapOf(L: Loader, node: YAMLMap): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const e of entries(L.src, node)) m.set(e.key, e);
  return m;
}

export function valuePos(L: Loader, e: Entry): SourcePos {
  const v = deref(L.src, e.value);
  return v && (v as Node).range ? L.pos(v) : L.pos(e.keyNode);
}


export function expansionCheck(L: Loader, node: unknown, vars: unknown): void {
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return;
  const map = deref(L.src, node);
  if (!isMap(map)) return;
  const sizes = expansionSizes(vars as Record<string, unknown>);
  for (const e of entries(L.src, map)) {
    const n = sizes.get(e.key) ?? 0;
    if (n > MAX_RENDERED_BYTES) L.err('template-too-large', e.keyNode ?? e.pair, tooLarge(n, `variable '${e.key}' rendered`), 'a variable may hold at most 1 MiB once its templates are expanded');
  }
}

