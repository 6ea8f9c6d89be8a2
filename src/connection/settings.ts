/**
 * Where an SSH connection goes and how: inventory vars, `ansible_ssh_common_args`, ~/.ssh/config
 * and the run's options, merged with inventory vars winning over ~/.ssh/config.
 */
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import type { Vars } from '../model/vars.js';
import { lookupSshConfig, type SshConfigHost } from './sshconfig.js';

export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

export interface HopSettings {
  /** The name as written (inventory host or jump spec host). */
  name: string;
  /** Address or DNS name to connect to. */
  hostName: string;
  port: number;
  user: string;
  /** Private key files to try, in order (explicit ones first). */
  identityFiles: string[];
  /** Only the explicit identity files (not the defaults) when true. */
  identitiesOnly: boolean;
  password?: string;
  /** known_hosts files read to verify the host key, in order. */
  knownHostsFiles: string[];
  /** The file a new key is appended to under accept-new. */
  knownHostsWriteFile: string;
  hostKeyChecking: HostKeyChecking;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

export interface SshTarget extends HopSettings {
  /** Jump hosts, outermost first. */
  jumps: HopSettings[];
}

export interface SettingsInput {
  /** The operator's --host-key-checking (default strict): inventories, playbooks and -e never go below it. */
  hostKeyChecking: HostKeyChecking;
  /** Given on the command line: then ~/.ssh/config cannot relax it either. */
  hostKeyCheckingExplicit?: boolean;
  password?: string;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  sshConfigFile?: string;
}

/** Split like a POSIX shell would (quotes and backslashes; no expansions). */
export function shellWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q === "'") { if (c === "'") q = undefined; else cur += c; continue; }
    if (q === '"') {
      if (c === '"') q = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') { q = c; inWord = true; continue; }
    if (c === '\\' && i + 1 < text.length) { cur += text[++i]; inWord = true; continue; }
    if (/\s/.test(c)) { if (inWord) { out.push(cur); cur = ''; inWord = false; } continue; }
    cur += c;
    inWord = true;
  }
  if (q) throw new Error(`unterminated quote in ${JSON.stringify(text)}`);
  if (inWord) out.push(cur);
  return out;
}

/** `-o Key=Value`, `-o Key Value`, `-oKey=Value`, `-J jump`, `-i key`, `-p port`, `-l user` from ssh arguments. Keys lower-cased. */
export function parseSshArgs(text: string): { options: Map<string, string>; identityFiles: string[] } {
  const options = new Map<string, string>();
  const identityFiles: string[] = [];
  const words = shellWords(text);
  const setOpt = (kv: string, next?: () => string | undefined) => {
    const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(kv);
    if (m) { if (!options.has(m[1]!.toLowerCase())) options.set(m[1]!.toLowerCase(), m[2]!.trim()); return; }
    const v = next?.();
    if (v !== undefined && !options.has(kv.toLowerCase())) options.set(kv.toLowerCase(), v);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = () => words[++i];
    if (w === '-o') { const kv = next(); if (kv !== undefined) setOpt(kv, next); }
    else if (w.startsWith('-o')) setOpt(w.slice(2), next);
    else if (w === '-J') { const v = next(); if (v && !options.has('proxyjump')) options.set('proxyjump', v); }
    else if (w === '-i') { const v = next(); if (v) identityFiles.push(v); }
    else if (w === '-p') { const v = next(); if (v && !options.has('port')) options.set('port', v); }
    else if (w === '-l') { const v = next(); if (v && !options.has('user')) options.set('user', v); }
  }
  return { options, identityFiles };
}

export function hostKeyCheckingFrom(value: string | undefined): HostKeyChecking | undefined {
  switch (value?.toLowerCase()) {
    case 'yes': case 'ask': case 'true': case 'strict': return 'strict';
    case 'accept-new': return 'accept-new';
    case 'no': case 'off': case 'false': return 'off';
    default: return undefined;
  }
}

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function portOf(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ValidationError(`${what}: invalid port ${JSON.stringify(v)}`);
  return n;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_rsa', 'id_ecdsa'];

function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), '.ssh', 'known_hosts')];
}

