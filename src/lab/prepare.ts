/**
 * What a host gets before and right after it starts: its own files in its overlay upper dir
 * (prepareHost) and the shell that installs etcd in it (installScript).
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { shQuote } from '../shell/quote.js';
import { etcdctlPrefix, labEndpoints, WRITER_COMMAND_TIMEOUT } from './access.js';
import {
  ETCD_LOG_FILE, HOST_PKI, HOST_PKI_DIR, labHosts, renderEtcdDefaults, renderEtcHosts, renderInitScript, renderSshdConfig, type LabHost, type LabSpec,
} from './config.js';
import { WRITER_PATH, controlPlaneServices, controlPlaneUnits, renderWriter } from './controlplane.js';
import { hostPaths } from './host.js';
import { run } from './proc.js';
import { labFiles } from './state.js';

export type HostRole = 'etcd' | 'control-plane';

/** A file to write into every etcd member before it starts (path inside the host, text). */
export interface HostFile { path: string; text: string }

/**
/**
 * Write one host's own files into its overlay upper dir (before it starts). An etcd member gets
 * /etc/default/etcd and its server/peer certificates (owned by `etcd`, whose ids come from the
 * member's layer: etcd may start at boot); a control plane host the writer, the init scripts of
 * its services and only the client certificate.
 */
