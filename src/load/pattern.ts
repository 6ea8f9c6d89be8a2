import { readFileSync } from 'node:fs';
import type { Inventory } from '../model/inventory.js';
import { groupHosts, listedHosts } from './inventory-build.js';

/**
 * Ansible host patterns. Terms are separated by ',' (or ':' when there is no ','):
 *   all, *          every host
 *   etcd            a group (with its child groups) or a host
 *   etcd*, db?.x    globs over host and group names
 *   ~etcd[0-9]+     a regular expression (matched from the start of the name)
 *   etcd[0], etcd[1:2], etcd[-1]   subscripts into a group's hosts
 *   a:&b            intersection; a:!b  exclusion (applied after all unions, as Ansible does)
 * The result is in inventory order. `unmatched` lists the terms that matched nothing.
 */
export function matchHosts(inv: Inventory, pattern: string): { hosts: string[]; unmatched: string[] } {
  const terms = splitPattern(pattern);
  const unmatched: string[] = [];
  let union = new Set<string>();
  const inter: Set<string>[] = [];
  const excl: Set<string>[] = [];
  let sawPositive = false;
  for (const raw of terms) {
    let t = raw;
    let op: '' | '&' | '!' = '';
    if (t.startsWith('&') || t.startsWith('!')) {
      op = t[0] as '&' | '!';
      t = t.slice(1);
    }
    const hosts = matchTerm(inv, t);
    if (!hosts.length && op !== '!') unmatched.push(raw);
    if (op === '&') inter.push(new Set(hosts));
    else if (op === '!') excl.push(new Set(hosts));
    else {
      sawPositive = true;
      for (const h of hosts) union.add(h);
    }
  }
  // 'a:&b' / '!b' alone: Ansible starts from all hosts when there is no plain term.
  if (!sawPositive && (inter.length || excl.length)) union = new Set(listedHosts(inv));
  for (const s of inter) union = new Set([...union].filter((h) => s.has(h)));
  for (const s of excl) for (const h of s) union.delete(h);
  const hosts = [...inv.hosts.keys()].filter((h) => union.has(h));
  return { hosts, unmatched };
}

/** Split a pattern into terms, keeping `[1:3]` subscripts and ranges whole. */
export function splitPattern(pattern: string): string[] {
  const p = pattern.trim();
  if (!p) return [];
  if (p.includes(',')) return p.split(',').map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of p) {
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (c === ':' && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function matchTerm(inv: Inventory, term: string): string[] {
  if (term === 'all' || term === '*') return listedHosts(inv);
  // Subscript: group[0], group[1:3], group[-1], group[2:].
  const sub = /^(.+?)\[(-?\d+)?(?:(:)(-?\d+)?)?\]$/.exec(term);
  if (sub && (inv.groups.has(sub[1]!) || inv.hosts.has(sub[1]!)) && (sub[2] !== undefined || sub[3])) {
    const base = matchTerm(inv, sub[1]!);
    const norm = (n: number) => (n < 0 ? base.length + n : n);
    if (!sub[3]) {
      const h = base[norm(Number(sub[2]))];
      return h ? [h] : [];
    }
    const start = sub[2] === undefined ? 0 : norm(Number(sub[2]));
    const end = sub[4] === undefined ? base.length - 1 : norm(Number(sub[4]));
    return base.slice(start, end + 1);
  }
  if (term.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${term.slice(1)})`);
    } catch {
      return [];
    }
    return collect(inv, (n) => re.test(n));
  }
  const exact = new Set<string>();
  if (inv.hosts.has(term)) exact.add(term);
  if (inv.groups.has(term)) for (const h of groupHosts(inv, term)) exact.add(h);
  if (exact.size) return [...inv.hosts.keys()].filter((h) => exact.has(h));
  if (/[*?[]/.test(term)) {
    const re = globToRegExp(term);
    return collect(inv, (n) => re.test(n));
  }
  return [];
}

function collect(inv: Inventory, test: (name: string) => boolean): string[] {
  const set = new Set<string>();
  for (const g of inv.groups.keys()) if (test(g)) for (const h of groupHosts(inv, g)) set.add(h);
  for (const h of listedHosts(inv)) if (test(h)) set.add(h);
  return [...inv.hosts.keys()].filter((h) => set.has(h));
}

/**
 * `--limit`: keep the hosts that also match `limit`. `@file` reads host names (one per line,
 * as Ansible's .retry files) from a file; several limits can be joined with ','.
 */
export function applyLimit(inv: Inventory, hosts: string[], limit: string | undefined): { hosts: string[]; unmatched: string[] } {
  if (limit === undefined || limit.trim() === '') return { hosts, unmatched: [] };
  const parts = limit.split(',').map((s) => s.trim()).filter(Boolean);
  const resolved: string[] = [];
  for (const p of parts) {
    if (p.startsWith('@')) {
      const names = readFileSync(p.slice(1), 'utf8').split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
      resolved.push(...names);
    } else resolved.push(p);
  }
  const m = matchHosts(inv, resolved.join(','));
  // In a ',' list, '!x' and '&x' still apply to the union of the others.
  const allowed = new Set(m.hosts);
  return { hosts: hosts.filter((h) => allowed.has(h)), unmatched: m.unmatched };
}
