import type { ArgsOf } from './args.js';
import { ValidationError } from '../errors.js';
import type { Module } from './module.js';
import { SCHEMA } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    cacheable: { type: 'boolean', description: 'Accepted for compatibility; facts live for the run only.' },
  },
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  // The args ARE the facts: any variable name is allowed (the one exception to additionalProperties: false).
  additionalProperties: true,
  minProperties: 1,
} as const;
export type SetFactArgs = ArgsOf<typeof argsSchema>;

export const setFactModule: Module<SetFactArgs> = {
  name: 'set_fact',
  aliases: ['ansible.builtin.set_fact', 'ansible.legacy.set_fact'],
  summary: 'Set variables (facts) on the host for the rest of the run',
  checkMode: true,
  argsSchema,
  docs: `Every key becomes a variable of the host for the following tasks (precedence above play and
inventory vars, below task vars and -e). Values keep their types: \`x: "{{ some_list }}"\` is a list.
Runs on the workstation. The offline planner applies facts it can compute, so later tasks show
their rendered commands.`,
  examples: `- set_fact:
    etcd_snapshot: "/var/backup/etcd/{{ timestamp }}/snapshot.db"
    etcd_restore_dir: "{{ etcd_data_dir }}.restored"`,
  plan(args) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) {
      if (k === 'cacheable') continue;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new ValidationError(`set_fact: ${JSON.stringify(k)} is not a valid variable name`);
      facts[k] = v;
    }
    if (Object.keys(facts).length === 0) throw new ValidationError('set_fact: no facts given');
    return [{ kind: 'local', action: 'set_fact', description: `set ${Object.keys(facts).join(', ')}`, mutates: false, data: { facts } }];
  },
};
