/**
 * Variables of one host at one task, with Ansible's precedence (lowest first):
 *   role defaults < inventory (all < parent groups < child groups < host) < play vars < vars_files
 *   < role vars < facts (set_fact, gathered) < registered results
 *   < task (and enclosing block, include and role parameter) vars < -e
 * plus the magic variables (inventory_hostname, groups, group_names, hostvars, play_hosts,
 * ansible_play_hosts, ansible_play_batch, playbook_dir, ansible_check_mode).
 *
 * Values that contain templates are rendered lazily, on first read, against the same merged
 * variables (so `etcd_url: "https://{{ etcd_address }}:2379"` works at any level); a variable
 * that refers to itself is an error.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Inventory } from '../model/inventory.js';
import type { Play, Task } from '../model/playbook.js';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { inventoryHostVars } from '../load/hostvars.js';
import { loadVarsFile } from '../load/varsfile.js';
import { TemplateError } from '../template/errors.js';
import { hasTemplate, renderDeep, renderString } from '../template/render.js';

export interface VarsForArgs {
  inv: Inventory;
  host: string;
  play: Play;
  task?: Task;
  extraVars: Vars;
  facts?: Record<string, unknown>;
  registered?: Vars;
  playHosts?: string[];
  /** Hosts of the current serial batch (ansible_play_batch). */
  batch?: string[];
  check?: boolean;
  /** Facts of every host, so hostvars[h] shows them. */
  hostFacts?: Record<string, Record<string, unknown>>;
  /** Internal: the hostvars object shared by the hosts of one varsFor call. */
  hostvars?: Record<string, Vars>;
}

/**
 * hostvars: each host's variables computed on first access (a Proxy, so big inventories cost
 * nothing up front). Every host's vars share this one object, so hostvars.a.hostvars is hostvars.
 */
/**
 * A hostvars object to share between many varsFor calls (pass it as `hostvars`): the planner
 * keeps one per play and batch while no fact changes, so each host's variables are computed once
 * instead of once per task and host. hostvars[h] is h's variables without task vars.
 */
export function sharedHostvars(a: Omit<VarsForArgs, 'host' | 'task' | 'registered' | 'facts' | 'hostvars'>): Record<string, Vars> {
  return makeHostvars({ ...a, host: '\0none' }, () => ({}));
}

function makeHostvars(a: VarsForArgs, root: () => Vars): Record<string, Vars> {
  const memo = new Map<string, Vars>();
  let proxy: Record<string, Vars> = {};
  const of = (h: string): Vars | undefined => {
    if (h === a.host) return root();
    if (!a.inv.hosts.has(h)) return undefined;
    let v = memo.get(h);
    if (!v) memo.set(h, (v = varsFor({ ...a, host: h, task: undefined, registered: undefined, facts: a.hostFacts?.[h], hostvars: proxy })));
    return v;
  };
  proxy = new Proxy({} as Record<string, Vars>, {
    get: (_t, k) => (typeof k === 'string' ? of(k) : undefined),
    has: (_t, k) => typeof k === 'string' && a.inv.hosts.has(k),
    ownKeys: () => [...a.inv.hosts.keys()],
    getOwnPropertyDescriptor: (_t, k) => {
      if (typeof k !== 'string' || !a.inv.hosts.has(k)) return undefined;
      return { value: of(k), enumerable: true, configurable: true, writable: false };
    },
  });
  return proxy;
}

const invCache = new WeakMap<Inventory, Map<string, Vars>>();

/** inventoryHostVars, memoised per inventory object (inventories are not mutated after loading). */
export function cachedInventoryVars(inv: Inventory, host: string): Vars {
  let m = invCache.get(inv);
  if (!m) invCache.set(inv, (m = new Map()));
  let v = m.get(host);
  if (!v) m.set(host, (v = inventoryHostVars(inv, host)));
  return v;
}

const varsFileCache = new Map<string, { vars: Vars; diagnostics: Diagnostic[] }>();

export function loadVarsFileCached(path: string): { vars: Vars; diagnostics: Diagnostic[] } {
  let r = varsFileCache.get(path);
  if (!r) varsFileCache.set(path, (r = loadVarsFile(path)));
  return r;
}

export function playbookDirOf(play: Play): string {
  return resolve(dirname(play.pos.file));
}

/**
 * The vars_files of a play for one host: each entry rendered (it may use inventory vars and -e),
 * resolved relative to the playbook, loaded once per process.
 */
