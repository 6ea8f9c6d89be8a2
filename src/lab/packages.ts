/**
 * A local apt repository with etcd-server and etcd-client of every version Debian offers, built
 * once into the cache: `<cache>/repo-v<format>/` (debs, Packages index, versions.json).
 *
 * Fetched with the real apt-get against a temporary sources file and lists dir, so the machine's
 * own apt state is never touched. Built in a temporary directory and renamed into place only when
 * complete: a crashed build never leaves a half repository behind.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { detectMirror, type Mirror } from './mirror.js';
import { cacheDir } from './paths.js';
import { run } from './proc.js';
import { freshBuildDir } from './fsutil.js';

export interface EtcdPackageVersion {
  /** Upstream version, e.g. 3.5.16. */
  version: string;
  /** Debian version string, e.g. 3.5.16-4. */
  debVersion: string;
  /** Debian suite it was taken from. */
  suite: string;
  /** Absolute paths of the .deb files. */
  server: string;
  client: string;
}

export interface EtcdPackages { repoDir: string; versions: EtcdPackageVersion[] }

/** Suites fetched, and extra packages some etcd versions need inside a bookworm host. */
export const SUITES: { suite: string; packages: string[] }[] = [
  // bullseye's etcd-server 3.3.25 also depends on pipexec (its init script pipes etcd's output
  // into its log with it), which the bookworm hosts lack; lsb-base, adduser and
  // init-system-helpers >= 1.54 they have.
  { suite: 'bullseye', packages: ['etcd-server', 'etcd-client', 'pipexec'] },
  { suite: 'bookworm', packages: ['etcd-server', 'etcd-client', 'adduser'] },
  { suite: 'trixie', packages: ['etcd-server', 'etcd-client'] },
  // sid's etcd-server depends on systemd | systemd-standalone-sysusers/-tmpfiles and its sysusers.d
  // file uses the 'u!' modifier, which bookworm's systemd 252 rejects: take sid's standalone tools
  // (they need only libc6 >= 2.34, which the bookworm hosts have).
  { suite: 'sid', packages: ['etcd-server', 'etcd-client', 'systemd-standalone-sysusers', 'systemd-standalone-tmpfiles'] },
];

/**
 * Bumped whenever the repository's content rules change. Each format is its own cache entry
 * (`repo-v3`, ...): running labs bind-mount their repository into their hosts, so an older entry
 * is never deleted or rebuilt in place (format 2 was `repo/`, without bullseye).
 */
export const REPO_FORMAT = 3;

const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export function repoDir(): string {
  return join(cacheDir(), `repo-v${REPO_FORMAT}`);
}

/** deb822 sources text for one suite of a mirror. */
export function renderSuiteSources(mirror: { uri: string; signedBy?: string }, suite: string): string {
  const lines = ['Types: deb', `URIs: ${mirror.uri}`, `Suites: ${suite}`, 'Components: main'];
  const key = mirror.signedBy ?? (existsSync(DEFAULT_KEYRING) ? DEFAULT_KEYRING : undefined);
  if (key) lines.push(`Signed-By: ${key}`);
  return lines.join('\n') + '\n';
}

/** Upstream part of a Debian version: strip epoch and Debian revision. */
export function upstreamVersion(debVersion: string): string {
  return debVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '').replace(/[+~].*$/, '');
}

function readManifest(dir: string): EtcdPackages | undefined {
  const file = join(dir, 'versions.json');
  if (!existsSync(file) || !existsSync(join(dir, 'Packages'))) return undefined;
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { format?: number; versions?: EtcdPackageVersion[] };
  if (stored.format !== REPO_FORMAT || !stored.versions) return undefined;
  const versions = stored.versions.map((v) => ({ ...v, server: join(dir, v.server), client: join(dir, v.client) }));
  if (!versions.every((v) => existsSync(v.server) && existsSync(v.client))) return undefined;
  return { repoDir: dir, versions };
}

async function fetchSuite(tmp: string, mirror: Mirror, suite: string, packages: string[], log: (s: string) => void): Promise<void> {
  const work = join(tmp, '.apt', suite);
  mkdirSync(join(work, 'lists', 'partial'), { recursive: true });
  writeFileSync(join(work, 'etcd.sources'), renderSuiteSources(mirror, suite));
  const opts = [
    '-o', `Dir::Etc::sourcelist=${join(work, 'etcd.sources')}`,
    '-o', 'Dir::Etc::sourceparts=/dev/null',
    '-o', `Dir::State::Lists=${join(work, 'lists')}`,
    '-o', `Dir::Cache=${join(work, 'cache')}`,
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Debug::NoLocking=1',
    '-q',
  ];
  log(`fetching ${suite} package lists from ${mirror.uri}`);
  await run(['apt-get', ...opts, 'update'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  log(`downloading ${packages.join(' ')} (${suite})`);
  mkdirSync(join(tmp, suite), { recursive: true });
  await run(['apt-get', ...opts, 'download', ...packages], { cwd: join(tmp, suite) });
}

async function debField(file: string, field: string): Promise<string> {
  return (await run(['dpkg-deb', '-f', file, field])).stdout.trim();
}

/** Build the repository (once) and describe it. Later calls read the cached manifest. */
export async function ensureEtcdPackages(opts: { log?: (s: string) => void } = {}): Promise<EtcdPackages> {
  const log = opts.log ?? (() => {});
  const dir = repoDir();
  const cached = readManifest(dir);
  if (cached) return cached;
  // Only complete builds are renamed into place, so this one was damaged afterwards; a running
  // lab may still use it: never remove it here.
  if (existsSync(dir)) throw new ValidationError(`the lab's package repository ${dir} is damaged (versions.json, Packages or a .deb missing): remove it when no lab runs, and run again`);
  const mirror = detectMirror();
  if (!mirror) throw new ValidationError('no Debian mirror found: set ETCDPLAY_DEBIAN_MIRROR to a Debian mirror URI');
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = await freshBuildDir(cacheDir(), `repo-v${REPO_FORMAT}`);
  try {
    for (const s of SUITES) await fetchSuite(tmp, mirror, s.suite, s.packages, log);
    rmSync(join(tmp, '.apt'), { recursive: true, force: true });
    const versions: EtcdPackageVersion[] = [];
    for (const s of SUITES) {
      const debs = readdirSync(join(tmp, s.suite));
      const server = debs.find((f) => f.startsWith('etcd-server_') && f.endsWith('.deb'));
      const client = debs.find((f) => f.startsWith('etcd-client_') && f.endsWith('.deb'));
      if (!server || !client) throw new ValidationError(`${s.suite}: apt-get download did not produce etcd-server and etcd-client`);
      const debVersion = await debField(join(tmp, s.suite, server), 'Version');
      versions.push({ version: upstreamVersion(debVersion), debVersion, suite: s.suite, server: join(s.suite, server), client: join(s.suite, client) });
    }
    versions.sort((a, b) => compareVersions(a.version, b.version));
    log('indexing the local repository (dpkg-scanpackages -m)');
    const idx = await run(['dpkg-scanpackages', '-m', '.', '/dev/null'], { cwd: tmp });
    writeFileSync(join(tmp, 'Packages'), idx.stdout);
    writeFileSync(join(tmp, 'versions.json'), JSON.stringify({ format: REPO_FORMAT, versions }, null, 2) + '\n');
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process finished first: use its repository.
      if (!readManifest(dir)) throw err;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return readManifest(dir)!;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
