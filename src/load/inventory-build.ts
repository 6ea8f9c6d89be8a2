import type { Group, Host, Inventory } from '../model/inventory.js';
import type { Diagnostic, SourcePos } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { diag } from './diagnostics.js';

/**
 * Builds an Inventory from one or more sources, then `finalize` works out membership: every host's
 * groups (through children, plus 'all'), 'ungrouped', the children of 'all', and cycles.
 */
export class InventoryBuilder {
  readonly inv: Inventory = { hosts: new Map(), groups: new Map(), sources: [] };
  readonly diagnostics: Diagnostic[] = [];

  constructor() {
    this.group('all');
    this.group('ungrouped');
  }

  group(name: string, pos?: SourcePos): Group {
    let g = this.inv.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: {} };
      if (pos) g.pos = pos;
      this.inv.groups.set(name, g);
    } else if (!g.pos && pos) {
      g.pos = pos;
    }
    return g;
  }

  /** Add (or find) a host; later vars win over earlier ones. */
  host(name: string, vars: Vars = {}, pos?: SourcePos): Host {
    let h = this.inv.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, groups: [] };
      if (pos) h.pos = pos;
      this.inv.hosts.set(name, h);
    }
    Object.assign(h.vars, vars);
    return h;
  }

  addHostToGroup(host: string, group: string, pos?: SourcePos): void {
    const g = this.group(group, pos);
    if (!g.hosts.includes(host)) g.hosts.push(host);
  }

  addChild(parent: string, child: string, pos?: SourcePos): void {
    const p = this.group(parent);
    this.group(child, pos);
    if (!p.children.includes(child)) p.children.push(child);
  }

  groupVars(group: string, vars: Vars, pos?: SourcePos): void {
    Object.assign(this.group(group, pos).vars, vars);
  }

  finalize(): { inventory: Inventory; diagnostics: Diagnostic[] } {
    const { groups, hosts } = this.inv;
    const all = groups.get('all')!;
    const ungrouped = groups.get('ungrouped')!;

    // Break cycles (a group must not be its own ancestor), reporting each once.
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, trail: string[]) => {
      state.set(name, 'visiting');
      const g = groups.get(name)!;
      for (const c of [...g.children]) {
        if (c === 'all') {
          g.children = g.children.filter((x) => x !== c);
          this.diagnostics.push(diag('group-cycle', g.pos ?? { file: this.inv.sources[0] ?? '', line: 1, col: 1 }, `group '${name}' cannot have 'all' as a child`));
          continue;
        }
        const st = state.get(c);
        if (st === 'visiting') {
          g.children = g.children.filter((x) => x !== c);
          const cycle = [...trail.slice(trail.indexOf(c)), name, c].join(' -> ');
          this.diagnostics.push(diag('group-cycle', groups.get(c)!.pos ?? g.pos ?? { file: this.inv.sources[0] ?? '', line: 1, col: 1 }, `group cycle: ${cycle}`));
        } else if (!st) visit(c, [...trail, name]);
      }
      state.set(name, 'done');
    };
    for (const name of groups.keys()) if (!state.get(name)) visit(name, []);

    // 'all' gets every group nobody else claims as a child.
    const claimed = new Set<string>();
    for (const g of groups.values()) if (g.name !== 'all') for (const c of g.children) claimed.add(c);
    for (const g of groups.values()) {
      if (g.name === 'all' || claimed.has(g.name) || all.children.includes(g.name)) continue;
      all.children.push(g.name);
    }
    // ungrouped first, like Ansible.
    all.children = ['ungrouped', ...all.children.filter((c) => c !== 'ungrouped')];
    // Hosts listed directly under 'all' are ungrouped.
    for (const h of all.hosts) if (!ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
    all.hosts = [];

    // Each host's groups: direct groups and their ancestors.
    const parents = new Map<string, string[]>();
    for (const g of groups.values()) for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), g.name]);
    const ancestors = (name: string, acc: Set<string>) => {
      if (acc.has(name)) return;
      acc.add(name);
      for (const p of parents.get(name) ?? []) ancestors(p, acc);
    };
    const direct = new Map<string, Set<string>>();
    for (const g of groups.values()) for (const h of g.hosts) {
      if (!direct.has(h)) direct.set(h, new Set());
      direct.get(h)!.add(g.name);
    }
    for (const h of hosts.values()) {
      const d = direct.get(h.name) ?? new Set<string>();
      const real = [...d].filter((x) => x !== 'ungrouped' && x !== 'all');
      if (real.length === 0 && !ungrouped.hosts.includes(h.name)) ungrouped.hosts.push(h.name);
      if (real.length > 0 && ungrouped.hosts.includes(h.name)) ungrouped.hosts = ungrouped.hosts.filter((x) => x !== h.name);
      const acc = new Set<string>();
      for (const g of real.length ? real : ['ungrouped']) ancestors(g, acc);
      acc.add('all');
      const order = [...groups.keys()];
      h.groups = [...acc].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : order.indexOf(a) - order.indexOf(b)));
    }
    // Keep 'ungrouped' hosts in inventory order.
    const idx = new Map([...hosts.keys()].map((n, i) => [n, i] as const));
    ungrouped.hosts.sort((a, b) => (idx.get(a) ?? 0) - (idx.get(b) ?? 0));

    for (const h of hosts.values()) {
      if (groups.has(h.name) && h.name !== 'all' && h.name !== 'ungrouped') {
        this.diagnostics.push(diag('host-group-clash', h.pos ?? { file: this.inv.sources[0] ?? '', line: 1, col: 1 }, `'${h.name}' is both a host and a group`, { severity: 'warning', hint: 'patterns will match both; rename one of them' }));
      }
    }
    return { inventory: this.inv, diagnostics: this.diagnostics };
  }
}

/** Depth of each group below 'all' (longest path), as Ansible uses for variable precedence. */
export function groupDepths(inv: Inventory): Map<string, number> {
  const depth = new Map<string, number>();
  const walk = (name: string, d: number, seen: Set<string>) => {
    if (seen.has(name)) return;
    if ((depth.get(name) ?? -1) >= d) return;
    depth.set(name, d);
    seen.add(name);
    for (const c of inv.groups.get(name)?.children ?? []) walk(c, d + 1, seen);
    seen.delete(name);
  };
  walk('all', 0, new Set());
  for (const g of inv.groups.keys()) if (!depth.has(g)) depth.set(g, 1);
  return depth;
}

/** Every host of a group, with those of its descendants, in inventory order. */
/** The hosts the inventory lists (all but an implicit localhost, load/localhost.ts), in order. */
export function listedHosts(inv: Inventory): string[] {
  const out: string[] = [];
  for (const [name, h] of inv.hosts) if (!h.implicit) out.push(name);
  return out;
}

export function groupHosts(inv: Inventory, group: string): string[] {
  if (group === 'all') return listedHosts(inv);
  const set = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const g = inv.groups.get(name);
    if (!g) return;
    for (const h of g.hosts) set.add(h);
    for (const c of g.children) walk(c);
  };
  walk(group);
  return [...inv.hosts.keys()].filter((h) => set.has(h));
}
