/** etcd versions: parsing upstream and package version strings, comparing them. */

export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
  /** The text it was parsed from. */
  raw: string;
}

/**
 * Parse "3.5.16", "v3.5.16", "3.5" (patch 0), or a package version such as "3.4.23-4+b4",
 * "1:3.5.16-4" or "3.2.22-1.el7" (epoch and release dropped). Undefined if not a version.
 */
export function parseVersion(text: string | undefined | null): EtcdVersion | undefined {
  if (text === undefined || text === null) return undefined;
  const s = String(text).trim().replace(/^v/, '').replace(/^\d+:/, '');
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:$|[-+~.\s])/.exec(s);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: String(text) };
}

export function mustParseVersion(text: string): EtcdVersion {
  const v = parseVersion(text);
  if (!v) throw new Error(`not an etcd version: ${JSON.stringify(text)}`);
  return v;
}

export function compareVersions(a: EtcdVersion, b: EtcdVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function formatVersion(v: EtcdVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function minorOf(v: EtcdVersion): string {
  return `${v.major}.${v.minor}`;
}

export function sameMinor(a: EtcdVersion, b: EtcdVersion): boolean {
  return a.major === b.major && a.minor === b.minor;
}

/** Does package version `pkg` (e.g. "3.4.23-4+b4") provide upstream `want` ("3.4.23" or the exact string)? */
export function packageMatches(pkg: string, want: string): boolean {
  if (pkg === want) return true;
  const p = parseVersion(pkg);
  const w = parseVersion(want);
  if (!p || !w) return false;
  // "3.4" matches any 3.4.x only when the user wrote two components
  if (/^v?\d+\.\d+$/.test(want.trim())) return p.major === w.major && p.minor === w.minor;
  return compareVersions(p, w) === 0 && !/-/.test(want);
}
