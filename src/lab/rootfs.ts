/**
 * The cached Debian root filesystems lab hosts are overlays of: `<cache>/rootfs-bookworm` (sysv
 * hosts) and `<cache>/rootfs-bookworm-systemd` (the same plus systemd-sysv and dbus, for hosts
 * that boot systemd). Each is built in a temporary directory and renamed into place only when
 * complete; an existing entry is never modified (running labs use it as their lower dir).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote } from '../shell/quote.js';
import type { LabInit } from './init.js';
import { detectMirror } from './mirror.js';
import { renderSuiteSources } from './packages.js';
import { cacheDir } from './paths.js';
import { run } from './proc.js';
import { freshBuildDir, removeTree, unmountUnder } from './fsutil.js';

export const ROOTFS_SUITE = 'bookworm';
export const ROOTFS_PACKAGES = ['openssh-server', 'sudo', 'procps', 'iproute2', 'ca-certificates'];
/** Where each host sees the local apt repository (bind-mounted read-only). */
export const HOST_REPO_DIR = '/srv/repo';
export const ROOTFS_MARKER = 'etc/etcdplay-rootfs';

/** Added to the base rootfs for hosts that boot systemd. */
export const SYSTEMD_PACKAGES = ['systemd-sysv', 'dbus'];
/**
 * Units masked in the systemd rootfs: timers that would run apt/dpkg or disk jobs behind the
 * lab's back (apt-daily takes the dpkg lock), and the console getty (the host has no terminal).
 */
export const MASKED_UNITS = [
  'apt-daily.timer', 'apt-daily-upgrade.timer', 'apt-daily.service', 'apt-daily-upgrade.service', 'dpkg-db-backup.timer',
  'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer', 'console-getty.service', 'getty@.service', 'systemd-firstboot.service',
];
const KEYRING_IN_ROOTFS = '/usr/share/keyrings/debian-archive-keyring.gpg';

export function rootfsDir(init: LabInit = 'sysv'): string {
  return join(cacheDir(), `rootfs-${ROOTFS_SUITE}${init === 'systemd' ? '-systemd' : ''}`);
}

/** Build (once) and return the path of the cached rootfs for hosts running `init`. */
export async function ensureRootfs(opts: { log?: (s: string) => void; init?: LabInit } = {}): Promise<string> {
  if (opts.init === 'systemd') return ensureSystemdRootfs(opts.log ?? (() => {}));
  const log = opts.log ?? (() => {});
  const dir = rootfsDir();
  if (existsSync(join(dir, ROOTFS_MARKER))) return dir;
  if (existsSync(dir)) await removeTree(dir);
  mkdirSync(cacheDir(), { recursive: true });
  // Leftovers of a crashed build are unmounted (debootstrap mounts proc/sys) and removed.
  const tmp = await freshBuildDir(cacheDir(), 'rootfs');
  try {
    const mirror = detectMirror();
    const argv = ['debootstrap', '--variant=minbase', `--include=${ROOTFS_PACKAGES.join(',')}`, ROOTFS_SUITE, tmp];
    if (mirror) argv.push(mirror.uri);
    log(`debootstrap ${ROOTFS_SUITE} (minbase) from ${mirror?.uri ?? "debootstrap's default mirror"}; this takes a minute`);
    await run(argv, { env: { DEBIAN_FRONTEND: 'noninteractive' } });
    // Hosts get their own SSH host keys; apt inside them sees only the local repository.
    for (const f of readdirSync(join(tmp, 'etc/ssh'))) if (f.startsWith('ssh_host_')) rmSync(join(tmp, 'etc/ssh', f));
    rmSync(join(tmp, 'etc/apt/sources.list'), { force: true });
    for (const f of readdirSync(join(tmp, 'etc/apt/sources.list.d'))) rmSync(join(tmp, 'etc/apt/sources.list.d', f));
    writeFileSync(join(tmp, 'etc/apt/sources.list.d/etcdplay-lab.list'), `deb [trusted=yes] file:${HOST_REPO_DIR} ./\n`);
    mkdirSync(join(tmp, HOST_REPO_DIR.slice(1)), { recursive: true });
    await run(['chroot', tmp, 'apt-get', 'clean']);
    rmSync(join(tmp, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'var/lib/apt/lists/partial'), { recursive: true });
    writeFileSync(join(tmp, ROOTFS_MARKER), `debootstrap --variant=minbase ${ROOTFS_SUITE} ${new Date().toISOString()}\n`);
    await unmountUnder(tmp); // debootstrap unmounts what it mounted; be sure before the rename
    renameSync(tmp, dir);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  }
  return dir;
}

