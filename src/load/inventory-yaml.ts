import { isMap, isScalar } from 'yaml';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { diag, didYouMean } from './diagnostics.js';
import type { InventoryBuilder } from './inventory-build.js';
import { splitHostPort } from './inventory-ini.js';
import { expandHostRange } from './ranges.js';
import { deref, entries, nodePos, parseYamlSource, toJS } from './yamlsrc.js';
import type { YamlSource } from './yamlsrc.js';

/**
 * Ansible YAML (and JSON) inventories:
 *
 *     all:
 *       vars: { etcd_client_port: 2379 }
 *       children:
 *         etcd:
 *           hosts:
 *             etcd[1:3]:
 *               ansible_user: root
 *
 * Every top-level key is a group; a group has `hosts` (a mapping of host -> vars or empty),
 * `vars` and `children` (a mapping of group -> group). Host ranges and `host:port` are accepted.
 */
export function parseYamlInventory(text: string, file: string, b: InventoryBuilder): Diagnostic[] {
  const src = parseYamlSource(text, file);
  const ds: Diagnostic[] = [...src.diagnostics];
  if (ds.some((d) => d.severity === 'error' && d.code !== 'duplicate-key')) return ds;
  const root = deref(src, src.doc.contents);
  const err = (node: unknown, code: string, message: string, hint?: string, severity: 'error' | 'warning' = 'error') =>
    ds.push(diag(code, nodePos(src, node), message, { lines: src.lines, hint, severity }));
  if (root === null || root === undefined || (isScalar(root) && (root.value === null || root.value === ''))) return ds; // empty inventory
  if (!isMap(root)) {
    err(root, 'inv-not-mapping', 'a YAML inventory must be a mapping of group names', "start with 'all:' and put 'hosts:', 'vars:' and 'children:' under it");
    return ds;
  }
  for (const e of entries(src, root)) group(src, b, ds, e.key, e.keyNode, e.value, undefined, err);
  return ds;
}

type Err = (node: unknown, code: string, message: string, hint?: string, severity?: 'error' | 'warning') => void;

function group(src: YamlSource, b: InventoryBuilder, ds: Diagnostic[], name: string, keyNode: unknown, valueNode: unknown, parent: string | undefined, err: Err): void {
  if (/\s/.test(name) || name === '') {
    err(keyNode, 'inv-bad-group', `invalid group name '${name}'`);
    return;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    err(keyNode, 'ini-group-name', `group name '${name}' contains characters other than letters, digits and _`, 'templates cannot refer to it as a variable name (groups.NAME); prefer _', 'warning');
  }
  b.group(name, nodePos(src, keyNode));
  if (parent) {
    if (parent === name) err(keyNode, 'group-cycle', `group '${name}' cannot be its own child`);
    else b.addChild(parent, name, nodePos(src, keyNode));
  }
  const v = deref(src, valueNode);
  if (v === null || v === undefined || (isScalar(v) && v.value === null)) return;
  if (!isMap(v)) {
    err(v, 'inv-bad-group', `group '${name}' must be a mapping with 'hosts', 'vars' or 'children'`);
    return;
  }
  for (const e of entries(src, v)) {
    const val = deref(src, e.value);
    const empty = val === null || val === undefined || (isScalar(val) && val.value === null);
    if (e.key === 'hosts') {
      if (empty) continue;
      if (!isMap(val)) {
        err(val, 'inv-bad-hosts', `'hosts' of group '${name}' must be a mapping of host names`, "write each host as 'name:' on its own line (followed by its vars, if any)");
        continue;
      }
      for (const h of entries(src, val)) {
        const hv = deref(src, h.value);
        let vars: Vars = {};
        if (!(hv === null || hv === undefined || (isScalar(hv) && hv.value === null))) {
          if (!isMap(hv)) {
            err(hv, 'inv-bad-hostvars', `the vars of host '${h.key}' must be a mapping`, isScalar(hv) ? `write '${h.key}:' and the vars indented below it, e.g. 'ansible_host: ${String(hv.value)}'` : undefined);
            continue;
          }
          vars = toJS(src, hv) as Vars;
        }
        const { name: pattern, port } = splitHostPort(h.key);
        if (port !== undefined && vars.ansible_port === undefined) vars = { ...vars, ansible_port: port };
        const r = expandHostRange(pattern);
        if (r.error) {
          err(h.keyNode, 'inv-bad-range', r.error);
          continue;
        }
        for (const n of r.names) {
          b.host(n, vars, nodePos(src, h.keyNode));
          b.addHostToGroup(n, name === 'all' ? 'ungrouped' : name);
        }
      }
    } else if (e.key === 'vars') {
      if (empty) continue;
      if (!isMap(val)) {
        err(val, 'inv-bad-vars', `'vars' of group '${name}' must be a mapping`);
        continue;
      }
      b.groupVars(name, toJS(src, val) as Vars);
    } else if (e.key === 'children') {
      if (empty) continue;
      if (!isMap(val)) {
        err(val, 'inv-bad-children', `'children' of group '${name}' must be a mapping of group names`, "write each child as 'name:' on its own line");
        continue;
      }
      for (const c of entries(src, val)) group(src, b, ds, c.key, c.keyNode, c.value, name, err);
    } else {
      err(e.keyNode, 'inv-unknown-key', `unknown key '${e.key}' in group '${name}'`,
        didYouMean(e.key, ['hosts', 'vars', 'children']) ?? "a group has only 'hosts', 'vars' and 'children' (is this a host? put it under 'hosts:')");
    }
  }
}
