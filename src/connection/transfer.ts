/**
 * Streaming transfers over command channels (`cat > tmp` / `cat file`), the same for ssh and local
 * connections; over ssh faster than ssh2's SFTP (docs/connection.md). put: the data goes to `.<name>.etcdplay-<random>` in the destination's
 * directory; the far side's sha256 of the temp file must equal the reference (`expectSha256`,
 * else our hash of the stream) before mode/owner/group are applied and the temp file is renamed
 * over the destination. A local file (FileSource) is read with reused buffers. Any failure or
 * abort removes the temp file; the destination is never touched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandFailedError } from '../errors.js';
import { shQuote } from '../shell/quote.js';
import type { TransferOptions, TransferOutcome } from './connection.js';
import type { BecomeSpec } from './become.js';
import { runCommand, startCommand, type ChannelTransport } from './channel.js';
import { isFileSource, pumpFile, type FileSource } from './fileread.js';
import { abortError } from './limiter.js';

/** The temp name used while writing `dest`. */
export function tempNameFor(dest: string): string {
  return posix.join(posix.dirname(dest), `.${posix.basename(dest)}.etcdplay-${randomBytes(6).toString('hex')}`);
}

/** Hashes and counts what flows through. */
class HashCounter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly onChunk?: (bytes: number) => void, private readonly hashing = true) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.add(chunk);
    cb(null, chunk);
  }
  /** Count (and hash) a chunk that does not flow through the transform (sendFile). */
  add(chunk: Buffer): void {
    if (this.hashing) this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onChunk?.(this.bytes);
  }
}

/** Writes into a command's stdin with backpressure, without ending or destroying it (we do that ourselves). */
function channelWriter(ch: Writable): Writable {
  let closed = false;
  let pending: ((err?: Error) => void) | undefined;
  ch.once('close', () => {
    closed = true;
    pending?.(new Error('the channel closed before all data was written'));
    pending = undefined;
  });
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      if (closed) return cb(new Error('the channel closed before all data was written'));
      if (ch.write(chunk)) return cb();
      pending = cb;
      ch.once('drain', () => {
        const p = pending;
        pending = undefined;
        p?.();
      });
    },
  });
}

/**
 * Writes into a caller's sink with backpressure; ends it only when told to. Small channel packets
 * (32 KiB) that queue up are merged into one write (fewer syscalls for a file sink).
 */
function sinkWriter(sink: Writable): Writable {
  const writeOne = (chunk: Buffer, cb: (err?: Error | null) => void) => {
    if (sink.destroyed || sink.writableEnded) return cb(new Error('the destination stream was closed'));
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      sink.off('error', onErr);
      sink.off('close', onClose);
      sink.off('drain', onDrain);
      cb(err);
    };
    const onErr = (err: Error) => finish(err);
    const onClose = () => finish(new Error('the destination stream was closed'));
    const onDrain = () => finish();
    sink.once('error', onErr);
    sink.once('close', onClose);
    if (sink.write(chunk)) finish();
    else sink.once('drain', onDrain);
  };
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) { writeOne(chunk, cb); },
    writev(chunks, cb) {
      writeOne(chunks.length === 1 ? chunks[0]!.chunk as Buffer : Buffer.concat(chunks.map((c) => c.chunk as Buffer)), cb);
    },
  });
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** Wait for `p`, but give up after ms (then run onTimeout). */
async function within<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => { t = setTimeout(() => { onTimeout(); resolve(undefined); }, ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

async function removeTemp(t: ChannelTransport, tmp: string, become: BecomeSpec | undefined): Promise<void> {
  try {
    await runCommand(t, `rm -f -- ${shQuote(tmp)}`, become ? { become } : {});
  } catch {
    /* best effort: the connection may be gone */
  }
}

/**
 * Far-side sha256 of stdin: `openssl dgst` when the host has it (uses the CPU's SHA instructions:
 * ~4x less CPU than coreutils 9.1 sha256sum), else sha256sum. Prints `HEX  -` or `HEX *stdin`.
 */
export const SHA256_STDIN = '{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; }';
const SHA_LINE = /^([0-9a-f]{64})\s+(?:-|\*stdin)\s*$/m;

/** Resolves once the transport has taken `chunk` (ssh2: copied into packets): the caller may reuse the buffer. */
function writeChunk(ch: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error('the channel closed before all data was written'));
    ch.once('close', onClose);
    ch.write(chunk, (err?: Error | null) => {
      ch.off('close', onClose);
      if (err) reject(err); else resolve();
    });
  });
}