/**
 * The one ProxyCommand form we understand, `ssh [-q] [-p port] [-l user] [-i key] [-o X=Y] -W %h:%p [user@]jump`,
 * as the equivalent ProxyJump spec (`user@jump:port`). Anything else: a ValidationError (we never
 * silently connect directly when a proxy was configured).
 */
export function proxyCommandAsJump(cmd: string, host: string): string | undefined {
  if (!cmd || cmd.toLowerCase() === 'none') return undefined;
  const words = shellWords(cmd);
  const bad = () => new ValidationError(`${host}: ProxyCommand ${JSON.stringify(cmd)} is not supported; use ProxyJump (or ProxyCommand "ssh -W %h:%p [user@]jump")`);
  if (!words.length || !/(^|\/)ssh$/.test(words[0]!) || !words.includes('-W')) throw bad();
  let user: string | undefined;
  let port: string | undefined;
  let dest: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-W') { if (words[++i] !== '%h:%p') throw bad(); }
    else if (w === '-p') port = words[++i];
    else if (w === '-l') user = words[++i];
    else if (w === '-i' || w === '-o' || w === '-F' || w === '-J') i++;
    else if (/^-[46AaCqTtvxNn]+$/.test(w)) continue;
    else if (w.startsWith('-')) throw bad();
    else if (dest === undefined) dest = w;
    else throw bad();
  }
  if (!dest) throw bad();
  const spec = parseJumpSpec(dest);
  const u = spec.user ?? user;
  const p = spec.port ?? (port ? Number(port) : undefined);
  return `${u ? `${u}@` : ''}${spec.host.includes(':') ? `[${spec.host}]` : spec.host}${p ? `:${p}` : ''}`;
}

/** One `[user@]host[:port]` or `ssh://[user@]host[:port]` item of a ProxyJump list. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  let s = spec.trim();
  if (s.startsWith('ssh://')) s = s.slice(6);
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) { user = s.slice(0, at); s = s.slice(at + 1); }
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    s = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) { s = m[1]!; port = Number(m[2]); }
  }
  if (!s) throw new ValidationError(`invalid ProxyJump entry ${JSON.stringify(spec)}`);
  return { ...(user ? { user } : {}), host: s, ...(port ? { port } : {}) };
}

interface HopInput {
  name: string;
  user?: string;
  port?: number;
  hostName?: string;
  identityFiles: string[];
  password?: string;
  knownHostsFiles?: string[];
  hostKeyChecking?: HostKeyChecking;
}

function buildHop(inp: HopInput, cfg: SshConfigHost, run: SettingsInput): HopSettings {
  const explicit = [...inp.identityFiles, ...cfg.identityFiles].map(expandHome);
  const identitiesOnly = cfg.identitiesOnly === true;
  const identityFiles = [...explicit];
  if (!identitiesOnly || explicit.length === 0) {
    for (const k of DEFAULT_KEYS) {
      const p = join(homedir(), '.ssh', k);
      if (!identityFiles.includes(p)) identityFiles.push(p);
    }
  }
  const cfgKnown = cfg.userKnownHostsFiles?.filter((f) => f.toLowerCase() !== 'none');
  const userFiles = (inp.knownHostsFiles?.length ? inp.knownHostsFiles : cfgKnown?.length ? cfgKnown : defaultKnownHostsFiles()).map(expandHome);
  const knownHostsFiles = [...userFiles];
  for (const g of ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']) if (existsSync(g)) knownHostsFiles.push(g);
  // Policy: per-host args win (weakerFromFiles refused any below the run option); a relaxed run
  // option (--host-key-checking) beats ~/.ssh/config; else the config (unless the option was
  // given on the command line); else strict.
  const hostKeyChecking = inp.hostKeyChecking
    ?? (run.hostKeyChecking !== 'strict' ? run.hostKeyChecking : undefined)
    ?? (run.hostKeyCheckingExplicit ? undefined : hostKeyCheckingFrom(cfg.strictHostKeyChecking))
    ?? run.hostKeyChecking;
  const connectTimeoutMs = run.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : undefined);
  const keepaliveIntervalMs = run.keepaliveIntervalMs ?? (cfg.serverAliveIntervalSec !== undefined ? cfg.serverAliveIntervalSec * 1000 : undefined);
  return {
    name: inp.name,
    hostName: inp.hostName ?? cfg.hostName ?? inp.name,
    port: inp.port ?? cfg.port ?? 22,
    user: inp.user ?? cfg.user ?? userInfo().username,
    identityFiles,
    identitiesOnly,
    ...(inp.password !== undefined ? { password: inp.password } : {}),
    knownHostsFiles,
    knownHostsWriteFile: userFiles[0]!,
    hostKeyChecking,
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs } : {}),
  };
}

/** Resolve the jump chain for a ProxyJump value, each jump's own ProxyJump (from ~/.ssh/config) first. */
function resolveJumps(value: string | undefined, run: SettingsInput, shared: Pick<HopInput, 'knownHostsFiles' | 'hostKeyChecking' | 'identityFiles'>, depth: number, seen: Set<string>): HopSettings[] {
  if (!value || value.toLowerCase() === 'none') return [];
  if (depth > 8) throw new ValidationError(`ProxyJump chain too deep: ${value}`);
  const hops: HopSettings[] = [];
  for (const item of value.split(',')) {
    if (!item.trim()) continue;
    const spec = parseJumpSpec(item);
    const key = `${spec.user ?? ''}@${spec.host}:${spec.port ?? ''}`;
    if (seen.has(key)) throw new ValidationError(`ProxyJump loop at ${item.trim()}`);
    seen.add(key);
    const cfg = lookupSshConfig(spec.host, run.sshConfigFile);
    hops.push(...resolveJumps(cfg.proxyJump, run, shared, depth + 1, seen));
    hops.push(buildHop({
      name: spec.host,
      ...(spec.user ? { user: spec.user } : {}),
      ...(spec.port ? { port: spec.port } : {}),
      // The target's explicit keys are tried after the jump's own (the same key usually opens both).
      identityFiles: [],
      ...(shared.knownHostsFiles ? { knownHostsFiles: shared.knownHostsFiles } : {}),
      ...(shared.hostKeyChecking ? { hostKeyChecking: shared.hostKeyChecking } : {}),
    }, { ...cfg, identityFiles: [...cfg.identityFiles, ...shared.identityFiles] }, run));
  }
  return hops;
}

