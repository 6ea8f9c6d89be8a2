import type { Diagnostic, SourcePos } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { diag } from './diagnostics.js';
import type { InventoryBuilder } from './inventory-build.js';
import { iniValue, parsePyLiteral } from './pyliteral.js';
import { expandHostRange } from './ranges.js';

/**
 * Ansible INI inventories:
 *
 *     etcd0 ansible_host=127.0.1.10       # before any section: ungrouped
 *     [etcd]
 *     etcd[1:3].example.com etcd_name='x y'
 *     [cluster:children]
 *     etcd
 *     [etcd:vars]
 *     etcd_client_port=2379
 *
 * Host lines are split like a POSIX shell (quotes, backslashes, '#' comments); values are typed
 * like Python literals (see pyliteral.ts). `[g:vars]` lines are `key=value` with the value taken
 * as the rest of the line.
 */

interface Tok { text: string; col: number }

/** shlex.split(line, comments=True), with the 1-based column of each word. */
export function shlexSplit(line: string): { tokens: Tok[]; error?: string; errorCol?: number } {
  const tokens: Tok[] = [];
  let cur = '';
  let start = -1;
  let i = 0;
  const push = () => {
    if (start >= 0) tokens.push({ text: cur, col: start + 1 });
    cur = '';
    start = -1;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') { push(); i++; continue; }
    if (c === '#') break;
    if (start < 0) start = i;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { tokens, error: 'unbalanced single quote', errorCol: i + 1 };
      cur += line.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < line.length) {
        const d = line[j]!;
        if (d === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) { cur += line[j + 1]; j += 2; continue; }
        if (d === '"') { closed = true; j++; break; }
        cur += d;
        j++;
      }
      if (!closed) return { tokens, error: 'unbalanced double quote', errorCol: i + 1 };
      i = j;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) { cur += line[i + 1]; i += 2; continue; }
    cur += c;
    i++;
  }
  push();
  return { tokens };
}

const GROUP_NAME_OK = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `host:port` -> name and port (IPv6 addresses and names without a numeric port are left alone). */
export function splitHostPort(pattern: string): { name: string; port?: number } {
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:([0-9]+)$/.exec(pattern);
  if (v6 && v6[1]!.includes(':')) return { name: v6[1]!, port: Number(v6[2]) };
  const m = /^(.+):([0-9]+)$/.exec(pattern);
  // The name may hold ranges ([1:3]) but no other ':' (that would be an IPv6 address).
  if (m && !m[1]!.replace(/\[[^\]]*\]/g, '').includes(':')) return { name: m[1]!, port: Number(m[2]) };
  return { name: pattern };
}

