/**
 * The poller with a fake connection pool (no SSH): an unreachable host is a sample with up 0 and
 * is retried with backoff; a probe that times out drops its connection; the exporter's HTTP
 * server serves the samples; --interval and --listen parsing.
 */
import { readFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Connection } from '../../../src/connection/connection.js';
import { UnreachableError } from '../../../src/errors.js';
import { backoffMs, Poller, type Pool } from '../../../src/monitor/poller.js';
import { monitorTargets, probeCommand } from '../../../src/monitor/probe.js';
import { parseListen, startServer } from '../../../src/monitor/server.js';
import { parseDuration } from '../../../src/cli/commands/monitor.js';
import { parseInventory } from '../../../src/load/inventory.js';
import { metricsText } from '../../../src/monitor/server.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const OK = readFileSync(join(FIX, 'probe-3.5.16.txt'), 'utf8');
const target = (host: string) => ({ host, vars: {}, endpoint: `http://127.0.3.1:2379`, env: { ETCDCTL_API: '3' } });

/** Each host's behaviour per call: 'ok', 'unreachable', 'timeout'. */
function fakePool(script: Record<string, string[]>) {
  const calls: Record<string, number> = {};
  const closed: string[] = [];
  let closedAll = false;
  const conn = (host: string): Connection => ({
    host,
    connect: async () => undefined,
    exec: async () => {
      const i = calls[host] = (calls[host] ?? 0) + 1;
      const what = script[host]![Math.min(i - 1, script[host]!.length - 1)];
      if (what === 'unreachable') throw new UnreachableError(host, `connect ECONNREFUSED ${host}:22`);
      if (what === 'timeout') throw new Error(`${host}: command timed out after 20 s`);
      return { rc: 0, stdout: OK, stderr: '', durationMs: 5 };
    },
    put: async () => { throw new Error('no'); },
    get: async () => { throw new Error('no'); },
    close: async () => { closed.push(host); },
  });
  const conns = new Map<string, Connection>();
  const pool: Pool = {
    get: async (h) => {
      if (!conns.has(h)) conns.set(h, conn(h));
      return conns.get(h)!;
    },
    peek: (h) => conns.get(h),
    closeAll: async () => { closedAll = true; },
  };
  return { pool, calls, closed, closedAll: () => closedAll };
}

test('backoff: the interval, then 1, 2, 4 ... s, capped', () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffMs(n, 1000)), [1000, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  assert.equal([1, 2, 5].map((n) => backoffMs(n, 15_000)), [15_000, 15_000, 15_000]);
  assert.is(backoffMs(50, 15_000, 120_000), 120_000);
  assert.is(backoffMs(100, 500), 60_000);
});

test('an unreachable host is up 0 / ssh_up 0, the others are unaffected; it comes back with a connect counted', async () => {
  const f = fakePool({ etcd1: ['ok'], etcd2: ['unreachable', 'unreachable', 'ok'] });
  const changes: string[] = [];
  const p = new Poller({ targets: [target('etcd1'), target('etcd2')], intervalMs: 1000, pool: f.pool, onChange: (s) => changes.push(`${s.member}:${s.up ? 'up' : s.sshUp ? 'down' : 'ssh-down'}`) });
  let st = await p.probeAll();
  assert.equal(st.map((s) => [s.sample.member, s.sample.up, s.sample.sshUp]), [['etcd1', true, true], ['etcd2', false, false]]);
  assert.match(st[1]!.sample.error!, 'ECONNREFUSED');
  await p.probeAll();
  st = await p.probeAll();
  assert.equal(st.map((s) => s.sample.up), [true, true]);
  assert.equal(st[1]!.counters, { probesOk: 1, probesFailed: 2, sshConnects: 1 });
  assert.equal(st[0]!.counters, { probesOk: 3, probesFailed: 0, sshConnects: 1 });
  assert.equal(changes, ['etcd1:up', 'etcd2:ssh-down', 'etcd2:up']);
  await p.stop();
  assert.ok(f.closedAll());
});

test('a probe that times out closes its connection (the next one reconnects); the member keeps its id', async () => {
  const f = fakePool({ etcd1: ['ok', 'timeout', 'ok'] });
  const p = new Poller({ targets: [target('etcd1')], intervalMs: 1000, pool: f.pool });
  await p.probeAll();
  const id = p.snapshot()[0]!.sample.id;
  await p.probeAll();
  assert.equal(f.closed, ['etcd1']);
  assert.is(p.snapshot()[0]!.sample.up, false);
  assert.is(p.snapshot()[0]!.sample.id, id, 'identity kept through the outage');
  await p.probeAll();
  assert.is(p.snapshot()[0]!.sample.up, true);
  await p.stop();
});

test('start/stop: members probed on their own timers, state stays one slot per member', async () => {
  const f = fakePool({ etcd1: ['ok'], etcd2: ['unreachable'] });
  const p = new Poller({ targets: [target('etcd1'), target('etcd2')], intervalMs: 100, pool: f.pool });
  p.start();
  await new Promise((r) => setTimeout(r, 450));
  await p.stop();
  assert.ok(f.calls.etcd1! >= 4, `etcd1 probed every interval (${f.calls.etcd1})`);
  assert.ok(f.calls.etcd2! <= 3, `etcd2 backed off (${f.calls.etcd2})`);
  assert.is(p.snapshot().length, 2);
  const n = f.calls.etcd1!;
  await new Promise((r) => setTimeout(r, 250));
  assert.is(f.calls.etcd1, n, 'no probe after stop');
});

