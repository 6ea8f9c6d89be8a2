/** What the lab needs from this machine; one-line errors, missing tools installed with apt-get. */
import { existsSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { run } from './proc.js';

/** tool -> Debian package providing it. */
export const TOOLS: [string, string][] = [
  ['debootstrap', 'debootstrap'], ['dpkg-scanpackages', 'dpkg-dev'], ['openssl', 'openssl'],
  ['ssh', 'openssh-client'], ['ssh-keygen', 'openssh-client'], ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'], ['ss', 'iproute2'], ['apt-get', 'apt'], ['chroot', 'coreutils'],
];

const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function hasTool(name: string): boolean {
  return PATH_DIRS.some((d) => existsSync(`${d}/${name}`));
}

/** Only for labs whose hosts boot systemd. */
export const SYSTEMD_TOOLS: [string, string][] = [['systemd-nspawn', 'systemd-container']];

export function missingPackages(has: (tool: string) => boolean = hasTool, tools: [string, string][] = TOOLS): string[] {
  return [...new Set(tools.filter(([t]) => !has(t)).map(([, p]) => p))];
}

/** One-line errors unless this is Linux and we are root. */
export function requireRootOnLinux(): void {
  if (process.platform !== 'linux') throw new ValidationError('the lab needs Linux (namespaces, overlayfs)');
  if (process.getuid?.() !== 0) throw new ValidationError('the lab needs root (mounts, namespaces, chroot): run it with sudo');
}

export async function checkPreconditions(log: (s: string) => void = () => {}, opts: { systemd?: boolean } = {}): Promise<void> {
  requireRootOnLinux();
  const missing = missingPackages(hasTool, opts.systemd ? [...TOOLS, ...SYSTEMD_TOOLS] : TOOLS);
  if (!missing.length) return;
  if (!hasTool('apt-get')) throw new ValidationError(`missing tools: install the packages ${missing.join(' ')}`);
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const r = await run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing], { env, allowFail: true });
  if (r.rc !== 0) {
    await run(['apt-get', 'update', '-q'], { env, allowFail: true });
    const again = await run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing], { env, allowFail: true });
    if (again.rc !== 0) throw new ValidationError(`could not install ${missing.join(' ')}: run 'apt-get install ${missing.join(' ')}'`);
  }
}
