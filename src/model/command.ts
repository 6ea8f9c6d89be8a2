/**
 * Commands are data. Nothing builds a shell string by concatenation: a Command is turned into
 * shell text in exactly one place (src/shell/quote.ts, renderCommand), which quotes every argv
 * element.
 */
export type Command = ExecCommand | ShellCommand;

interface CommandBase {
  /** Extra environment, set with `env NAME=value` (quoted). */
  env?: Record<string, string>;
  cwd?: string;
  /** Fed to the command's stdin. Never appears in argv or logs. */
  stdin?: string;
  /** Names of env keys / stdin that are secret: redacted in events and logs. */
  secret?: boolean;
}

/** A program and its arguments; every element is quoted when rendered. */
export interface ExecCommand extends CommandBase {
  kind: 'exec';
  argv: string[];
}

/** A shell script run by `sh -c`. Only modules that promise raw shell (shell, script) use it. */
export interface ShellCommand extends CommandBase {
  kind: 'shell';
  script: string;
}

export interface Become {
  user: string;
  /** Method is sudo; the password, if any, is fed on stdin (never in argv). */
  method: 'sudo';
}
