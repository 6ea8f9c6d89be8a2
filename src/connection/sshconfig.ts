/**
 * A reader for the OpenSSH client config (~/.ssh/config) covering what etcdplay uses:
 * `Host` patterns (wildcards, `!negation`, several per line), `Match all`/`Match host`
 * (other Match criteria never match), `Include`, and the keywords HostName, User, Port,
 * IdentityFile, IdentitiesOnly, ProxyJump, UserKnownHostsFile, StrictHostKeyChecking,
 * ConnectTimeout, ServerAliveInterval. As in OpenSSH the first value obtained wins, except
 * IdentityFile which accumulates.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, basename } from 'node:path';
import { wildcardMatch } from './knownhosts.js';

export interface SshConfigHost {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  proxyJump?: string;
  /** The raw ProxyCommand (only `ssh -W %h:%p [user@]jump` forms are understood, as a jump). */
  proxyCommand?: string;
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: string;
  connectTimeoutSec?: number;
  serverAliveIntervalSec?: number;
}

interface Block {
  /** Host patterns; undefined means the top of the file (applies to every host). */
  match: (host: string) => boolean;
  options: [keyword: string, args: string[], file: string, line: number][];
}

/** Split a config line into words: whitespace separated, `"quoted words"`, optional `=` after the keyword. */
export function splitConfigWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = false;
  let sawEquals = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '"') quote = false;
      else cur += c;
      continue;
    }
    if (c === '"') { quote = true; inWord = true; continue; }
    if (c === '#' && !inWord) break;
    // One `=` may separate the keyword from its value: `Port=22`, `Port = 22`.
    const isEquals = c === '=' && !sawEquals && (words.length === 0 || (words.length === 1 && !inWord));
    if (isEquals) sawEquals = true;
    if (/\s/.test(c) || isEquals) {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (inWord) words.push(cur);
  return words;
}

function patternListMatches(patterns: string[], host: string): boolean {
  let positive = false;
  for (const p of patterns.flatMap((x) => x.split(','))) {
    if (!p) continue;
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), host)) return false;
    } else if (wildcardMatch(p, host)) positive = true;
  }
  return positive;
}

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?]/.test(base)) return existsSync(pattern) ? [pattern] : [];
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => wildcardMatch(base, n)).sort().map((n) => join(dir, n));
}

function parseInto(file: string, blocks: Block[], depth: number): void {
  if (depth > 8 || !existsSync(file)) return;
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return; }
  let current: Block = blocks[blocks.length - 1]!;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const words = splitConfigWords(lines[i]!);
    if (!words.length) continue;
    const keyword = words[0]!.toLowerCase();
    const args = words.slice(1);
    if (keyword === 'host') {
      current = { match: (h) => patternListMatches(args, h), options: [] };
      blocks.push(current);
    } else if (keyword === 'match') {
      current = { match: matchCriteria(args), options: [] };
      blocks.push(current);
    } else if (keyword === 'include') {
      for (const a of args) {
        const p = expandHome(a);
        const full = isAbsolute(p) ? p : join(homedir(), '.ssh', p);
        for (const f of globFiles(full)) {
          const inner: Block = { match: current.match, options: [] };
          blocks.push(inner);
          parseInto(f, blocks, depth + 1);
          // Lines after the Include continue the block that was open before it.
          const after: Block = { match: current.match, options: [] };
          blocks.push(after);
          current = after;
        }
      }
    } else {
      current.options.push([keyword, args, file, i + 1]);
    }
  }
}

/** `Match all` and `Match host PATTERNS` are understood; any other criterion never matches. */
function matchCriteria(args: string[]): (host: string) => boolean {
  if (args.length === 1 && args[0]!.toLowerCase() === 'all') return () => true;
  const tests: ((h: string) => boolean)[] = [];
  for (let i = 0; i < args.length; i++) {
    const crit = args[i]!.toLowerCase();
    if (crit === 'host' || crit === 'originalhost') {
      const pats = (args[++i] ?? '').split(',');
      tests.push((h) => patternListMatches(pats, h));
    } else {
      return () => false;
    }
  }
  return (h) => tests.every((t) => t(h));
}

export function parseSshConfigFile(file: string): Block[] {
  const blocks: Block[] = [{ match: () => true, options: [] }];
  parseInto(file, blocks, 0);
  return blocks;
}

function expandTokens(value: string, host: string, original: string, port: number | undefined, user: string | undefined): string {
  return expandHome(value).replace(/%([%hnpdru])/g, (_m, t: string) => {
    switch (t) {
      case '%': return '%';
      case 'h': return host;
      case 'n': return original;
      case 'p': return String(port ?? 22);
      case 'd': return homedir();
      case 'r': return user ?? userInfo().username;
      case 'u': return userInfo().username;
      default: return '';
    }
  });
}

/** The options that apply to `host` (the name as given, before HostName). */
export function lookupSshConfig(host: string, file?: string): SshConfigHost {
  const path = file ?? join(homedir(), '.ssh', 'config');
  const out: SshConfigHost = { identityFiles: [] };
  if (!existsSync(path)) return out;
  const seen = new Set<string>();
  const rawIdentity: string[] = [];
  for (const block of parseSshConfigFile(path)) {
    if (!block.match(host)) continue;
    for (const [kw, args] of block.options) {
      const v = args[0];
      if (v === undefined) continue;
      if (kw === 'identityfile') { rawIdentity.push(v); continue; }
      if (seen.has(kw)) continue;
      seen.add(kw);
      switch (kw) {
        case 'hostname': out.hostName = v; break;
        case 'user': out.user = v; break;
        case 'port': { const n = Number(v); if (Number.isInteger(n) && n > 0 && n < 65536) out.port = n; break; }
        case 'identitiesonly': out.identitiesOnly = v.toLowerCase() === 'yes'; break;
        case 'proxyjump': out.proxyJump = v; break;
        case 'proxycommand': out.proxyCommand = args.join(' '); break;
        case 'userknownhostsfile': out.userKnownHostsFiles = args; break;
        case 'stricthostkeychecking': out.strictHostKeyChecking = v.toLowerCase(); break;
        case 'connecttimeout': { const n = Number(v); if (n > 0) out.connectTimeoutSec = n; break; }
        case 'serveraliveinterval': { const n = Number(v); if (n >= 0) out.serverAliveIntervalSec = n; break; }
        default: seen.delete(kw); // not ours: ignored
      }
    }
  }
  const hostName = out.hostName ? expandTokens(out.hostName, host, host, out.port, out.user) : host;
  if (out.hostName) out.hostName = hostName;
  out.identityFiles = rawIdentity.map((f) => expandTokens(f, hostName, host, out.port, out.user));
  if (out.userKnownHostsFiles) {
    out.userKnownHostsFiles = out.userKnownHostsFiles.map((f) => expandTokens(f, hostName, host, out.port, out.user));
  }
  return out;
}
