/** Play and task keywords the loader understands, and Ansible keywords it deliberately does not. */

export const PLAY_KEYWORDS = [
  'name', 'hosts', 'vars', 'vars_files', 'serial', 'max_fail_percentage', 'any_errors_fatal',
  'become', 'become_user', 'become_method', 'gather_facts', 'pre_tasks', 'tasks', 'post_tasks',
  'handlers', 'tags', 'confirm', 'remote_user', 'connection', 'environment', 'roles', 'import_playbook',
] as const;

export const TASK_KEYWORDS = [
  'name', 'args', 'when', 'register', 'run_once', 'delegate_to', 'become', 'become_user',
  'become_method', 'failed_when', 'changed_when', 'ignore_errors', 'ignore_unreachable', 'retries',
  'delay', 'until', 'tags', 'notify', 'listen', 'loop', 'with_items', 'loop_control', 'vars',
  'no_log', 'check_mode', 'environment', 'block', 'rescue', 'always', 'remote_user', 'connection',
  'async', 'poll',
] as const;

/** Keywords that make no sense on a block (they apply to one module run). */
export const NOT_ON_BLOCK = new Set([
  'args', 'register', 'failed_when', 'changed_when', 'retries', 'delay', 'until', 'notify', 'listen',
  'loop', 'with_items', 'loop_control', 'async', 'poll',
]);

const INVENTORY_VAR_HINT = (v: string) => `set ${v} in the inventory (or the play's vars) instead`;

/** Ansible play keywords etcdplay does not implement, with what to do instead. */
export const UNSUPPORTED_PLAY: Record<string, string> = {
  include_playbook: "use 'import_playbook'",
  port: INVENTORY_VAR_HINT('ansible_port'),
  vars_prompt: 'pass the values with -e name=value',
  strategy: 'etcdplay always runs the linear strategy (use serial for rolling batches)',
  collections: 'modules are looked up by name or FQCN; no collections are needed',
  module_defaults: 'give the arguments on each task',
  force_handlers: 'not supported',
  order: 'hosts run in inventory order',
  throttle: 'use serial or --forks',
  check_mode: 'use --check on the command line, or check_mode on a task',
  no_log: 'set no_log on the tasks that need it',
  ignore_errors: 'set ignore_errors on the tasks that need it',
  ignore_unreachable: 'set ignore_unreachable on the tasks that need it',
  run_once: 'set run_once on the tasks that need it',
  when: 'put the condition on the tasks (or a block)',
  gather_subset: 'not supported; gather_facts gathers a fixed set',
};

/** Ansible task keywords etcdplay does not implement (when no module of that name exists). */
export const UNSUPPORTED_TASK: Record<string, string> = {
  action: "write the module as the task's key, e.g. 'command: ls'",
  local_action: "write the module as the task's key and add 'delegate_to: localhost'",
  include: "use 'include_tasks' (or 'import_tasks')",
  throttle: 'use serial or --forks',
  port: INVENTORY_VAR_HINT('ansible_port'),
  delegate_facts: 'not supported',
  any_errors_fatal: 'set any_errors_fatal on the play',
  diff: 'use --diff on the command line',
  with_dict: "use 'loop' with the dict2items filter",
  with_list: "use 'loop'",
  with_fileglob: 'not supported',
  with_together: 'not supported',
  with_nested: 'not supported',
  with_sequence: "use 'loop' with range()",
  with_subelements: 'not supported',
  debugger: 'not supported',
  module_defaults: 'give the arguments on each task',
};

/**
 * Common Ansible modules etcdplay does not have (when no module of that name is registered), with
 * what to use instead. Looked up by the last part of the name, so FQCNs work too.
 */
export const ANSIBLE_MODULE_HINTS: Record<string, string> = {
  lineinfile: "etcdplay does not edit files line by line: write the whole file with 'template' or 'copy: content=...'",
  blockinfile: "write the whole file with 'template' or 'copy: content=...'",
  get_url: "use 'command' with curl (and creates=) or 'copy' from the workstation",
  uri: "use 'command' with curl, or the etcd modules for etcd's API",
  raw: "use 'shell'",
  script: "copy the script with 'copy', then run it with 'command'",
  apt_key: "put the key and the repository file in place with 'copy', then use 'package'",
  apt_repository: "put the repository file in place with 'copy', then use 'package'",
  yum_repository: "put the repository file in place with 'copy', then use 'package'",
  user: "use 'command: useradd ...' with creates= or a guard in when:",
  group: "use 'command: groupadd ...' with a guard in when:",
  unarchive: "use 'command: tar -xf ...' with creates=",
  synchronize: "use 'copy' (or 'fetch' for the other direction)",
  mount: "use 'command: mount ...' with a guard in when:",
  sysctl: "use 'command: sysctl -w ...'",
  reboot: "etcdplay does not reboot hosts",
  include_vars: "use vars_files on the play",
  add_host: 'put the host in the inventory',
  group_by: 'put the groups in the inventory',
  meta: 'handlers are flushed at the end of pre_tasks, tasks and post_tasks; other meta actions are not supported',
  wait_for_connection: "use 'wait_for' on the host's port, or 'pause'",
  ping: "use 'command: true' to check that a host answers",
};
