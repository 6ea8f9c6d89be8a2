/**
 * The exporter's HTTP server (node:http, no framework): GET /metrics is the text exposition of
 * the poller's last samples; GET / a short page linking to it; anything else 404 (405 for other
 * methods). No per-request state is kept.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { families, type ExporterInfo, type MemberState } from './collect.js';
import { CONTENT_TYPE, renderExposition } from './exposition.js';

export interface ExporterServer {
  server: Server;
  /** The address it listens on, e.g. http://127.0.0.1:9101 (the real port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** "127.0.0.1:9101", ":9101" (all addresses), "[::1]:9101" -> host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--listen: want HOST:PORT (e.g. 127.0.0.1:9101), got ${JSON.stringify(text)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function metricsText(states: MemberState[], info: ExporterInfo): string {
  return renderExposition(families(states, info));
}

export function startServer(listen: { host: string; port: number }, snapshot: () => MemberState[], info: () => ExporterInfo): Promise<ExporterServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      let body: string;
      try {
        body = metricsText(snapshot(), info());
      } catch (err) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`etcdplay monitor: ${(err as Error).message}\n`);
        return;
      }
      res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<html><head><title>etcdplay monitor</title></head><body><h1>etcdplay monitor</h1><p><a href="/metrics">Metrics</a></p></body></html>\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server,
        url: `http://${host}:${a.port}`,
        close: () => new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
      });
    });
  });
}
