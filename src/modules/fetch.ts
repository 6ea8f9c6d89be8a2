import type { ArgsOf } from './args.js';
import { join, posix } from 'node:path';
import type { GetStep } from '../model/step.js';
import type { Module } from './module.js';
import { SCHEMA, localPath, remotePath } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    src: { type: 'string', minLength: 1, description: 'Absolute path of the file on the host.' },
    dest: { type: 'string', minLength: 1, description: 'Where to put it on the workstation (relative paths are relative to the playbook, ~/ is the home directory).' },
    flat: { type: 'boolean', default: false, description: 'Use dest as the file name (or dir/ + basename) instead of dest/HOST/src.' },
    checksum: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'Expected sha256 of the file.' },
  },
  required: ['src', 'dest'],
  additionalProperties: false,
} as const;
export type FetchArgs = ArgsOf<typeof argsSchema>;

export const fetchModule: Module<FetchArgs> = {
  name: 'fetch',
  aliases: ['ansible.builtin.fetch', 'ansible.legacy.fetch'],
  summary: 'Copy a file from the host to the workstation, sha256-verified',
  checkMode: true,
  argsSchema,
  docs: `Copies a file from the host to the workstation. The host computes the sha256 while sending,
the workstation checks what it received against it, and writes through a temporary name.

Without \`flat\` the file lands in \`dest/HOSTNAME/SRC\` (so several hosts never overwrite each other);
with \`flat: true\` it lands in \`dest\` itself (or \`dest/basename(src)\` when dest ends in /).

Fetching changes nothing on the host, so it also runs in --check mode.`,
  examples: `- name: bring the snapshot home
  fetch:
    src: /var/backup/etcd/snapshot.db
    dest: ./tmp/snapshot.db
    flat: true
  run_once: true
  delegate_to: etcd1`,
  plan(args, ctx) {
    const src = remotePath(args.src, 'fetch: src');
    let dest = localPath(args.dest, ctx);
    if (args.flat) {
      if (args.dest.endsWith('/')) dest = join(dest, posix.basename(src));
    } else {
      dest = join(dest, ctx.host, src);
    }
    const step: GetStep = { kind: 'get', description: `fetch ${src} to ${dest}`, mutates: false, src, dest };
    if (args.checksum) step.sha256 = args.checksum.toLowerCase();
    return [step];
  },
};
