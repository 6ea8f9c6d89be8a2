/** A small role-based project written into a directory (shared by the roles tests). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const ROLE_FILES: Record<string, string> = {
  'common.yml': '- name: common task\n  debug: msg="{{ what }}"\n',
  'item.yml': '- name: item task\n  command: echo {{ item }}\n',
  'second.yml': '- hosts: h1\n  gather_facts: false\n  tasks:\n    - name: second play task\n      debug: msg=second\n',
  'roles/web/meta/main.yml': 'dependencies:\n  - base\n',
  'roles/base/tasks/main.yml': '- name: base task\n  debug: msg=base\n',
  'roles/web/defaults/main.yml': 'web_port: 80\nweb_name: default-name\ngreeting: from-defaults\n',
  'roles/web/vars/main.yml': 'web_user: www\n',
  'roles/web/tasks/main.yml': '- name: web template\n  template: src=page.j2 dest=@OUT@/out-{{ inventory_hostname }}.txt\n  notify: web restarted\n- name: web file\n  copy: src=static.txt dest=@OUT@/static-{{ inventory_hostname }}.txt\n  notify: "web : web restarted"\n',
  'roles/web/tasks/extra.yml': '- name: web extra\n  debug: msg="extra {{ web_port }}"\n',
  'roles/web/handlers/main.yml': '- name: web restarted\n  debug: msg="restarted {{ web_user }}"\n',
  'roles/web/templates/page.j2': 'port={{ web_port }} name={{ web_name }} user={{ web_user }} greet={{ greeting }}\n',
  'roles/web/files/static.txt': 'static\n',
};

export const ROLE_PLAYBOOK = `- hosts: nodes
  gather_facts: false
  vars:
    greeting: from-play
  pre_tasks:
    - name: pre
      debug: msg=pre
  roles:
    - role: web
      web_port: 8080
      tags: [web]
  tasks:
    - name: import some tasks
      import_tasks: common.yml
      vars:
        what: imported
    - name: include per item
      include_tasks: item.yml
      loop: [a, b]
    - include_role:
        name: web
        tasks_from: extra
      when: inventory_hostname == 'h1'
- import_playbook: second.yml
`;

/** Write the role files into `dir`; files are written to `out`. */
export function writeRoleProject(dir: string, out: string): void {
  for (const [f, text] of Object.entries(ROLE_FILES)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text.replaceAll('@OUT@', out));
  }
}
