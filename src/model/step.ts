import type { Command } from './command.js';

/**
 * A step is one unit of remote (or local) work a module asks for, described as data.
 * `mutates` says whether it can change the host: in --check mode mutating steps do not run.
 */
export type Step = CommandStep | PutStep | GetStep | RelayStep | LocalStep | BackupStep;

interface StepBase {
  /** Human description, e.g. "stop etcd and wait until its ports are free". */
  description: string;
  /** Can this step change the host? Read-only steps run even in --check mode. */
  mutates: boolean;
}

export interface CommandStep extends StepBase {
  kind: 'command';
  command: Command;
  /**
   * A read-only guard: the step runs only if the guard exits 0; otherwise it is "ok"
   * (nothing to change). In --check mode the guard runs and decides "would change".
   */
  onlyIf?: Command;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /**
   * How `changed` is decided: 'always' (default for mutating), 'never' (default for read-only),
   * or 'marker': changed iff stdout contains a line equal to CHANGED_MARKER.
   */
  changed?: 'always' | 'never' | 'marker';
  /** How stdout is parsed into the result's `data`: 'json' or 'lines' (default: none). */
  parse?: 'json' | 'lines';
  timeoutMs?: number;
  /**
   * What comes after, decided from this command's output (like pyinfra's function commands, but
   * pure): once the command ran and succeeded, `then.next` receives its outcome (rc, stdout,
   * parsed `data`) and returns the steps to run right after it and/or a value for the task
   * result. Not called when the command was skipped by its guard or held back by --check.
   */
  then?: Then;
}

/** The TypeScript half of a command step: its output in, the next steps (or a value) out. */
export interface Then {
  /** What the offline plan shows in place of the steps only known at run time. */
  later: string;
  /** Pure. May throw: the task then fails with `<step description>: <message>`. */
  next(out: StepOutcome): Next;
}

export interface Next {
  /** Run right after the command, before the task's remaining steps. */
  steps?: Step[];
  /** Kept on the command's outcome (`value`): what the module's interpret reports. */
  value?: unknown;
}

/** What one step did, as the engine hands it to `Then.next` and to a module's interpret. */
export interface StepOutcome {
  step: Step;
  /** 'skipped' when its guard said nothing to do, 'check' when --check kept it from running. */
  status: 'ran' | 'skipped' | 'check';
  rc?: number;
  stdout?: string;
  stderr?: string;
  data?: unknown;
  /** The value `then.next` returned for this command, if any. */
  value?: unknown;
  changed: boolean;
  sha256?: string;
  bytes?: number;
}

/** Workstation file (or inline content) -> host. Written to a temporary name, renamed, sha256 checked. */
export interface PutStep extends StepBase {
  kind: 'put';
  /** Local path, or inline content for `copy: content=` and `template`. */
  src: { path: string } | { content: string };
  dest: string;
  mode?: string;
  owner?: string;
  group?: string;
  /** Expected sha256 of the source, when known at plan time. */
  sha256?: string;
  /** Skip when the destination already has the same sha256 (idempotent copy). */
  skipIfSame?: boolean;
}

/** Host -> workstation. */
export interface GetStep extends StepBase {
  kind: 'get';
  src: string;
  dest: string;
  sha256?: string;
}

/** Host A -> this host, streamed through the workstation, never stored on it in full. */
export interface RelayStep extends StepBase {
  kind: 'relay';
  fromHost: string;
  src: string;
  dest: string;
  mode?: string;
  owner?: string;
  group?: string;
  sha256?: string;
}

/** Work done on the workstation without touching a host: debug, set_fact, assert, fail, pause. */
export interface LocalStep extends StepBase {
  kind: 'local';
  action: 'debug' | 'set_fact' | 'assert' | 'fail' | 'noop';
  /** Action payload: message, facts to set, conditions to assert (already rendered). */
  data: Record<string, unknown>;
}

/**
 * Backups kept off the cluster, on the workstation (src/backup/): `keep` applies the retention of
 * a backup directory, `upload` sends a verified local snapshot and its manifest to S3, `download`
 * brings one back into a directory. S3 credentials are never part of a step: they are read when it
 * runs, from the host's variables or the AWS_* environment variables, and redacted everywhere.
 */
export interface BackupStep extends StepBase {
  kind: 'backup';
  op: 'keep' | 'upload' | 'download';
  /** keep: the directory; upload: the local snapshot (its manifest `<file>.json` next to it); download: the directory. */
  path: string;
  /** upload: where to (`s3://bucket/key` of the snapshot); download: what (`s3://bucket/key`). */
  url?: string;
  endpoint?: string;
  region?: string;
  /** keep: how many backups to keep (0: all); never removes `protect`. */
  keep?: number;
  protect?: string[];
}

/** A line on stdout equal to this marks a changing command as `changed` (see CommandStep.changed). */
export const CHANGED_MARKER = '__ETCDPLAY_CHANGED__';
