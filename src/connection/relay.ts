/**
 * relay: copy a file from one host to another through the workstation, streaming (nothing is
 * kept in memory beyond the stream buffers, nothing is written to local disk). The destination
 * gets the usual temp-name + sha256 + rename treatment and is renamed only after the source's own
 * sha256 is known and equal.
 */
import { PassThrough } from 'node:stream';
import { CommandFailedError } from '../errors.js';
import type { Become } from '../model/command.js';
import type { Connection, TransferOptions, TransferOutcome } from './connection.js';

export interface RelayOptions extends TransferOptions {
  /** become for reading the source; default `become`. */
  sourceBecome?: Become | null;
}

export async function relay(from: Connection, src: string, to: Connection, dest: string, opts: RelayOptions = {}): Promise<TransferOutcome> {
  const srcBecome = opts.sourceBecome === null ? undefined : (opts.sourceBecome ?? opts.become);
  const readOpts: TransferOptions = {
    ...(srcBecome ? { become: srcBecome } : {}),
    ...(opts.becomePassword !== undefined ? { becomePassword: opts.becomePassword } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const size = await sizeOf(from, src, readOpts);
  const pipe = new PassThrough({ highWaterMark: 4 << 20 });
  pipe.on('error', () => undefined);
  const got = from.get(src, pipe, readOpts);
  const expect = got.then((r) => r.sha256);
  expect.catch(() => undefined);
  const { sourceBecome: _ignored, ...putOpts } = opts;
  const put = to.put(pipe, size, dest, { ...putOpts, expectSha256: expect });
  put.catch(() => { if (!pipe.destroyed) pipe.destroy(); });
  const [g, p] = await Promise.allSettled([got, put]);
  if (g.status === 'rejected') throw g.reason;
  if (p.status === 'rejected') throw p.reason;
  if (g.value.sha256 !== p.value.sha256) {
    throw new CommandFailedError(to.host, 1, `relay ${from.host}:${src} -> ${to.host}:${dest}: sha256 differs (${g.value.sha256} vs ${p.value.sha256})`);
  }
  return p.value;
}

async function sizeOf(conn: Connection, path: string, opts: TransferOptions): Promise<number> {
  const r = await conn.exec({ kind: 'exec', argv: ['stat', '-L', '-c', '%s', '--', path] }, {
    ...(opts.become ? { become: opts.become } : {}),
    ...(opts.becomePassword !== undefined ? { becomePassword: opts.becomePassword } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (r.rc !== 0) throw new CommandFailedError(conn.host, r.rc, `cannot read ${path}: ${r.stderr.trim().split('\n').pop() ?? ''}`, r.stdout, r.stderr);
  return Number(r.stdout.trim()) || 0;
}
