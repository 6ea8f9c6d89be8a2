import type { ArgsOf } from './args.js';
import { ValidationError } from '../errors.js';
import type { Command } from '../model/command.js';
import type { Module } from './module.js';
import { createsRemovesGuard } from './command.js';
import { SCHEMA, commandStep, exec } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    cmd: { type: 'string', minLength: 1, description: 'The script, run by `sh -c` (or `executable -c`).' },
    chdir: { type: 'string', description: 'Change into this directory first.' },
    creates: { type: 'string', description: 'A path on the host; if it exists, the script does not run.' },
    removes: { type: 'string', description: 'A path on the host; if it does not exist, the script does not run.' },
    executable: { type: 'string', description: 'Shell to use instead of sh (e.g. /bin/bash).' },
    stdin: { type: 'string', description: 'Text fed to the script on stdin.' },
  },
  required: ['cmd'],
  additionalProperties: false,
} as const;
export type ShellArgs = ArgsOf<typeof argsSchema>;

export const shellModule: Module<ShellArgs> = {
  name: 'shell',
  aliases: ['ansible.builtin.shell', 'ansible.legacy.shell'],
  summary: 'Run a shell script (sh -c) on the host',
  freeForm: 'cmd',
  shellArgs: ['cmd'],
  checkMode: false,
  argsSchema,
  docs: `Runs a script with \`sh -c\` on the host: pipes, redirections, globbing and variables work.

Every value a template inserts into the script is shell-quoted, so a variable holding
\`$(touch /tmp/x); rm -rf /\` is passed as one harmless word. To insert a value as shell code on
purpose, write \`{{raw x}}\`.

Reports \`changed\` whenever the script runs; \`creates\`/\`removes\` make it idempotent.
In --check mode the script does not run.`,
  examples: `- name: count keys
  shell: etcdctl get "" --prefix --keys-only | grep -c .

- name: move the old data dir aside once
  shell: mv {{ etcd_data_dir }} {{ etcd_data_dir }}.old
  args:
    removes: "{{ etcd_data_dir }}"`,
  plan(args) {
    if (!args.cmd || args.cmd.trim() === '') throw new ValidationError('shell: nothing to run (empty script)');
    const command: Command = args.executable ? exec([args.executable, '-c', args.cmd]) : { kind: 'shell', script: args.cmd };
    if (args.chdir) command.cwd = args.chdir;
    if (args.stdin !== undefined) command.stdin = args.stdin;
    const onlyIf = createsRemovesGuard(args.creates, args.removes);
    return [commandStep('run a shell script', command, { mutates: true, changed: 'always', ...(onlyIf ? { onlyIf } : {}) })];
  },
};
