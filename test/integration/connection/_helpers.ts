/** Shared bits for the connection integration tests (real sshd on loopback). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Vars } from '../../../src/model/vars.js';
import type { Sshd } from '../../support/sshd.js';
import { writeKnownHosts } from '../../support/sshd.js';

/** Inventory vars that reach `sshd` as `user` with its client key, trusting its host key. */
export function varsFor(sshd: Sshd, extra: Vars = {}, user = 'root'): Vars {
  const kh = writeKnownHosts(sshd.dir, [sshd.knownHostsLine], 'known_hosts.test');
  return {
    ansible_host: sshd.address,
    ansible_port: sshd.port,
    ansible_user: user,
    ansible_ssh_private_key_file: sshd.clientKeyPath,
    etcdplay_known_hosts_file: kh,
    ...extra,
  };
}

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix = 'etcdplay-conn-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An empty ssh config, so the tests never read the user's ~/.ssh/config. */
export function noSshConfig(dir: string): string {
  return join(dir, 'no-ssh-config');
}
