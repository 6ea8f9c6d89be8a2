/**
 * Which Debian mirror to use, without ever naming one in the repo: ETCDPLAY_DEBIAN_MIRROR, else the
 * machine's own apt sources (deb822 *.sources or one-line sources.list), else debootstrap's default
 * (read from the debootstrap script itself).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Mirror { uri: string; signedBy?: string; from: string }

/** Debian suite names (codenames and aliases); Ubuntu's and others' suites are not Debian mirrors. */
const DEBIAN_SUITES = new Set([
  'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
  'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable',
]);

/** First deb stanza of a deb822 text whose Suites include a plain Debian suite. */
export function parseDeb822Sources(text: string): { uri: string; signedBy?: string } | undefined {
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of stanza.split('\n')) {
      if (/^\s*#/.test(line) || !line.trim()) continue;
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) { last = m[1]!.toLowerCase(); fields[last] = m[2]!.trim(); }
      else if (last && /^\s/.test(line)) fields[last] += '\n' + line.trim();
    }
    if (fields.enabled && fields.enabled.toLowerCase() === 'no') continue;
    const types = (fields.types ?? '').split(/\s+/);
    if (!types.includes('deb')) continue;
    const suites = (fields.suites ?? '').split(/\s+/);
    if (!suites.some((s) => DEBIAN_SUITES.has(s))) continue;
    const uri = (fields.uris ?? '').split(/\s+/).find((u) => /^(https?|file|ftp):/.test(u));
    if (!uri) continue;
    const signedBy = fields['signed-by'] && !fields['signed-by'].includes('\n') ? fields['signed-by'] : undefined;
    return signedBy ? { uri, signedBy } : { uri };
  }
  return undefined;
}

/** First `deb [opts] URI SUITE ...` line of a one-line sources.list with a plain Debian suite. */
export function parseOneLineSources(text: string): { uri: string; signedBy?: string } | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (!m || !DEBIAN_SUITES.has(m[3]!)) continue;
    const signed = /signed-by=(\S+)/.exec(m[1] ?? '');
    return signed ? { uri: m[2]!, signedBy: signed[1]! } : { uri: m[2]! };
  }
  return undefined;
}

export function debootstrapDefaultMirror(scriptText: string): string | undefined {
  return /^DEF_MIRROR="([^"]+)"/m.exec(scriptText)?.[1];
}

export function detectMirror(opts: { env?: NodeJS.ProcessEnv; etcApt?: string; debootstrap?: string } = {}): Mirror | undefined {
  const env = opts.env ?? process.env;
  const etcApt = opts.etcApt ?? '/etc/apt';
  if (env.ETCDPLAY_DEBIAN_MIRROR) return { uri: env.ETCDPLAY_DEBIAN_MIRROR, from: 'ETCDPLAY_DEBIAN_MIRROR' };
  const dir = join(etcApt, 'sources.list.d');
  const files = existsSync(dir) ? readdirSync(dir).sort().map((f) => join(dir, f)) : [];
  for (const f of files.filter((f) => f.endsWith('.sources'))) {
    const hit = parseDeb822Sources(readFileSync(f, 'utf8'));
    if (hit) return { ...hit, from: f };
  }
  for (const f of [join(etcApt, 'sources.list'), ...files.filter((f) => f.endsWith('.list'))]) {
    if (!existsSync(f)) continue;
    const hit = parseOneLineSources(readFileSync(f, 'utf8'));
    if (hit) return { ...hit, from: f };
  }
  const ds = opts.debootstrap ?? '/usr/sbin/debootstrap';
  if (existsSync(ds)) {
    const uri = debootstrapDefaultMirror(readFileSync(ds, 'utf8'));
    if (uri) return { uri, from: `${ds} (default)` };
  }
  return undefined;
}
