import type { SourcePos } from './source.js';
import type { Vars } from './vars.js';

export interface Host {
  name: string;
  /** Variables defined directly on the host (inline, host_vars/), not yet merged with groups. */
  vars: Vars;
  /** Every group the host belongs to, directly or through children, including 'all'. */
  groups: string[];
  pos?: SourcePos;
  /** Ansible's implicit localhost: matched only by its own name, never by 'all' or a group. */
  implicit?: boolean;
}

export interface Group {
  name: string;
  /** Hosts listed directly in this group. */
  hosts: string[];
  /** Direct child groups. */
  children: string[];
  vars: Vars;
  pos?: SourcePos;
}

export interface Inventory {
  /** In file order. */
  hosts: Map<string, Host>;
  /** Always has 'all' and 'ungrouped'. */
  groups: Map<string, Group>;
  sources: string[];
}
