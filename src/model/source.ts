/** Where something came from in a user's file. Lines and columns are 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type Severity = 'error' | 'warning';

/** One problem found in user input, reported as `file:line:col: error: message`. */
export interface Diagnostic {
  severity: Severity;
  message: string;
  pos: SourcePos;
  /** The offending source line, shown with a caret under `pos.col`. */
  sourceLine?: string;
  /** What to do about it, e.g. "did you mean 'etcd_snapshot'?". */
  hint?: string;
  /** Stable identifier for tests and docs, e.g. 'unknown-module'. */
  code: string;
}
