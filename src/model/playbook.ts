import type { SourcePos } from './source.js';
import type { Vars } from './vars.js';

/** A task as written: exactly one module, or a block. Strings are unrendered templates. */
export interface Task {
  /** Stable id within the playbook, e.g. 'p0.tasks.3' or 'p0.tasks.3.rescue.0'. */
  id: string;
  name?: string;
  pos: SourcePos;
  /** Positions of each key of the task mapping, for diagnostics (key -> position of its value). */
  keyPos?: Record<string, SourcePos>;
  /** Module name (canonical, e.g. 'command', 'etcd_snapshot_save'); undefined for blocks. */
  module?: string;
  /** Module args: a string (free form, e.g. `command: ls`) or a mapping. */
  args?: unknown;
  block?: Task[];
  rescue?: Task[];
  always?: Task[];
  when?: string[];
  register?: string;
  runOnce?: boolean;
  delegateTo?: string;
  become?: boolean;
  becomeUser?: string;
  failedWhen?: string[];
  changedWhen?: string[];
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  retries?: number;
  delay?: number;
  until?: string[];
  tags: string[];
  notify: string[];
  /** For handlers: extra topics this handler listens to. */
  listen?: string[];
  loop?: unknown;
  loopVar?: string;
  vars: Vars;
  noLog?: boolean;
  checkMode?: boolean;
  /** Ask for confirmation before this task unless --yes (destructive steps). */
  environment?: Record<string, string>;
  /** SSH login user (remote_user); inventory ansible_user wins, as in Ansible. */
  remoteUser?: string;
  /** 'local' or 'ssh' (connection:); inventory ansible_connection wins, as in Ansible. */
  connection?: string;
  /** async: time limit in seconds (with poll), or a detached job (poll: 0). */
  async?: number;
  poll?: number;
  /** The role this task comes from (its defaults, vars and directory), set by the loader. */
  role?: RoleScope;
  /** A dynamic include (include_tasks, include_role): resolved per host at run time (plan/include.ts). */
  include?: IncludeSpec;
}

/** What a role gives the tasks and handlers it contains (src/load/roles.ts). */
export interface RoleScope {
  name: string;
  /** The role's directory (role_path): templates/, files/, tasks/ are searched there first. */
  dir: string;
  /** defaults/main.yml: the lowest precedence of all. */
  defaults: Vars;
  /** vars/main.yml: above play vars and vars_files. */
  vars: Vars;
}

/** A dynamic include as written (templates unrendered). */
export interface IncludeSpec {
  kind: 'include_tasks' | 'include_role';
  /** include_tasks: the file (may be a template). */
  file?: string;
  /** include_role: the role name (may be a template) and its tasks_from. */
  role?: string;
  tasksFrom?: string;
  /** Directory of the file holding the include (relative names are searched there). */
  baseDir: string;
  /** Directory of the top playbook (roles/ and relative names are searched there too). */
  playbookDir: string;
  /** include_role: the roles (dir + parameters) the play's `roles:` and their dependencies run; a dependency among them is not run again. */
  rolesApplied?: ReadonlySet<string>;
}

export interface Play {
  index: number;
  name: string;
  pos: SourcePos;
  /** Host pattern, e.g. 'etcd', 'etcd:&dc1', 'all:!bastion'. */
  hosts: string;
  vars: Vars;
  varsFiles: string[];
  /** Batch sizes: numbers or percentages ('30%'); the last repeats. Empty means all at once. */
  serial: (number | string)[];
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  become?: boolean;
  becomeUser?: string;
  gatherFacts: boolean;
  preTasks: Task[];
  tasks: Task[];
  postTasks: Task[];
  handlers: Task[];
  tags: string[];
  /** Destructive plays ask for confirmation unless --yes. */
  confirm?: string;
  remoteUser?: string;
  connection?: string;
  /** Environment for every task of the play (a task's own entries win). */
  environment?: Record<string, string>;
}

export interface Playbook {
  file: string;
  plays: Play[];
}