/**
 * Shell run (in a private mount namespace) to install SYSTEMD_PACKAGES into the build copy $1
 * from the Debian mirror named in $1/etc/apt/sources.list.d/etcdplay-build.sources.
 */
export function systemdInstallScript(): string {
  const env = 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C';
  return [
    'set -e',
    'root=$1',
    'mount -t proc proc "$root/proc"',
    `chroot "$root" ${env} apt-get update -q >/dev/null`,
    `chroot "$root" ${env} apt-get install -y -q --no-install-recommends ${SYSTEMD_PACKAGES.map(shQuote).join(' ')} >/dev/null`,
    `chroot "$root" ${env} apt-get clean`,
  ].join('\n');
}

/**
 * `<cache>/rootfs-bookworm-systemd`: a copy of the base rootfs with systemd-sysv and dbus installed
 * from this machine's Debian mirror, noisy units masked, no machine-id (each host gets its own),
 * apt sources back to the lab's local repository only.
 */
async function ensureSystemdRootfs(log: (s: string) => void): Promise<string> {
  const dir = rootfsDir('systemd');
  if (existsSync(join(dir, ROOTFS_MARKER))) return dir;
  const base = await ensureRootfs({ log });
  if (existsSync(dir)) throw new Error(`${dir} exists but is incomplete (no ${ROOTFS_MARKER}): remove it when no lab uses it`);
  const tmp = await freshBuildDir(cacheDir(), 'rootfs-systemd');
  try {
    const mirror = detectMirror();
    if (!mirror) throw new Error('no Debian mirror found: set ETCDPLAY_DEBIAN_MIRROR to a Debian mirror URI');
    log(`building the systemd rootfs: ${base} + ${SYSTEMD_PACKAGES.join(' ')} from ${mirror.uri}`);
    await run(['cp', '-a', '--', `${base}/.`, tmp]);
    const build = join(tmp, 'etc/apt/sources.list.d/etcdplay-build.sources');
    const local = join(tmp, 'etc/apt/sources.list.d/etcdplay-lab.list');
    rmSync(local, { force: true });
    writeFileSync(build, renderSuiteSources({ uri: mirror.uri, signedBy: KEYRING_IN_ROOTFS }, ROOTFS_SUITE));
    await run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', systemdInstallScript(), 'build', tmp], { timeoutMs: 600_000 });
    rmSync(build);
    writeFileSync(local, `deb [trusted=yes] file:${HOST_REPO_DIR} ./\n`);
    rmSync(join(tmp, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'var/lib/apt/lists/partial'), { recursive: true });
    for (const unit of MASKED_UNITS) {
      const link = join(tmp, 'etc/systemd/system', unit);
      rmSync(link, { force: true });
      symlinkSync('/dev/null', link);
    }
    rmSync(join(tmp, 'etc/machine-id'), { force: true });
    rmSync(join(tmp, 'var/lib/dbus/machine-id'), { force: true });
    writeFileSync(join(tmp, ROOTFS_MARKER), `${base} + ${SYSTEMD_PACKAGES.join(' ')} ${new Date().toISOString()}\n`);
    await unmountUnder(tmp);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!existsSync(join(dir, ROOTFS_MARKER))) throw err; // another build finished first: use it
      await removeTree(tmp);
    }
  } catch (err) {
    if (existsSync(tmp)) await removeTree(tmp);
    throw err;
  }
  return dir;
}