export function playVarsFiles(play: Play, base: Vars): { path: string; vars: Vars; diagnostics: Diagnostic[]; error?: string }[] {
  const out: { path: string; vars: Vars; diagnostics: Diagnostic[]; error?: string }[] = [];
  for (const entry of play.varsFiles) {
    let name = entry;
    try {
      name = renderString(entry, base);
    } catch (err) {
      out.push({ path: entry, vars: {}, diagnostics: [], error: (err as Error).message });
      continue;
    }
    const path = isAbsolute(name) ? name : join(playbookDirOf(play), name);
    const r = loadVarsFileCached(path);
    out.push({ path, vars: r.vars, diagnostics: r.diagnostics });
  }
  return out;
}

/**
 * Build a lazy variables object from raw layers (lowest precedence first) and fixed values that
 * are never templated (magic variables). Layers listed in `untemplated` (indexes) hold data that
 * must never be rendered again — registered results and facts (a command's output may well
 * contain `{{`): Ansible calls such values unsafe.
 */
export function lazyVars(layers: Vars[], fixed: Vars = {}, untemplated: ReadonlySet<number> = new Set()): Vars {
  const raw: Vars = {};
  const isData = new Set<string>();
  layers.forEach((l, i) => {
    for (const [k, v] of Object.entries(l)) {
      raw[k] = v;
      if (untemplated.has(i)) isData.add(k);
      else isData.delete(k);
    }
  });
  const out: Vars = {};
  const resolving = new Set<string>();
  for (const [k, v] of Object.entries(raw)) {
    if (k in fixed) continue;
    if (isData.has(k) || !hasTemplate(v)) {
      out[k] = v;
      continue;
    }
    let done = false;
    let value: unknown;
    Object.defineProperty(out, k, {
      enumerable: true,
      configurable: true,
      get() {
        if (done) return value;
        if (resolving.has(k)) throw new TemplateError(`variable '${k}' refers to itself (through ${[...resolving].join(' -> ')})`, String(v));
        resolving.add(k);
        try {
          value = renderDeep(v, out);
          done = true;
        } finally {
          resolving.delete(k);
        }
        return value;
      },
    });
  }
  for (const [k, v] of Object.entries(fixed)) out[k] = v;
  return out;
}

/** Copy a lazy vars object (getters kept, not called) and add `extra` on top. */
export function withVars(vars: Vars, extra: Vars): Vars {
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(vars)) as Vars;
  for (const [k, v] of Object.entries(extra)) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  return out;
}

const MAGIC_FROM_INVENTORY = ['inventory_hostname', 'inventory_hostname_short', 'group_names', 'groups', 'inventory_file', 'inventory_dir'];

export function varsFor(a: VarsForArgs): Vars {
  const inv = cachedInventoryVars(a.inv, a.host);
  const invLayer: Vars = {};
  const fixed: Vars = {};
  for (const [k, v] of Object.entries(inv)) {
    if (MAGIC_FROM_INVENTORY.includes(k)) fixed[k] = v;
    else invLayer[k] = v;
  }
  const base = lazyVars([invLayer, a.play.vars, a.extraVars], fixed);
  const files = playVarsFiles(a.play, base).map((f) => f.vars);
  const playHosts = a.playHosts ?? [];
  fixed.play_hosts = playHosts;
  fixed.ansible_play_hosts = playHosts;
  fixed.ansible_play_hosts_all = playHosts;
  fixed.ansible_play_batch = a.batch ?? playHosts;
  fixed.playbook_dir = playbookDirOf(a.play);
  fixed.ansible_check_mode = a.check ?? false;
  fixed.ansible_play_name = a.play.name;
  let out: Vars = {};
  const hostvars = a.hostvars ?? makeHostvars(a, () => out);
  fixed.hostvars = hostvars;
  // A role's tasks: its defaults lowest of all, its vars above play vars and vars_files (src/load/roles.ts).
  const role = a.task?.role;
  if (role) Object.assign(fixed, { role_name: role.name, role_path: role.dir });
  const layers = [role?.defaults ?? {}, invLayer, a.play.vars, ...files, role?.vars ?? {}, a.facts ?? {}, a.registered ?? {}, a.task?.vars ?? {}, a.extraVars];
  const data = new Set([4 + files.length, 5 + files.length]);
  out = lazyVars(layers, fixed, data);
  return out;
}
