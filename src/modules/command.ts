import type { ArgsOf } from './args.js';
import { ValidationError } from '../errors.js';
import type { Command } from '../model/command.js';
import { renderCommand } from '../shell/quote.js';
import { splitWords } from '../shell/words.js';
import type { Module } from './module.js';
import { SCHEMA, commandStep, exec } from './steps.js';

/** The onlyIf guard for creates=/removes=: run only if `creates` is missing / `removes` exists. */
export function createsRemovesGuard(creates?: string, removes?: string): Command | undefined {
  const c = creates ? exec(['test', '!', '-e', creates]) : undefined;
  const r = removes ? exec(['test', '-e', removes]) : undefined;
  if (c && r) return { kind: 'shell', script: `${renderCommand(c)} && ${renderCommand(r)}` };
  return c ?? r;
}

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    cmd: { type: 'string', minLength: 1, description: 'The command line; split into words like a shell would (quotes, backslashes) but never run by a shell: | ; > $() are plain words.' },
    argv: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'The program and its arguments as a list (instead of cmd).' },
    chdir: { type: 'string', description: 'Change into this directory first.' },
    creates: { type: 'string', description: 'A path on the host; if it exists, the command does not run.' },
    removes: { type: 'string', description: 'A path on the host; if it does not exist, the command does not run.' },
    stdin: { type: 'string', description: 'Text fed to the command on stdin.' },
  },
  additionalProperties: false,
  oneOf: [{ required: ['cmd'] }, { required: ['argv'] }],
} as const;
export type CommandArgs = ArgsOf<typeof argsSchema>;

export const commandModule: Module<CommandArgs> = {
  name: 'command',
  aliases: ['ansible.builtin.command', 'ansible.legacy.command'],
  summary: 'Run a program with arguments on the host, without a shell',
  freeForm: 'cmd',
  shellArgs: ['cmd'],
  checkMode: false,
  argsSchema,
  docs: `Runs one program on the host. The command line is split into words the way a POSIX shell
would (single and double quotes, backslashes) but no shell runs it: pipes, redirections, \`$VAR\`
and \`$(...)\` are passed as ordinary arguments. Use the \`shell\` module for shell features.

Every value a template inserts into the free form or \`cmd\` is shell-quoted before the split, so a
variable holding spaces or quotes stays one argument. \`{{raw x}}\` inserts a value unquoted (it is
then split into words).

The task reports \`changed\` whenever the command runs (use \`changed_when\` to refine). With
\`creates\`/\`removes\` it is idempotent: the guard is checked first, also in --check mode.
In --check mode the command itself does not run (set \`check_mode: false\` on read-only tasks).`,
  examples: `- name: show the etcd version
  command: etcdctl version

- name: free form with options
  command: tar xf /tmp/backup.tar chdir=/var/lib creates=/var/lib/etcd

- name: argv form
  command:
    argv: [etcdctl, --endpoints, "{{ etcd_endpoint }}", endpoint, status]`,
  plan(args, ctx) {
    const argv = args.argv ?? splitWords(args.cmd ?? '');
    if (argv.length === 0) throw new ValidationError('command: nothing to run (empty command line)');
    const command = exec(argv);
    if (args.chdir) command.cwd = args.chdir;
    if (args.stdin !== undefined) command.stdin = args.stdin;
    const onlyIf = createsRemovesGuard(args.creates, args.removes);
    void ctx;
    return [commandStep(`run ${argv[0]}`, command, { mutates: true, changed: 'always', ...(onlyIf ? { onlyIf } : {}) })];
  },
};
