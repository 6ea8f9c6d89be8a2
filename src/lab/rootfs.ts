/**
 * The cached Debian root filesystem every lab host is an overlay of: `<cache>/rootfs-bookworm`.
 * Built with debootstrap into a temporary directory and renamed into place only when complete.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectMirror } from './mirror.js';
import { cacheDir } from './paths.js';
import { run } from './proc.js';
import { freshBuildDir, removeTree, unmountUnder } from './fsutil.js';

export const ROOTFS_SUITE = 'bookworm';
export const ROOTFS_PACKAGES = ['openssh-server', 'sudo', 'procps', 'iproute2', 'ca-certificates'];
/** Where each host sees the local apt repository (bind-mounted read-only). */
export const HOST_REPO_DIR = '/srv/repo';
const MARKER = 'etc/etcdplay-rootfs';

export function rootfsDir(): string {
  return join(cacheDir(), `rootfs-${ROOTFS_SUITE}`);
}

/** Build (once) and return the path of the cached rootfs. */
export async function ensureRootfs(opts: { log?: (s: string) => void } = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const dir = rootfsDir();
  if (existsSync(join(dir, MARKER))) return dir;
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
    writeFileSync(join(tmp, MARKER), `debootstrap --variant=minbase ${ROOTFS_SUITE} ${new Date().toISOString()}\n`);
    await unmountUnder(tmp); // debootstrap unmounts what it mounted; be sure before the rename
    renameSync(tmp, dir);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  }
  return dir;
}
