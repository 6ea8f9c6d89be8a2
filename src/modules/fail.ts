import type { ArgsOf } from './args.js';
import type { Module } from './module.js';
import { SCHEMA } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: { msg: { type: 'string', default: 'Failed as requested from task', description: 'Why.' } },
  additionalProperties: false,
} as const;
export type FailArgs = ArgsOf<typeof argsSchema>;

export const failModule: Module<FailArgs> = {
  name: 'fail',
  aliases: ['ansible.builtin.fail', 'ansible.legacy.fail'],
  summary: 'Fail the host with a message (use with when:)',
  checkMode: true,
  argsSchema,
  docs: 'Fails the host with `msg`. Combine with `when:` to stop on a condition.',
  examples: `- fail:
    msg: "etcd {{ etcd_version }} cannot be restored by this playbook"
  when: etcd_version is version('3.4.0', '<')`,
  plan(args) {
    const msg = args.msg ?? 'Failed as requested from task';
    return [{ kind: 'local', action: 'fail', description: `fail: ${msg}`, mutates: false, data: { msg } }];
  },
};
