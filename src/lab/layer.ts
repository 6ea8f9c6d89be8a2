/**
 * Installed-package layers: `<cache>/layers/<label>-<hash>/` holds the overlay upper dir that one
 * install script leaves on a rootfs (apt-get from the lab's repository, offline, in a chroot), built
 * once and then stacked between the rootfs and every host's own upper dir. So `lab up` on a warm
 * cache installs nothing: each host boots with etcd already installed (and, on systemd hosts,
 * enabled: it starts at boot as on a real host).
 *
 * The hash covers everything the result depends on: the rootfs (its path and marker), the script,
 * the files written before it runs and the repository's Packages index. An entry is never modified
 * (running labs use it as a lower dir); it is built in a temporary dir and renamed into place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ValidationError } from '../errors.js';
import { cacheDir } from './paths.js';
import { freshBuildDir, removeTree } from './fsutil.js';
import { HOST_ENV } from './host.js';
import type { HostFile } from './prepare.js';
import { run } from './proc.js';
import { HOST_REPO_DIR, ROOTFS_MARKER } from './rootfs.js';

const DONE = 'layer-complete';

/**
 * Runs as `unshare --mount --propagation private sh -c BUILD build LOWER UPPER WORK ROOT REPO SCRIPT`:
 * the rootfs with UPPER on top, the repository read-only at /srv/repo, a private /run (so package
 * scripts see no running systemd and act offline), then SCRIPT in a chroot with the hosts' env.
 */
export const LAYER_BUILD = [
  'set -e',
  'lower=$1; upper=$2; work=$3; root=$4; repo=$5; script=$6',
  'mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"',
  'mount -t proc proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'mount -t tmpfs -o mode=0755 tmpfs "$root/run"',
  `mount --bind "$repo" "$root${HOST_REPO_DIR}"`,
  `mount -o remount,bind,ro "$root${HOST_REPO_DIR}"`,
  `exec chroot "$root" /usr/bin/env -i ${HOST_ENV.join(' ')} /bin/sh -c "$script"`,
].join('\n');

export interface LayerSpec {
  /** Names the cache entry for people (e.g. systemd-etcd-3.5.16-4); the hash makes it unique. */
  label: string;
  /** The rootfs the layer sits on. */
  rootfs: string;
  repoDir: string;
  /** Shell run in the chroot. */
  script: string;
  /** Written before the script runs (they stay in the layer). */
  files?: HostFile[];
}

export function layerKey(spec: LayerSpec): string {
  const h = createHash('sha256');
  const marker = join(spec.rootfs, ROOTFS_MARKER);
  h.update(JSON.stringify([spec.rootfs, existsSync(marker) ? readFileSync(marker, 'utf8') : '', spec.script, spec.files ?? []]));
  h.update(readFileSync(join(spec.repoDir, 'Packages')));
  return `${spec.label.replace(/[^A-Za-z0-9.+_-]/g, '_')}-${h.digest('hex').slice(0, 12)}`;
}

/** The overlay lowerdir list for a host: the layer over its rootfs. */
export function stackedLower(layer: string, rootfs: string): string {
  return `${layer}:${rootfs}`;
}

/** Build (once) and return the layer's directory (an overlay upper dir, used as a lower dir). */
export async function ensureLayer(spec: LayerSpec, log: (s: string) => void = () => {}): Promise<string> {
  const parent = join(cacheDir(), 'layers');
  const entry = join(parent, layerKey(spec));
  const layer = join(entry, 'layer');
  if (existsSync(join(entry, DONE))) return layer;
  mkdirSync(parent, { recursive: true });
  const tmp = await freshBuildDir(parent, 'layer');
  try {
    log(`installing into a cached layer (once for this rootfs, script and repository): ${entry}`);
    const dirs = { upper: join(tmp, 'layer'), work: join(tmp, 'work'), root: join(tmp, 'root') };
    for (const d of Object.values(dirs)) mkdirSync(d);
    for (const f of spec.files ?? []) {
      const path = join(dirs.upper, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text, { mode: 0o644 });
    }
    const r = await run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', LAYER_BUILD, 'build',
      spec.rootfs, dirs.upper, dirs.work, dirs.root, spec.repoDir, spec.script], { allowFail: true, timeoutMs: 600_000 });
    if (r.rc !== 0) {
      const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-4).join(' | ');
      throw new ValidationError(`building the lab layer ${spec.label} failed (rc=${r.rc}): ${tail}`);
    }
    await removeTree(dirs.work);
    await removeTree(dirs.root);
    writeFileSync(join(tmp, DONE), `${spec.label} on ${spec.rootfs} ${new Date().toISOString()}\n`);
    try {
      renameSync(tmp, entry);
    } catch (err) {
      if (!existsSync(join(entry, DONE))) throw err; // another lab built it first: use that one
      await removeTree(tmp);
    }
  } catch (err) {
    if (existsSync(tmp)) await removeTree(tmp);
    throw err;
  }
  return layer;
}

/** uid and gid of a user in a layer's /etc/passwd (files in host upper dirs are owned before boot). */
export function userIds(layer: string, user: string): { uid: number; gid: number } {
  const passwd = join(layer, 'etc/passwd');
  const line = existsSync(passwd) ? readFileSync(passwd, 'utf8').split('\n').find((l) => l.startsWith(`${user}:`)) : undefined;
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new ValidationError(`user '${user}' is not in ${passwd}: the package install did not create it`);
  return { uid: Number(uid), gid: Number(gid) };
}