/** A local file straight into the channel with reused buffers (fileread.ts). */
async function sendFile(file: FileSource, ch: Writable, counter: HashCounter, signal?: AbortSignal): Promise<void> {
  await pumpFile(file.path, (chunk) => {
    counter.add(chunk);
    return writeChunk(ch, chunk);
  }, signal);
}

/** put: `become` is opts.become with its password resolved (ChannelConnection). */
export async function putFile(t: ChannelTransport, source: Readable | FileSource, size: number, dest: string, opts: TransferOptions, become: BecomeSpec | undefined): Promise<TransferOutcome> {
  // A reference that fails while we still set up is reported where it is awaited, not as unhandled.
  const reference = opts.expectSha256;
  if (reference !== undefined && typeof reference !== 'string') Promise.resolve(reference).catch(() => undefined);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const tmp = tempNameFor(dest);
  const qt = shQuote(tmp);
  // The umask before we tighten it decides the mode of a new file when none is asked for.
  const script = `u=$(umask); umask 077; cat > ${qt} && ${SHA256_STDIN} < ${qt} && echo "umask $u"`;
  const cmd = await startCommand(t, script, become ? { become } : {});
  // A reference hash (the source's, known or still being computed) makes hashing the stream
  // redundant: the far side's hash of what it wrote must equal it.
  const counter = new HashCounter((n) => opts.onProgress?.(n, size), reference === undefined);
  let streamError: Error | undefined;
  try {
    await cmd.ready;
    if (isFileSource(source)) await sendFile(source, cmd.stdin, counter, opts.signal);
    else await pipeline(source, counter, channelWriter(cmd.stdin), ...(opts.signal ? [{ signal: opts.signal }] as const : []));
  } catch (err) {
    streamError = opts.signal?.aborted ? abortError(opts.signal) : (err as Error);
  }
  // EOF lets `cat` finish; wait for it to exit so nothing writes the temp file after we remove it.
  cmd.stdin.end();
  const res = await within(cmd.done.catch((e: Error) => e), streamError ? 10_000 : 24 * 3600_000, () => cmd.close());
  try {
    if (streamError) throw streamError;
    if (res instanceof Error || res === undefined) throw res ?? new Error('the write command did not finish');
    if (res.rc !== 0) {
      throw new CommandFailedError(t.host, res.rc, `writing ${dest} failed: ${lastLine(res.stderr)}`, res.stdout, res.stderr);
    }
    const remote = SHA_LINE.exec(res.stdout)?.[1];
    if (reference === undefined) {
      const local = counter.hash.digest('hex');
      if (remote !== local) {
        throw new CommandFailedError(t.host, 1, `sha256 mismatch writing ${dest}: sent ${local}, far side has ${remote ?? '(none)'}`, res.stdout, res.stderr);
      }
    } else {
      const want = await reference;
      if (remote !== want) {
        throw new CommandFailedError(t.host, 1, `sha256 mismatch writing ${dest}: expected ${want}, far side has ${remote ?? '(none)'}`, res.stdout, res.stderr);
      }
    }
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const um = /^umask (0?[0-7]{1,4})$/m.exec(res.stdout)?.[1];
    const defaultMode = ((0o666 & ~parseInt(um ?? '022', 8)) >>> 0).toString(8).padStart(4, '0');
    await install(t, tmp, dest, opts, become, defaultMode);
    return { bytes: counter.bytes, sha256: remote! };
  } catch (err) {
    await removeTemp(t, tmp, become);
    throw err;
  }
}

