import type { Readable, Writable } from 'node:stream';
import type { Command, Become } from '../model/command.js';
import type { ExecResult } from '../model/result.js';
import type { FileSource } from './fileread.js';

export interface ExecOptions {
  become?: Become;
  /** Password for sudo, fed on stdin; never in argv, never logged. */
  becomePassword?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
}

export interface TransferOptions {
  mode?: string;
  owner?: string;
  group?: string;
  become?: Become;
  becomePassword?: string;
  /** Called with bytes transferred so far. */
  onProgress?(bytes: number, total: number): void;
  signal?: AbortSignal;
  /**
   * put only: the sha256 (hex) the written file must have, checked on the far side before the
   * rename. It may still be being computed (a promise): the transfer does not wait for it, and
   * the stream itself is then not hashed again. relay passes the source host's hash here, the
   * copy step its one hash of the local file.
   */
  expectSha256?: string | PromiseLike<string>;
}

export interface TransferOutcome {
  bytes: number;
  /** sha256 computed on the far side after writing (hex). */
  sha256: string;
}

/** One host, one connection, reused by every task of a run. ssh and local implement it. */
export interface Connection {
  readonly host: string;
  connect(): Promise<void>;
  exec(command: Command, opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Stream into `remotePath`: written to a temporary name, sha256 checked, then renamed. A
   * FileSource (a local path) is read with reused buffers instead of a stream.
   */
  put(source: Readable | FileSource, size: number, remotePath: string, opts?: TransferOptions): Promise<TransferOutcome>;
  /** Stream `remotePath` out; returns the far side's sha256 of the file. */
  get(remotePath: string, sink: Writable, opts?: TransferOptions): Promise<TransferOutcome>;
  close(): Promise<void>;
}
