import type { Command } from '../model/command.js';

/**
 * The one place where data becomes shell text. Every value goes through shQuote; only a
 * ShellCommand's script (from modules that promise raw shell) is passed through as written.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX single-quote a value so that the shell sees exactly one word, whatever it contains. */
export function shQuote(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Render a Command into the text a POSIX shell on the host will run. */
export function renderCommand(cmd: Command): string {
  const parts: string[] = [];
  const env = cmd.env ?? {};
  const envNames = Object.keys(env);
  for (const name of envNames) {
    if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
  }
  const body = cmd.kind === 'exec' ? cmd.argv.map(shQuote).join(' ') : `sh -c ${shQuote(cmd.script)}`;
  if (cmd.cwd) parts.push(`cd ${shQuote(cmd.cwd)} &&`);
  if (envNames.length) parts.push('env', ...envNames.map((n) => `${n}=${shQuote(env[n]!)}`));
  parts.push(body);
  return parts.join(' ');
}

/** Render a Command for display, with secret env values hidden. */
export function displayCommand(cmd: Command): string {
  if (!cmd.secret || !cmd.env) return renderCommand(cmd);
  const env: Record<string, string> = {};
  for (const k of Object.keys(cmd.env)) env[k] = '********';
  return renderCommand({ ...cmd, env });
}
