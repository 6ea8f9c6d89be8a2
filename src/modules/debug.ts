import type { ArgsOf } from './args.js';
import type { Module } from './module.js';
import { evalExpression } from '../template/expr.js';
import { UndefinedVariableError } from '../template/errors.js';
import { SCHEMA } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    msg: { description: 'Message (any value; templates rendered).' },
    var: { type: 'string', minLength: 1, description: "A variable or expression to show, e.g. snap.stdout (no {{ }})." },
    verbosity: { type: 'integer', minimum: 0, default: 0, description: 'Accepted for compatibility; always shown.' },
  },
  additionalProperties: false,
  not: { required: ['msg', 'var'] },
} as const;
export type DebugArgs = ArgsOf<typeof argsSchema>;

export const debugModule: Module<DebugArgs> = {
  name: 'debug',
  aliases: ['ansible.builtin.debug', 'ansible.legacy.debug'],
  summary: 'Print a message or a variable',
  checkMode: true,
  argsSchema,
  docs: `Shows \`msg\`, or the value of \`var\` (an expression: \`snap.stdout_lines\`,
\`hostvars['etcd1'].etcd_address\`). An undefined \`var\` shows "VARIABLE IS NOT DEFINED!" like Ansible.
Runs on the workstation; never changes anything.`,
  examples: `- debug:
    msg: "restoring {{ inventory_hostname }} from {{ etcd_snapshot }}"

- debug:
    var: status.stdout_lines`,
  plan(args, ctx) {
    let data: Record<string, unknown>;
    if (args.var !== undefined) {
      let value: unknown;
      try {
        value = evalExpression(args.var, ctx.vars);
      } catch (err) {
        if (!(err instanceof UndefinedVariableError)) throw err;
        if (ctx.unknownAtPlan?.has(err.root)) throw err;
        value = 'VARIABLE IS NOT DEFINED!';
      }
      data = { var: args.var, value, msg: { [args.var]: value } };
    } else {
      data = { msg: args.msg ?? 'Hello world!' };
    }
    return [{ kind: 'local', action: 'debug', description: args.var !== undefined ? `show ${args.var}` : 'show a message', mutates: false, data }];
  },
};
