import type { Command } from '../model/command.js';

/**
 * Built-in fact gathering: one read-only shell command that prints `key=value` lines, parsed into
 * Ansible-named facts (ansible_hostname, ansible_distribution, ansible_pkg_mgr, ...).
 */
const SCRIPT = [
  'echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null)"',
  'echo "fqdn=$(hostname -f 2>/dev/null || hostname 2>/dev/null)"',
  'echo "system=$(uname -s)"',
  'echo "kernel=$(uname -r)"',
  'echo "machine=$(uname -m)"',
  'echo "user_id=$(id -un 2>/dev/null)"',
  'echo "uid=$(id -u)"',
  'if [ -r /etc/os-release ]; then . /etc/os-release; echo "os_id=${ID:-}"; echo "os_like=${ID_LIKE:-}"; echo "os_version=${VERSION_ID:-}"; echo "os_codename=${VERSION_CODENAME:-}"; echo "os_pretty=${PRETTY_NAME:-}"; fi',
  'for p in apt-get dnf yum zypper apk pacman; do if command -v $p >/dev/null 2>&1; then echo "pkg_mgr=$p"; break; fi; done',
  'if [ -d /run/systemd/system ]; then echo init=systemd; elif [ -x /sbin/openrc ] || [ -d /run/openrc ]; then echo init=openrc; elif [ -d /etc/init.d ]; then echo init=sysvinit; else echo "init=$(cat /proc/1/comm 2>/dev/null)"; fi',
  'if command -v getenforce >/dev/null 2>&1; then echo "selinux=$(getenforce 2>/dev/null)"; elif [ -d /sys/fs/selinux ]; then echo selinux=enabled; else echo selinux=disabled; fi',
].join('; ');

export const FACTS_COMMAND: Command = { kind: 'exec', argv: ['sh', '-c', SCRIPT] };

const PKG: Record<string, string> = { 'apt-get': 'apt', dnf: 'dnf', yum: 'yum', zypper: 'zypper', apk: 'apk', pacman: 'pacman' };
const FAMILY: Record<string, string> = { debian: 'Debian', ubuntu: 'Debian', rhel: 'RedHat', centos: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', suse: 'Suse', opensuse: 'Suse', alpine: 'Alpine', arch: 'Archlinux' };

export function parseFacts(stdout: string): Record<string, unknown> {
  const kv: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  const id = (kv.os_id ?? '').toLowerCase();
  const like = (kv.os_like ?? '').toLowerCase().split(/\s+/);
  const family = FAMILY[id] ?? like.map((l) => FAMILY[l]).find(Boolean) ?? (kv.system || 'unknown');
  const selinux = (kv.selinux ?? 'disabled').toLowerCase();
  const short: Record<string, unknown> = {
    hostname: (kv.hostname ?? '').split('.')[0],
    fqdn: kv.fqdn ?? kv.hostname ?? '',
    nodename: kv.hostname ?? '',
    system: kv.system ?? '',
    kernel: kv.kernel ?? '',
    architecture: kv.machine ?? '',
    user_id: kv.user_id ?? '',
    user_uid: Number(kv.uid ?? -1),
    distribution: id ? capitalise(id) : (kv.system ?? 'unknown'),
    distribution_version: kv.os_version ?? '',
    distribution_major_version: (kv.os_version ?? '').split('.')[0] ?? '',
    distribution_release: kv.os_codename ?? '',
    distribution_pretty: kv.os_pretty ?? '',
    os_family: family,
    pkg_mgr: PKG[kv.pkg_mgr ?? ''] ?? 'unknown',
    service_mgr: kv.init || 'unknown',
    selinux: { status: selinux === 'disabled' ? 'disabled' : 'enabled', mode: selinux === 'disabled' ? undefined : selinux },
  };
  const facts: Record<string, unknown> = { ansible_facts: short };
  for (const [k, v] of Object.entries(short)) facts[`ansible_${k}`] = v;
  return facts;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
