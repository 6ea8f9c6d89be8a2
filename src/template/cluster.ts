/**
 * The etcd cluster helpers of the filter table: `initial_cluster` and `endpoints`, built from each
 * host's hostvars (etcd_name, etcd_peer_url / etcd_client_url, or etcd_scheme + etcd_address +
 * ports, as the lab inventory sets them).
 */
import type { Vars } from '../model/vars.js';
import { toText } from './values.js';

/** Root variables, read by name (undefined when missing). */
export type RootLookup = (name: string) => unknown;

/** A list of hosts, or a group name (its hosts); undefined for anything else. */
export function hostList(v: unknown, root: RootLookup): string[] | undefined {
  if (Array.isArray(v)) return v.map((x) => toText(x));
  if (typeof v === 'string') {
    const groups = (root('groups') ?? {}) as Record<string, unknown>;
    const g = Object.hasOwn(groups, v) ? groups[v] : undefined;
    return Array.isArray(g) ? g.map((x) => toText(x)) : [v];
  }
  return undefined;
}

function hostVarsOf(root: RootLookup, host: string): Vars {
  const hv = (root('hostvars') ?? {}) as Record<string, Vars>;
  return (Object.hasOwn(hv, host) ? hv[host] : undefined) ?? {};
}

function hostAddr(hv: Vars, host: string): string {
  const a = toText(hv.etcd_address ?? hv.ansible_host ?? host);
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

function url(hv: Vars, host: string, root: RootLookup, port: 'etcd_peer_port' | 'etcd_client_port', dflt: number): string {
  return `${toText(hv.etcd_scheme ?? root('etcd_scheme') ?? 'http')}://${hostAddr(hv, host)}:${toText(hv[port] ?? root(port) ?? dflt)}`;
}

/** `name=scheme://addr:peerport` for each host (the etcd --initial-cluster value). */
export function initialCluster(hosts: string[], root: RootLookup): string {
  return hosts
    .map((h) => {
      const hv = hostVarsOf(root, h);
      const peer = hv.etcd_peer_url !== undefined ? toText(hv.etcd_peer_url) : url(hv, h, root, 'etcd_peer_port', 2380);
      return `${toText(hv.etcd_name ?? h)}=${peer}`;
    })
    .join(',');
}

/** Comma-joined client URLs of hosts (etcdctl --endpoints). */
export function endpoints(hosts: string[], root: RootLookup): string {
  return hosts
    .map((h) => {
      const hv = hostVarsOf(root, h);
      return hv.etcd_client_url !== undefined ? toText(hv.etcd_client_url) : url(hv, h, root, 'etcd_client_port', 2379);
    })
    .join(',');
}