const STRENGTH: Record<HostKeyChecking, number> = { off: 0, 'accept-new': 1, strict: 2 };
const NO_FILE = (f: string) => ['/dev/null', 'none'].includes(f.toLowerCase());

/**
 * Host variables (inventory, play vars, vars_files, -e: all files or text an operator may not have
 * read) must not weaken host-key checking below the operator's --host-key-checking: no
 * StrictHostKeyChecking weaker than it, no known_hosts of /dev/null (every key new, so trusted
 * under accept-new) unless the run is `off` already. Returns the variable and what is wrong and
 * how to fix it; the caller may add where the variable was set.
 */
export function weakerHostKeyChecking(name: string, vars: Vars, run: SettingsInput): { variable: string; message: string } | undefined {
  const problem = (variable: string, what: string, flag: string) => ({
    variable,
    message:
      `${name}: ${variable} ${what}, which would weaken host-key checking below this run's ${run.hostKeyChecking} (--host-key-checking${run.hostKeyCheckingExplicit ? '' : ', default strict'}); ` +
      `an inventory, a playbook or -e cannot weaken host-key checking, only the operator's --host-key-checking can. ` +
      `Fix: remove it from ${variable}, or, if this host really must be reached without checking its key, pass --host-key-checking ${flag} on the command line`,
  });
  for (const v of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const text = str(vars[v]);
    if (!text) continue;
    let o: Map<string, string>;
    try {
      o = parseSshArgs(text).options;
    } catch {
      continue; // resolveSshTarget reports it
    }
    const raw = o.get('stricthostkeychecking');
    const hkc = hostKeyCheckingFrom(raw);
    if (hkc && STRENGTH[hkc] < STRENGTH[run.hostKeyChecking]) return problem(v, `sets StrictHostKeyChecking=${raw}`, hkc);
    const files = o.get('userknownhostsfile');
    if (files !== undefined && run.hostKeyChecking !== 'off' && shellWords(files).every(NO_FILE)) return problem(v, `sets UserKnownHostsFile=${files} (no known_hosts: every host key would be new)`, 'off');
  }
  const known = str(vars['etcdplay_known_hosts_file']);
  if (known && NO_FILE(known) && run.hostKeyChecking !== 'off') return problem('etcdplay_known_hosts_file', `is ${known} (no known_hosts: every host key would be new)`, 'off');
  return undefined;
}

