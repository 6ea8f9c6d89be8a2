/**
 * `etcdplay monitor -i INV`: a Prometheus exporter of the members' versions and status (src/monitor/),
 * probing each member over its own SSH connection; `--once` prints one round as a table or JSON.
 */
import { parseArgs } from 'node:util';
import { ValidationError } from '../../errors.js';
import type { ExporterInfo } from '../../monitor/collect.js';
import { Poller } from '../../monitor/poller.js';
import { monitorTargets } from '../../monitor/probe.js';
import { parseListen, startServer } from '../../monitor/server.js';
import { monitorJson, monitorTable } from '../../report/monitor.js';
import { termSafe } from '../../template/terminal.js';
import { parseCli } from '../args.js';
import { connectOptions, type ConnectFlags } from '../options.js';
import { closeLineReader } from '../prompt.js';
import { loadInventories } from '../session.js';
import { version } from '../version.js';

export const usage = `usage: etcdplay monitor -i INVENTORY [options]

Serve the etcd members' versions and status as Prometheus metrics (GET /metrics), probing each
member over its own SSH connection with etcdctl on the member (nothing needed on this machine).
Series: docs/monitor.md.

  -i, --inventory FILE       inventory (repeatable)
      --group NAME           inventory group of the members (default etcd)
      --listen HOST:PORT     address to serve on (default 127.0.0.1:9101; port 0: any free port)
      --interval DURATION    probe each member this often: 15s (default), 500ms, 1m
      --once                 probe every member once, print a table and exit
      --json                 with --once: JSON instead of the table
  -b, --become               run the probe with sudo (to read TLS keys only root can read)
  -K, --ask-become-pass      ask for the sudo password
  -k, --ask-pass             ask for the SSH password
      --host-key-checking M  strict (default) | accept-new | off

exit codes: 0 ok (--once: every member up), 1 --once: a member down or unreachable, 2 bad input`;

/** "15s", "500ms", "1m", "2" (seconds) -> milliseconds. */
export function parseDuration(text: string, what = '--interval'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const n = m ? Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? 's']! : NaN;
  if (!m || !(n >= 100) || n > 86_400_000) throw new ValidationError(`${what}: want a duration between 100ms and 24h such as 15s, 500ms or 1m, got ${JSON.stringify(text)}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  try {
    return await monitorCommand(argv);
  } finally {
    closeLineReader();
  }
}

async function monitorCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: 'string', short: 'i', multiple: true },
      group: { type: 'string' },
      listen: { type: 'string' },
      interval: { type: 'string' },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      become: { type: 'boolean', short: 'b' },
      'ask-become-pass': { type: 'boolean', short: 'K' },
      'ask-pass': { type: 'boolean', short: 'k' },
      'host-key-checking': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }), usage);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (positionals.length) throw new ValidationError(`unexpected argument '${positionals[0]}'\n\n${usage}`);
  if (values.json && !values.once) throw new ValidationError('--json goes with --once (the exporter serves Prometheus text at /metrics)');
  const intervalMs = parseDuration(values.interval ?? '15s');
  let listen: { host: string; port: number } | undefined;
  if (!values.once) {
    try {
      listen = parseListen(values.listen ?? '127.0.0.1:9101');
    } catch (err) {
      throw new ValidationError((err as Error).message);
    }
  }
  const inventory = loadInventories(values.inventory);
  const targets = monitorTargets(inventory, values.group ?? 'etcd');
  const connect = await connectOptions(values as ConnectFlags);
  connect.onWarning = (m) => process.stderr.write(`etcdplay monitor: warning: ${termSafe(m)}\n`);
  const become = values.become ? { user: 'root', method: 'sudo' as const } : undefined;
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${termSafe(m, true)}\n`);
  const poller = new Poller({
    targets,
    intervalMs,
    connect,
    ...(become ? { become } : {}),
    ...(values.once
      ? {}
      : {
          onChange: (s) => {
            if (s.up) log(`${s.member}: up, etcd ${s.serverVersion ?? '?'}${s.isLeader ? ' (leader)' : ''}`);
            else log(`${s.member}: down${s.sshUp ? '' : ' (ssh)'}: ${s.error ?? 'no answer'}`);
          },
        }),
  });

  if (values.once) {
    try {
      const states = await poller.probeAll();
      process.stdout.write(values.json ? monitorJson(states) : monitorTable(states));
      return states.every((st) => st.sample.up) ? 0 : 1;
    } finally {
      await poller.stop();
    }
  }

  const started = Date.now() / 1000;
  const info = (): ExporterInfo => ({
    version,
    startTimeSeconds: started,
    residentMemoryBytes: process.memoryUsage.rss(),
    heapUsedBytes: process.memoryUsage().heapUsed,
    intervalSeconds: intervalMs / 1000,
  });
  let server;
  try {
    server = await startServer(listen!, () => poller.snapshot(), info);
  } catch (err) {
    await poller.stop();
    throw new ValidationError(`--listen ${values.listen ?? '127.0.0.1:9101'}: ${(err as Error).message}`);
  }
  log(`etcdplay monitor: serving ${server.url}/metrics for ${targets.length} member(s) of '${values.group ?? 'etcd'}', probing every ${intervalMs / 1000}s`);
  poller.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('etcdplay monitor: stopping');
  await server.close();
  await poller.stop();
  return 0;
}
