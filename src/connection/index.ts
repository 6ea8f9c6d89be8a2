export type { Connection, ExecOptions, TransferOptions, TransferOutcome } from './connection.js';
export { createConnection, ConnectionPool, isLocalHost, type ConnectOptions } from './factory.js';
export { relay, type RelayOptions } from './relay.js';
export { SshConnection, type SshConnectionOptions } from './ssh.js';
export { resolveSshTarget, type SshTarget, type HopSettings, type HostKeyChecking } from './settings.js';
export { isFileSource, pumpFile, type FileSource } from './fileread.js';