export function parseIniInventory(text: string, file: string, b: InventoryBuilder): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const lines = text.split('\n');
  const at = (line: number, col: number): SourcePos => ({ file, line, col });
  const err = (line: number, col: number, code: string, message: string, hint?: string, severity: 'error' | 'warning' = 'error') =>
    ds.push(diag(code, at(line, col), message, { lines, hint, severity }));

  let group = 'ungrouped';
  let kind: 'hosts' | 'children' | 'vars' = 'hosts';
  const seenSections = new Map<string, number>();
  // Ansible's order of child groups: a child named in [parent:children] before its own section
  // exists is added to the parent when that section appears (or at the end), as ansible-core's
  // INI plugin does with its pending declarations; `--graph` shows children in that order.
  const known = new Set<string>(['all', 'ungrouped']);
  const pending = new Map<string, { parent: string; pos: SourcePos }[]>();
  const flush = (child: string) => {
    for (const p of pending.get(child) ?? []) b.addChild(p.parent, child, p.pos);
    pending.delete(child);
  };

  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const indent = line.length - line.trimStart().length;
    const col0 = indent + 1;

    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(trimmed);
      if (!m) {
        const hint = trimmed.includes(']') ? "nothing but a comment may follow ']'" : "close the section with ']'";
        err(lineNo, col0, 'ini-bad-section', `malformed section header '${trimmed}'`, hint);
        group = '\0invalid';
        return;
      }
      const body = m[1]!.trim();
      const [name, suffix, ...more] = body.split(':');
      if (!name) {
        err(lineNo, col0 + 1, 'ini-bad-section', 'empty group name in section header');
        group = '\0invalid';
        return;
      }
      if (more.length || (suffix !== undefined && suffix !== 'vars' && suffix !== 'children' && suffix !== 'hosts')) {
        err(lineNo, col0 + 1 + name.length, 'ini-bad-section', `invalid section '[${body}]'`, "use '[group]', '[group:children]' or '[group:vars]'");
        group = '\0invalid';
        return;
      }
      if (/\s/.test(name)) {
        err(lineNo, col0 + 1, 'ini-bad-group', `invalid group name '${name}': group names cannot contain spaces`);
        group = '\0invalid';
        return;
      }
      if (!GROUP_NAME_OK.test(name)) {
        err(lineNo, col0 + 1, 'ini-group-name', `group name '${name}' contains characters other than letters, digits and _`, 'templates cannot refer to it as a variable name (groups.NAME); prefer _', 'warning');
      }
      if (name === 'all' && (suffix === 'children' || suffix === undefined || suffix === 'hosts')) {
        // [all] hosts are ungrouped; [all:children] is fine.
      }
      group = name;
      kind = suffix === 'vars' ? 'vars' : suffix === 'children' ? 'children' : 'hosts';
      const key = `${name}:${kind}`;
      if (seenSections.has(key) && kind !== 'hosts') {
        // Ansible merges repeated sections; so do we.
      }
      seenSections.set(key, lineNo);
      b.group(name, at(lineNo, col0 + 1));
      known.add(name);
      if (kind !== 'vars') flush(name);
      return;
    }

    if (group === '\0invalid') return; // lines of a broken section: already reported once

    if (kind === 'vars') {
      const eq = trimmed.indexOf('=');
      if (eq < 0) {
        err(lineNo, col0, 'ini-bad-var', `expected 'key=value' in [${group}:vars], got '${trimmed}'`);
        return;
      }
      const key = trimmed.slice(0, eq).trim();
      const value = trimmed.slice(eq + 1).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        err(lineNo, col0, 'ini-bad-var', `invalid variable name '${key}'`, 'use letters, digits and _ only, not starting with a digit');
        return;
      }
      if (/\s#/.test(value) && !parsePyLiteral(value).ok) {
        err(lineNo, col0 + eq + 1 + (trimmed.slice(eq + 1).length - trimmed.slice(eq + 1).trimStart().length) + value.search(/\s#/) + 1, 'ini-inline-comment',
          `'#' is part of the value of '${key}' in a [group:vars] section`, 'Ansible keeps the text after # in vars sections: move the comment to its own line', 'warning');
      }
      b.groupVars(group, { [key]: iniValue(value) });
      return;
    }

    const split = shlexSplit(line);
    if (split.error) {
      err(lineNo, split.errorCol ?? col0, 'ini-bad-quote', `${split.error} in inventory line`);
      return;
    }
    const toks = split.tokens;
    if (!toks.length) return;

    if (kind === 'children') {
      const child = toks[0]!.text;
      if (toks.length > 1) {
        err(lineNo, toks[1]!.col, 'ini-bad-child', `unexpected '${toks[1]!.text}' after child group '${child}'`, `[${group}:children] lists one group name per line`);
        return;
      }
      if (/[[\]]/.test(child)) {
        err(lineNo, toks[0]!.col, 'ini-bad-child', `invalid child group name '${child}'`, 'host ranges are not allowed in [group:children]');
        return;
      }
      if (child === group) {
        err(lineNo, toks[0]!.col, 'group-cycle', `group '${group}' cannot be its own child`);
        return;
      }
      if (known.has(child)) b.addChild(group, child, at(lineNo, toks[0]!.col));
      else pending.set(child, [...(pending.get(child) ?? []), { parent: group, pos: at(lineNo, toks[0]!.col) }]);
      return;
    }

    // A host line.
    const first = toks[0]!;
    const vars: Vars = {};
    let ok = true;
    toks.slice(1).forEach((t, k) => {
      const eq = t.text.indexOf('=');
      if (eq <= 0) {
        const afterVar = k > 0 && toks[k]!.text.includes('=');
        err(lineNo, t.col, 'ini-bad-hostvar', `expected key=value host variable, got '${t.text}'`,
          afterVar ? `quote values that contain spaces, e.g. ${toks[k]!.text.replace('=', "='")} ${t.text}'` : `host variables are written key=value after the host name`);
        ok = false;
        return;
      }
      const key = t.text.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        err(lineNo, t.col, 'ini-bad-hostvar', `invalid variable name '${key}'`, 'use letters, digits and _ only, not starting with a digit');
        ok = false;
        return;
      }
      vars[key] = iniValue(t.text.slice(eq + 1));
    });
    if (first.text.includes('=')) {
      err(lineNo, first.col, 'ini-bad-host', `expected a host name, got '${first.text}'`, `variables belong after a host name, or in a [${group === 'ungrouped' ? 'group' : group}:vars] section`);
      return;
    }
    const { name: pattern, port } = splitHostPort(first.text);
    if (port !== undefined && vars.ansible_port === undefined) vars.ansible_port = port;
    const r = expandHostRange(pattern);
    if (r.error) {
      err(lineNo, first.col + (r.at ?? 0), 'ini-bad-range', r.error);
      return;
    }
    if (!ok) return;
    for (const name of r.names) {
      b.host(name, vars, at(lineNo, first.col));
      b.addHostToGroup(name, group === 'all' ? 'ungrouped' : group);
    }
  });
  for (const child of [...pending.keys()]) flush(child);
  return ds;
}