export async function prepareHost(
  dir: string, spec: LabSpec, host: LabHost, role: HostRole, all: LabHost[], authorizedKey: string, etcdIds?: { uid: number; gid: number },
): Promise<string> {
  const p = hostPaths(dir, host.name);
  const up = (rel: string) => join(p.upper, rel.replace(/^\//, ''));
  const write = (path: string, text: string, mode = 0o644) => {
    mkdirSync(up(path.replace(/\/[^/]+$/, '')), { recursive: true });
    writeFileSync(up(path), text, { mode });
  };
  for (const d of ['etc/ssh/sshd_config.d', 'root/.ssh']) mkdirSync(up(d), { recursive: true });
  chmodSync(up('root/.ssh'), 0o700);
  write('/etc/hostname', host.name + '\n');
  write('/etc/hosts', renderEtcHosts(all));
  write('/etc/ssh/sshd_config.d/etcdplay.conf', renderSshdConfig(host));
  write('/root/.ssh/authorized_keys', authorizedKey, 0o600);
  if (spec.init === 'systemd') write('/etc/machine-id', randomBytes(16).toString('hex') + '\n', 0o444);
  if (role === 'etcd') {
    write('/etc/default/etcd', renderEtcdDefaults(spec, host));
  } else {
    write(WRITER_PATH, renderWriter(etcdctlPrefix(spec.tls, labEndpoints({ tls: spec.tls, hosts: labHosts(spec.nodes, spec.net) }), WRITER_COMMAND_TIMEOUT)), 0o755);
    if (spec.init === 'systemd') for (const [unit, text] of Object.entries(controlPlaneUnits())) write(`/etc/systemd/system/${unit}`, text);
    else for (const [service, script] of Object.entries(controlPlaneServices())) write(`/etc/init.d/${service}`, script, 0o755);
  }
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${host.name}`, '-f', up('etc/ssh/ssh_host_ed25519_key')]);
  if (spec.tls) {
    const pki = labFiles(dir).pki;
    mkdirSync(up(HOST_PKI_DIR), { recursive: true });
    const copies: [string, string][] = [['ca.crt', HOST_PKI.ca], ['client.crt', HOST_PKI.clientCert], ['client.key', HOST_PKI.clientKey]];
    if (role === 'etcd') {
      copies.push([`${host.name}-server.crt`, HOST_PKI.serverCert], [`${host.name}-server.key`, HOST_PKI.serverKey],
        [`${host.name}-peer.crt`, HOST_PKI.peerCert], [`${host.name}-peer.key`, HOST_PKI.peerKey]);
    }
    for (const [src, dest] of copies) copyFileSync(join(pki, src), up(dest));
    if (role === 'etcd') {
      if (!etcdIds) throw new Error('prepareHost: an etcd member with TLS needs the etcd user ids');
      for (const [, dest] of [['', HOST_PKI_DIR], ...copies]) chownSync(up(dest!), etcdIds.uid, etcdIds.gid);
      for (const [, dest] of copies) if (dest.endsWith('.key')) chmodSync(up(dest), 0o600);
      chownSync(up(HOST_PKI.clientKey), 0, 0);
    }
  }
  return readFileSync(up('etc/ssh/ssh_host_ed25519_key.pub'), 'utf8');
}

/** Denies every service start during the lab's own install (deb-systemd-invoke and invoke-rc.d honour it). */
export const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * The shell that installs etcd into a member's layer (see layer.ts: once per rootfs, version and
 * repository, in a chroot, no init running). A policy-rc.d keeps the package scripts from starting
 * etcd (removed afterwards, so a later apt-get in a playbook behaves like on a real host); the lab
 * starts every member itself, all at once. systemd hosts get the package's unit enabled, as on a
 * real host; sysv hosts the Debian init script (or the lab's, for a package without one).
 */
export function installScript(spec: LabSpec): string {
  const pkgs = ['etcd-server', 'etcd-client'].map((p) => shQuote(`${p}=${spec.debVersion}`)).join(' ');
  const systemd = spec.init === 'systemd';
  const lines = [
    'set -e',
    `printf '#!/bin/sh\\nexit 101\\n' > ${POLICY_RC_D}`, `chmod 0755 ${POLICY_RC_D}`, `trap 'rm -f ${POLICY_RC_D}' EXIT`,
    'apt-get update -q >/dev/null',
    `apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold ${pkgs}`,
    `install -d -o etcd -g etcd -m 0750 ${shQuote(ETCD_LOG_FILE.replace(/\/[^/]+$/, ''))}`,
    // sid's package has no init script: install the lab's (see renderInitScript); systemd hosts use the package's unit
    ...(systemd ? [] : [`[ -e /etc/init.d/etcd ] || { cat > /etc/init.d/etcd <<'ETCDPLAY_INIT'\n${renderInitScript()}ETCDPLAY_INIT\nchmod 0755 /etc/init.d/etcd; }`]),
  ];
  return lines.join('\n');
}

/** Where a package's sysusers.d files live (`dpkg-deb -c` lists them as ./usr/lib/... or ./lib/...). */
const SYSUSERS_IN_DEB = /^\.\/(?:usr\/)?lib\/sysusers\.d\/[^/]+\.conf$/;

/**
 * sysusers.d text that bookworm's systemd-sysusers (252) accepts, or undefined when it already
 * does. sid's etcd-server (3.5.30) declares its user with `u! etcd - - /var/lib/etcd`; the `!`
 * modifier (a fully locked account) is newer than 252, which answers "Unknown modifier 'u!'" and
 * fails the postinst. A plain `u` line creates the same system user, already without a usable
 * password (shadow `!*`).
 */
export function bookwormSysusers(text: string): string | undefined {
  const fixed = text.replace(/^u!(\s)/gm, 'u$1');
  return fixed === text ? undefined : fixed;
}

/**
 * The overrides a systemd host needs to install this etcd-server package: for every sysusers.d
 * file of the .deb that bookworm's systemd-sysusers refuses, the same file name in
 * /etc/sysusers.d (which takes precedence over /usr/lib/sysusers.d, also when the postinst names
 * the file) with the accepted text. Sysv hosts need none: there the package pulls in sid's
 * systemd-standalone-sysusers, which knows `u!`.
 */
export async function sysusersOverrides(serverDeb: string): Promise<HostFile[]> {
  const listing = (await run(['dpkg-deb', '-c', serverDeb])).stdout;
  const files = listing.split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter((f) => SYSUSERS_IN_DEB.test(f));
  const out: HostFile[] = [];
  for (const f of files) {
    const text = (await run(['sh', '-c', `dpkg-deb --fsys-tarfile ${shQuote(serverDeb)} | tar -xO ${shQuote(f)}`])).stdout;
    const fixed = bookwormSysusers(text);
    if (fixed !== undefined) out.push({ path: `/etc/sysusers.d/${basename(f)}`, text: fixed });
  }
  return out;
}
