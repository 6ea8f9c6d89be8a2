export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' | 'rescued' | 'ignored';

/** Raw outcome of one command on one host. */
export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Signal name when the remote process was killed by one. */
  signal?: string;
  durationMs: number;
}

export interface TransferResult {
  bytes: number;
  sha256: string;
  /** False when skipped because the destination already matched. */
  changed: boolean;
  durationMs: number;
}

/** What a task did on one host; this is what `register` stores (Ansible-shaped). */
export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped?: boolean;
  unreachable?: boolean;
  /** Set when --check kept a mutating step from running. */
  wouldChange?: boolean;
  rc?: number;
  stdout?: string;
  stderr?: string;
  stdout_lines?: string[];
  stderr_lines?: string[];
  msg?: string;
  /** Parsed output / module-specific data (e.g. etcd facts, snapshot hash). */
  data?: unknown;
  /** Facts this task sets on the host (set_fact, etcd_facts). */
  facts?: Record<string, unknown>;
  attempts?: number;
  durationMs?: number;
  /** Things the operator must see although the task succeeded: shown as [WARNING] lines, kept in events.jsonl. */
  warnings?: string[];
  /** Results of every loop item, when the task loops. */
  results?: TaskResult[];
  [key: string]: unknown;
}

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}