/** chown/chgrp, chmod, then `mv -f` over the destination; the temp file is removed on failure. */
async function install(conn: ChannelTransport, tmp: string, dest: string, opts: TransferOptions, become: BecomeSpec | undefined, defaultMode: string): Promise<void> {
  const t = shQuote(tmp);
  const d = shQuote(dest);
  const steps: string[] = [];
  if (opts.owner || opts.group) {
    if (opts.owner) steps.push(`chown -- ${shQuote(opts.group ? `${opts.owner}:${opts.group}` : opts.owner)} ${t}`);
    else steps.push(`chgrp -- ${shQuote(opts.group!)} ${t}`);
  } else {
    // Replacing a file keeps its owner when we may (root); otherwise the writer owns it.
    steps.push(`{ [ ! -e ${d} ] || chown --reference=${d} ${t} 2>/dev/null || true; }`);
  }
  if (opts.mode) steps.push(`chmod -- ${shQuote(opts.mode)} ${t}`);
  else steps.push(`if [ -e ${d} ]; then chmod --reference=${d} ${t}; else chmod ${defaultMode} ${t}; fi`);
  steps.push(`mv -f -- ${t} ${d}`);
  const script = `{ ${steps.join(' && ')}; } || { rc=$?; rm -f -- ${t}; exit $rc; }`;
  const r = await runCommand(conn, script, become ? { become } : {});
  if (r.rc !== 0) throw new CommandFailedError(conn.host, r.rc, `installing ${dest} failed: ${lastLine(r.stderr)}`, r.stdout, r.stderr);
}

export async function getFile(t: ChannelTransport, src: string, sink: Writable, opts: TransferOptions, become: BecomeSpec | undefined): Promise<TransferOutcome> {
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const s = shQuote(src);
  // Size first (for progress), then the bytes, then the far side's own hash of the file.
  const script = `stat -L -c 'etcdplay-size %s' -- ${s} >&2 && cat -- ${s} && ${SHA256_STDIN} < ${s} >&2`;
  let total = 0;
  const cmd = await startCommand(t, script, {
    ...(become ? { become } : {}),
    streamStdout: true,
    onStderr: (chunk) => {
      const m = /etcdplay-size (\d+)/.exec(chunk);
      if (m) total = Number(m[1]);
    },
  });
  cmd.ready.then(() => cmd.stdin.end(), () => undefined);
  const counter = new HashCounter((n) => opts.onProgress?.(n, total));
  try {
    try {
      await pipeline(cmd.stdout, counter, sinkWriter(sink), ...(opts.signal ? [{ signal: opts.signal }] as const : []));
    } catch (err) {
      cmd.close();
      await within(cmd.done.catch(() => undefined), 5000, () => undefined);
      throw opts.signal?.aborted ? abortError(opts.signal) : err;
    }
    const r = await cmd.done;
    if (r.rc !== 0) throw new CommandFailedError(t.host, r.rc, `reading ${src} failed: cannot read it: ${lastLine(r.stderr)}`, '', r.stderr);
    const remote = SHA_LINE.exec(r.stderr)?.[1];
    const local = counter.hash.digest('hex');
    if (remote !== local) throw new CommandFailedError(t.host, 1, `sha256 mismatch reading ${src}: far side has ${remote ?? '(none)'}, received ${local}`, '', r.stderr);
    await new Promise<void>((resolve, reject) => {
      sink.once('error', reject);
      sink.end(() => { sink.off('error', reject); resolve(); });
    });
    return { bytes: counter.bytes, sha256: local };
  } catch (err) {
    // Destroyed without an error argument: a sink with no 'error' listener must not crash the process;
    // a reader of the sink (relay) still sees a premature close.
    if (!sink.destroyed) sink.destroy();
    throw err;
  }
}
