/**
 * Issue 14's corpus: Ansible files in the shapes real projects write (kubespray, kubeasz,
 * openshift-ansible, a storage vendor's helpers, seed 004's flow), kept in test/ansible-corpus/.
 * (site.yml: import_playbook, roles with defaults/vars/handlers/templates/files/params, include_tasks
 * with a loop, import_tasks; keywords.yml: remote_user, play environment, async/poll, async_status,
 * implicit localhost.) Each playbook is validated, planned and run by the built bin/etcdplay.js against two real sshd
 * hosts; then, when ansible-playbook is installed (npm test installs ansible-core), the same
 * playbook runs under ansible-playbook on the same hosts with the same inventory, and the two must
 * agree: the same ok/changed/failed/skipped/rescued/ignored counts per host, the same files (path,
 * content, mode) written. Ansible's counts are also pinned below, so the comparison holds on a
 * machine without Ansible.
 */
import { c, corpusSuite } from './_corpus.js';

// The first half of the corpus (test/integration/cli/_corpus.ts); the rest in ansible-corpus-2.test.ts.
corpusSuite('ansible corpus (1)', [
  { file: 'facts.yml', ansible: c(6, 1, 0, 1, 0, 0) },
  { file: 'etcd-config.yml', ansible: c(7, 4) },
  { file: 'replace.yml', ansible: c(7, 4) },
  { file: 'services.yml', ansible: c(5, 1, 0, 0, 0, 2) },
], ['127.0.0.81', '127.0.0.82'], true);
