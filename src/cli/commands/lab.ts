/**
 * `etcdplay lab`: real multi-host etcd clusters on this machine (see docs/lab.md).
 *
 *   etcdplay lab up [--nodes 3] [--etcd 3.5.16] [--tls] [--name lab] [--control-plane N] [--init sysv|systemd]
 *   etcdplay lab status [--name lab] [--json]
 *   etcdplay lab ssh NODE [--name lab] [-- COMMAND...]
 *   etcdplay lab exec NODE [--name lab] -- COMMAND...      (inside the host, without ssh)
 *   etcdplay lab load [--keys 300] [--leases 1] [--name lab]
 *   etcdplay lab writes [--name lab] [--json]
 *   etcdplay lab down [--name lab] [--all]
 *   etcdplay lab list
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ValidationError } from '../../errors.js';
import {
  etcdctlPrefix, getLab, labDown, labExec, labLoad, labStatus, labUp, labWrites, listLabNames, DEFAULT_ETCD, type Lab, type LabStatus, type LabWrites,
} from '../../lab/index.js';
import { readState } from '../../lab/state.js';
import { DEFAULT_INIT, LAB_INITS, isLabInit } from '../../lab/init.js';
import { requireRootOnLinux } from '../../lab/preconditions.js';

export const DEFAULT_LAB = 'lab';

export const usage = `usage: etcdplay lab <up|status|ssh|exec|load|writes|down|list> [options]

  up      [--nodes N] [--etcd VERSION] [--tls] [--name NAME] [--net N] [--control-plane C] [--init INIT]
                                                              build (cached) and start a lab on 127.0.N.11..
                                                              (C: 0..5 control plane hosts cp1.. on 127.0.N.31..,
                                                              group kube_control_plane, each with a writing
                                                              kube-apiserver stand-in; INIT: ${LAB_INITS.join('|')},
                                                              default ${DEFAULT_INIT}: systemd boots systemd in
                                                              every host, services are systemd units)
  status  [--name NAME] [--json]                              hosts, addresses, versions, health, leader
  ssh     NODE [--name NAME] [-- COMMAND...]                  ssh into a host (strict host key checking)
  exec    NODE [--name NAME] -- COMMAND...                    run a shell command inside a host, without ssh
  load    [--keys N] [--leases M] [--name NAME]               write rehearsal keys, some on long leases
  writes  [--name NAME] [--json]                              acknowledged writes of the control plane hosts that
                                                              the cluster lacks (exit 0: none, 1: some, 2: can't tell)
  down    [--name NAME] [--all]                               stop every process, unmount, remove the lab dir
  list                                                        labs on this machine

NAME defaults to '${DEFAULT_LAB}'; VERSION defaults to ${DEFAULT_ETCD} (3.4.23, 3.5.16, 3.5.30 available).
N defaults to 1 (127.0.1.11, .12, ...), or the first free range when another lab holds it.
Needs root and Linux. Cache: \${ETCDPLAY_CACHE:-~/.cache/etcdplay}; labs: /run/etcdplay/labs/NAME/.
`;

const OPTIONS = {
  name: { type: 'string' },
  nodes: { type: 'string' },
  etcd: { type: 'string' },
  tls: { type: 'boolean' },
  net: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  keys: { type: 'string' },
  leases: { type: 'string' },
  'control-plane': { type: 'string' },
  init: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function int(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new ValidationError(`--${flag} needs a whole number, got '${v}'`);
  return Number(v);
}

const out = (s: string) => process.stdout.write(s + '\n');
const started = Date.now();
const progress = (s: string) => process.stderr.write(`lab: [${((Date.now() - started) / 1000).toFixed(1)}s] ${s}\n`);

export function describeLab(lab: Lab): string {
  const lines = [
    `lab '${lab.name}' is up: ${lab.hosts.length} x etcd ${lab.etcdVersion} (${lab.debVersion}), ${lab.tls ? 'TLS (https, client certificates)' : 'http'}, ${lab.init === 'systemd' ? 'systemd hosts' : 'sysv hosts'}`,
    ...lab.hosts.map((h) => `  ${h.name.padEnd(6)} ${h.address.padEnd(11)} pid ${h.pid}`),
    ...lab.controlPlane.map((h) => `  ${h.name.padEnd(6)} ${h.address.padEnd(11)} pid ${h.pid}  control plane (kube-apiserver writing)`),
    '',
    `  inventory    ${lab.inventoryPath}`,
    `  ssh config   ${lab.sshConfigPath}`,
    `  known hosts  ${lab.knownHostsPath}`,
    `  private key  ${lab.keyPath}`,
    '',
    'use it:',
    `  ssh -F ${lab.sshConfigPath} etcd1`,
    `  etcdplay lab exec etcd1 --name ${lab.name} -- "${etcdctlPrefix(lab.tls, [`${lab.tls ? 'https' : 'http'}://${lab.hosts[0]!.address}:2379`])} member list -w table"`,
    `  etcdplay adhoc etcd -i ${lab.inventoryPath} -a 'etcd --version'`,
    `  etcdplay inventory -i ${lab.inventoryPath} --graph`,
    `  etcdplay lab status --name ${lab.name}`,
    `  etcdplay lab load --name ${lab.name} --keys 300 --leases 1`,
    ...(lab.controlPlane.length ? [`  etcdplay lab writes --name ${lab.name}`] : []),
    `  etcdplay lab down --name ${lab.name}`,
  ];
  return lines.join('\n');
}

export function formatStatus(st: LabStatus): string {
  const rows = [['HOST', 'ADDRESS', 'RUNNING', 'PACKAGE', 'ETCD', 'HEALTHY', 'LEADER', 'REVISION', 'MEMBER ID']];
  for (const m of st.members) {
    rows.push([m.name, m.address, m.running ? 'yes' : 'no', m.package ?? '-', m.version ?? '-', m.healthy ? 'yes' : 'no',
      m.isLeader ? '*' : '', m.revision !== undefined ? String(m.revision) : '-', m.memberId ? BigInt(m.memberId).toString(16) : '-']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  const cp = st.controlPlane.length ? [['HOST', 'ADDRESS', 'RUNNING', 'KUBE-APISERVER', 'READY']] : [];
  for (const c of st.controlPlane) cp.push([c.name, c.address, c.running ? 'yes' : 'no', c.apiserver ? 'running' : 'stopped', c.ready ? 'yes' : 'no']);
  const cpWidths = cp.length ? cp[0]!.map((_, i) => Math.max(...cp.map((r) => r[i]!.length))) : [];
  const cpTable = cp.map((r) => r.map((c, i) => c.padEnd(cpWidths[i]!)).join('  ').trimEnd());
  const errors = st.members.filter((m) => m.error).map((m) => `  ${m.name}: ${m.error}`);
  const half = st.state === 'starting' ? [`lab '${st.name}' is half-started (its 'up' did not finish): 'etcdplay lab up --name ${st.name}' starts it again, 'etcdplay lab down --name ${st.name}' removes it`] : [];
  return [
    ...half,
    `lab '${st.name}' (${st.state}${st.tls ? ', TLS' : ''}): ${st.healthy ? 'healthy' : 'NOT healthy'}, leader ${st.leader ?? 'none'}`,
    ...table,
    ...(cpTable.length ? ['control plane (group kube_control_plane):', ...cpTable] : []),
    ...(errors.length ? ['errors:', ...errors] : []),
    `inventory: ${st.inventoryPath}`,
  ].join('\n');
}

export function formatWrites(name: string, w: LabWrites): string {
  const head = `lab '${name}': ${w.acked} acknowledged write(s) by ${w.writers.join(', ')}, ${w.missing} missing from the cluster`;
  return w.missing ? `${head}:\n${w.missingKeys.map((k) => `  ${k}`).join('\n')}${w.missing > w.missingKeys.length ? `\n  ... and ${w.missing - w.missingKeys.length} more` : ''}` : head;
}

function passthrough(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
    child.on('error', (e) => { process.stderr.write(`etcdplay lab: ${e.message}\n`); resolve(127); });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '-h' || sub === '--help' || sub === 'help') {
    process.stdout.write(usage);
    return sub ? 0 : 2;
  }
  const dash = rest.indexOf('--');
  const command = dash >= 0 ? rest.slice(dash + 1) : [];
  const { values: o, positionals } = parseArgs({ args: dash >= 0 ? rest.slice(0, dash) : rest, options: OPTIONS, allowPositionals: true, strict: true });
  if (o.help) { process.stdout.write(usage); return 0; }
  const name = o.name ?? DEFAULT_LAB;
  requireRootOnLinux();
  switch (sub) {
    case 'up': {
      // Interrupted: tear down what was started rather than leave a half lab behind.
      const onSignal = (sig: NodeJS.Signals) => {
        progress(`${sig}: tearing down lab '${name}'`);
        labDown(name).catch(() => undefined).finally(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const init = o.init ?? DEFAULT_INIT;
      if (!isLabInit(init)) throw new ValidationError(`--init must be one of ${LAB_INITS.join(', ')}, got '${init}'`);
      const lab = await labUp({ init,
        name, nodes: int('nodes', o.nodes, 3), etcd: o.etcd ?? DEFAULT_ETCD, tls: !!o.tls, controlPlane: int('control-plane', o['control-plane'], 0),
        ...(o.net !== undefined ? { net: int('net', o.net, 1) } : {}), log: progress,
      });
      out(describeLab(lab));
      return 0;
    }
    case 'status': {
      const st = await labStatus(name);
      out(o.json ? JSON.stringify(st, null, 2) : formatStatus(st));
      return st.healthy && st.state === 'up' ? 0 : 1;
    }
    case 'ssh': {
      const node = positionals[0];
      if (!node) throw new ValidationError('lab ssh needs a host name (etcd1, etcd2, ..., cp1, ...)');
      const lab = getLab(name);
      const hosts = [...lab.hosts, ...lab.controlPlane].map((h) => h.name);
      if (!hosts.includes(node)) throw new ValidationError(`lab '${name}' has no host '${node}' (hosts: ${hosts.join(', ')})`);
      return passthrough(['ssh', '-F', lab.sshConfigPath, node, ...command]);
    }
    case 'exec': {
      const node = positionals[0];
      if (!node || !command.length) throw new ValidationError('usage: etcdplay lab exec NODE [--name NAME] -- COMMAND...');
      const r = await labExec(name, node, command.join(' '));
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.rc;
    }
    case 'load': {
      const r = await labLoad(name, { keys: int('keys', o.keys, 300), leases: int('leases', o.leases, 1) });
      out(`lab '${name}': wrote ${r.keys} keys under /etcdplay/rehearsal/, ${r.leases.length} lease(s) ${r.leases.join(' ')} (TTL 86400s), revision ${r.revision ?? '?'}`);
      return 0;
    }
    case 'writes': {
      const w = await labWrites(name);
      out(o.json ? JSON.stringify(w) : formatWrites(name, w));
      return w.missing ? 1 : 0;
    }
    case 'down': {
      const names = o.all ? listLabNames() : [name];
      if (!names.length) { out('no labs'); return 0; }
      for (const n of names) {
        const gone = await labDown(n);
        out(gone ? `lab '${n}' is down (processes stopped, mounts gone, ${n} dir removed; the cache stays)` : `no lab named '${n}'`);
      }
      return 0;
    }
    case 'list': {
      const names = listLabNames();
      if (!names.length) out('no labs');
      for (const n of names) {
        const st = readState(n);
        out(st ? `${n}\t${st.state}\t${st.nodes} x etcd ${st.etcdVersion}${st.tls ? ' TLS' : ''}${st.cpHosts?.length ? `, ${st.cpHosts.length} control plane` : ''}${st.init === 'systemd' ? ', systemd' : ''}` : `${n}\t(unknown state)`);
      }
      return 0;
    }
    default:
      throw new ValidationError(`unknown lab command '${sub}' (up, status, ssh, exec, load, writes, down, list)`);
  }
}