/** Everything needed to reach inventory host `name` over SSH. */
export function resolveSshTarget(name: string, vars: Vars, run: SettingsInput): SshTarget {
  const weaker = weakerHostKeyChecking(name, vars, run);
  if (weaker) throw new ValidationError(weaker.message);
  const common = [str(vars['ansible_ssh_common_args']), str(vars['ansible_ssh_extra_args'])].filter(Boolean).join(' ');
  let args: ReturnType<typeof parseSshArgs>;
  try {
    args = parseSshArgs(common);
  } catch (err) {
    throw new ValidationError(`${name}: ansible_ssh_common_args: ${(err as Error).message}`);
  }
  const o = args.options;
  const address = str(vars['ansible_host']) ?? str(vars['ansible_ssh_host']);
  const cfg = lookupSshConfig(address ?? name, run.sshConfigFile);
  // A ssh-config entry for the inventory name also counts when ansible_host is set (Ansible passes the address to ssh, so OpenSSH would only see that one; keep it as a fallback).
  const cfgByName = address && address !== name ? lookupSshConfig(name, run.sshConfigFile) : undefined;
  const merged: SshConfigHost = cfgByName ? {
    ...cfgByName, ...stripUndefined(cfg),
    identityFiles: cfg.identityFiles.length ? cfg.identityFiles : cfgByName.identityFiles,
  } : cfg;

  const keyFile = str(vars['ansible_ssh_private_key_file']) ?? str(vars['ansible_private_key_file']);
  const known = str(vars['etcdplay_known_hosts_file']);
  const optKnown = o.get('userknownhostsfile');
  const knownHostsFiles = known ? [known] : optKnown ? shellWords(optKnown).filter((f) => f.toLowerCase() !== 'none') : undefined;
  const hkc = hostKeyCheckingFrom(o.get('stricthostkeychecking'));
  const password = str(vars['ansible_password']) ?? str(vars['ansible_ssh_pass']) ?? run.password;
  const identityFiles = [...(keyFile ? [keyFile] : []), ...args.identityFiles, ...(o.get('identityfile') ? [o.get('identityfile')!] : [])];
  const port = portOf(vars['ansible_port'] ?? vars['ansible_ssh_port'] ?? o.get('port'), name);
  const user = str(vars['ansible_user']) ?? str(vars['ansible_ssh_user']) ?? o.get('user');
  const connectTimeoutSec = o.get('connecttimeout') ? Number(o.get('connecttimeout')) : undefined;
  const hop = buildHop({
    name,
    ...(address ? { hostName: address } : {}),
    ...(user ? { user } : {}),
    ...(port ? { port } : {}),
    identityFiles,
    ...(password !== undefined ? { password } : {}),
    ...(knownHostsFiles?.length ? { knownHostsFiles } : {}),
    ...(hkc ? { hostKeyChecking: hkc } : {}),
  }, merged, connectTimeoutSec && !run.connectTimeoutMs ? { ...run, connectTimeoutMs: connectTimeoutSec * 1000 } : run);
  if (!address && merged.hostName) hop.hostName = merged.hostName;

  const proxyCommand = o.get('proxycommand') ?? (o.has('proxyjump') ? undefined : merged.proxyCommand);
  const jumpValue = o.get('proxyjump') ?? proxyCommandAsJump(proxyCommand ?? '', name) ?? merged.proxyJump;
  const jumps = resolveJumps(jumpValue, run, {
    ...(knownHostsFiles?.length ? { knownHostsFiles } : {}),
    ...(hkc ? { hostKeyChecking: hkc } : {}),
    identityFiles: identityFiles,
  }, 0, new Set());
  return { ...hop, jumps };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