test('targets from an inventory: endpoint and TLS environment per member, data dir to tell the instance', () => {
  const { inventory } = parseInventory(`[etcd]
e1 ansible_host=127.0.1.1 etcd_address=127.0.1.1
e2 ansible_host=127.0.1.2 etcd_address=127.0.1.2 etcd_client_port=2479
[web]
w1
[etcd:vars]
etcd_scheme=https
etcd_ca_file=/etc/etcd/pki/ca.crt
etcd_client_cert_file=/etc/etcd/pki/client.crt
etcd_client_key_file=/etc/etcd/pki/client.key
etcd_data_dir=/var/lib/etcd/default
`, 'inv.ini');
  const ts = monitorTargets(inventory);
  assert.equal(ts.map((t) => [t.host, t.endpoint]), [['e1', 'https://127.0.1.1:2379'], ['e2', 'https://127.0.1.2:2479']]);
  assert.equal(ts[0]!.env, { ETCDCTL_API: '3', ETCDCTL_CACERT: '/etc/etcd/pki/ca.crt', ETCDCTL_CERT: '/etc/etcd/pki/client.crt', ETCDCTL_KEY: '/etc/etcd/pki/client.key', ETCDPLAY_DATA_DIR: '/var/lib/etcd/default' });
  const cmd = probeCommand(ts[0]!);
  assert.equal(cmd.argv.slice(0, 2), ['sh', '-c']);
  assert.equal(cmd.argv.slice(3), ['etcdplay', 'https://127.0.1.1:2379'], 'the endpoint reaches the script as an argument only');
  assert.throws(() => monitorTargets(inventory, 'nope'), /no group 'nope'/);
});

function fetchText(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (method === 'GET' ? get : request)(url, { method }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => { body += b.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    if (method !== 'GET') req.end();
  });
}

test('the HTTP server: /metrics in the text format, 404 elsewhere, 405 for POST', async () => {
  const f = fakePool({ etcd1: ['ok'] });
  const p = new Poller({ targets: [target('etcd1')], intervalMs: 1000, pool: f.pool });
  await p.probeAll();
  const srv = await startServer({ host: '127.0.0.1', port: 0 }, () => p.snapshot(), () => ({ version: 'x', startTimeSeconds: 1, residentMemoryBytes: 2, heapUsedBytes: 3, intervalSeconds: 1 }));
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const m = await fetchText(`${srv.url}/metrics`);
    assert.is(m.status, 200);
    assert.is(m.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(m.body, 'etcdplay_member_up{member="etcd1"} 1\n');
    assert.is((await fetchText(`${srv.url}/nope`)).status, 404);
    assert.is((await fetchText(`${srv.url}/metrics`, 'POST')).status, 405);
    assert.match((await fetchText(`${srv.url}/`)).body, 'href="/metrics"');
  } finally {
    await srv.close();
    await p.stop();
  }
});

test('memory stays flat: 3 members x 6000 probes (alternating up and down) with a scrape each round', async () => {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  const DOWN = readFileSync(join(FIX, 'probe-3.5.16-stopped.txt'), 'utf8');
  let n = 0;
  const conn = { exec: async () => ({ rc: 0, stdout: n++ % 5 === 0 ? DOWN : OK, stderr: '', durationMs: 1 }), close: async () => undefined } as unknown as Connection;
  const p = new Poller({ targets: [target('e1'), target('e2'), target('e3')], intervalMs: 1000, pool: { get: async () => conn, peek: () => conn, closeAll: async () => undefined } });
  const info = () => ({ version: 'x', startTimeSeconds: 0, residentMemoryBytes: 0, heapUsedBytes: 0, intervalSeconds: 1 });
  const heap = () => { gc(); return process.memoryUsage().heapUsed; };
  for (let i = 0; i < 500; i++) { await p.probeAll(); metricsText(p.snapshot(), info()); }
  const before = heap();
  for (let i = 0; i < 6000; i++) { await p.probeAll(); metricsText(p.snapshot(), info()); }
  const grown = heap() - before;
  assert.ok(grown < 1_000_000, `heap grew ${grown} bytes over 18000 probes`);
});

test('--interval and --listen', () => {
  assert.equal(['15s', '500ms', '1m', '2', '1.5s'].map((d) => parseDuration(d)), [15_000, 500, 60_000, 2000, 1500]);
  for (const bad of ['', '10ms', 'soon', '-1s', '2d']) assert.throws(() => parseDuration(bad), /--interval/);
  assert.equal(parseListen('127.0.0.1:9101'), { host: '127.0.0.1', port: 9101 });
  assert.equal(parseListen(':9101'), { host: '0.0.0.0', port: 9101 });
  assert.equal(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListen('9101'), /HOST:PORT/);
  assert.throws(() => parseListen('h:70000'), /HOST:PORT/);
});

test.run();
