/**
 * Reading a member's settings the way etcd does: ETCD_* variables from /etc/default/etcd,
 * /etc/etcd/etcd.conf or a systemd EnvironmentFile, flags from DAEMON_ARGS or the process
 * command line (flags win over variables, as in etcd), and the environment of the running process.
 */

/** Parse a shell-style env file: KEY=value, KEY="value", export KEY='value'; comments ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) {
      v = v.slice(1, -1);
    } else {
      v = v.replace(/\s+#.*$/, '');
    }
    out[m[1]!] = v;
  }
  return out;
}

/** Split a command line / DAEMON_ARGS into words (simple shell quoting). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { q = c; has = true; continue; }
    if (c === '\\' && i + 1 < s.length) { cur += s[++i]; has = true; continue; }
    if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
      continue;
    }
    cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

/** etcd flags (--data-dir=x, --data-dir x, --client-cert-auth) as ETCD_* variables. */
export function flagsToEnv(words: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = /^--?([a-z0-9][a-z0-9-]*)(?:=(.*))?$/.exec(w);
    if (!m) continue;
    const name = 'ETCD_' + m[1]!.replace(/-/g, '_').toUpperCase();
    if (m[2] !== undefined) out[name] = m[2];
    else if (i + 1 < words.length && !words[i + 1]!.startsWith('-')) out[name] = words[++i]!;
    else out[name] = 'true';
  }
  return out;
}

/**
 * The parts of a systemd unit (`systemctl cat` output: unit + drop-ins) that set etcd's settings:
 * Environment= assignments (later ones win; %-specifiers left as they are), EnvironmentFile=
 * paths, and the words of the last ExecStart=.
 */
export function parseUnit(text: string): { environment: Record<string, string>; environmentFiles: string[]; execStart: string[] } {
  const environment: Record<string, string> = {};
  const environmentFiles: string[] = [];
  let execStart: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^(Environment|EnvironmentFile|ExecStart)=(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Environment') {
      for (const w of splitWords(m[2]!)) {
        const i = w.indexOf('=');
        if (i > 0) environment[w.slice(0, i)] = w.slice(i + 1);
      }
    } else if (m[1] === 'EnvironmentFile') {
      if (m[2]) environmentFiles.push(m[2].replace(/^-/, ''));
    } else if (m[2]) {
      execStart = splitWords(m[2]);
    }
  }
  return { environment, environmentFiles, execStart };
}

export interface MemberConfig {
  name?: string;
  dataDir: string;
  walDir?: string;
  clientUrls: string[];
  peerUrls: string[];
  listenClientUrls: string[];
  listenPeerUrls: string[];
  initialCluster?: string;
  initialClusterToken?: string;
  initialClusterState?: string;
  scheme: 'http' | 'https';
  tls: {
    certFile?: string;
    keyFile?: string;
    trustedCaFile?: string;
    clientCertAuth: boolean;
    peerCertFile?: string;
    peerKeyFile?: string;
    peerTrustedCaFile?: string;
    peerClientCertAuth: boolean;
    autoTls: boolean;
  };
  /** Every ETCD_* setting that went into this, after precedence. */
  settings: Record<string, string>;
}

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
const bool = (v: string | undefined) => v === 'true' || v === '1';

/**
 * Effective settings: package defaults < config file variables < DAEMON_ARGS flags < the running
 * process's environment < its command-line flags.
 */
export function memberConfig(sources: { file?: string; unit?: string; environ?: Record<string, string>; cmdline?: string[] }): MemberConfig {
  const fileVars = sources.file ? parseEnvFile(sources.file) : {};
  const s: Record<string, string> = { ETCD_DATA_DIR: '/var/lib/etcd/default' };
  const pick = (o: Record<string, string>) => {
    for (const [k, v] of Object.entries(o)) if (k.startsWith('ETCD_') || k === 'ETCD_NAME') s[k] = v;
  };
  const unit = sources.unit ? parseUnit(sources.unit) : undefined;
  if (unit) pick(unit.environment);
  pick(fileVars);
  if (unit) pick(flagsToEnv(unit.execStart.filter((w) => !w.startsWith('$'))));
  if (fileVars.DAEMON_ARGS) pick(flagsToEnv(splitWords(fileVars.DAEMON_ARGS)));
  if (sources.environ) pick(sources.environ);
  if (sources.cmdline) pick(flagsToEnv(sources.cmdline.slice(1)));
  const clientUrls = list(s.ETCD_ADVERTISE_CLIENT_URLS);
  const tls = {
    certFile: s.ETCD_CERT_FILE,
    keyFile: s.ETCD_KEY_FILE,
    trustedCaFile: s.ETCD_TRUSTED_CA_FILE ?? s.ETCD_CA_FILE,
    clientCertAuth: bool(s.ETCD_CLIENT_CERT_AUTH),
    peerCertFile: s.ETCD_PEER_CERT_FILE,
    peerKeyFile: s.ETCD_PEER_KEY_FILE,
    peerTrustedCaFile: s.ETCD_PEER_TRUSTED_CA_FILE ?? s.ETCD_PEER_CA_FILE,
    peerClientCertAuth: bool(s.ETCD_PEER_CLIENT_CERT_AUTH),
    autoTls: bool(s.ETCD_AUTO_TLS),
  };
  const scheme: 'http' | 'https' = clientUrls.some((u) => u.startsWith('https:')) || (!clientUrls.length && !!tls.certFile) ? 'https' : 'http';
  const out: MemberConfig = {
    dataDir: s.ETCD_DATA_DIR!,
    clientUrls,
    peerUrls: list(s.ETCD_INITIAL_ADVERTISE_PEER_URLS),
    listenClientUrls: list(s.ETCD_LISTEN_CLIENT_URLS),
    listenPeerUrls: list(s.ETCD_LISTEN_PEER_URLS),
    scheme,
    tls,
    settings: s,
  };
  if (s.ETCD_NAME) out.name = s.ETCD_NAME;
  if (s.ETCD_WAL_DIR) out.walDir = s.ETCD_WAL_DIR;
  if (s.ETCD_INITIAL_CLUSTER) out.initialCluster = s.ETCD_INITIAL_CLUSTER;
  if (s.ETCD_INITIAL_CLUSTER_TOKEN) out.initialClusterToken = s.ETCD_INITIAL_CLUSTER_TOKEN;
  if (s.ETCD_INITIAL_CLUSTER_STATE) out.initialClusterState = s.ETCD_INITIAL_CLUSTER_STATE;
  return out;
}
