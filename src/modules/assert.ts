import type { ArgsOf } from './args.js';
import type { Module } from './module.js';
import { evalCondition, expressionVars } from '../template/expr.js';
import { UndefinedVariableError } from '../template/errors.js';
import { SCHEMA } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    that: { description: 'Condition(s), same language as when:.', oneOf: [{ anyOf: [{ type: 'string' }, { type: 'boolean' }] }, { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'boolean' }] }, minItems: 1 }] },
    fail_msg: { type: 'string', description: 'Message when a condition is false.' },
    msg: { type: 'string', description: 'Alias of fail_msg.' },
    success_msg: { type: 'string', description: 'Message when all hold.' },
    quiet: { type: 'boolean', default: false, description: 'Say nothing on success.' },
  },
  required: ['that'],
  additionalProperties: false,
} as const;
export type AssertArgs = ArgsOf<typeof argsSchema>;

export const assertModule: Module<AssertArgs> = {
  name: 'assert',
  aliases: ['ansible.builtin.assert', 'ansible.legacy.assert'],
  summary: 'Fail unless every condition holds',
  checkMode: true,
  argsSchema,
  docs: `Evaluates each condition with the host's variables (registered results included) and fails the
host on the first false one, naming it. Runs on the workstation; never changes anything.

The conditions are evaluated when the task is planned for the host; in the offline preview
(\`etcdplay plan\`) an assert that reads registered results is shown as deferred.`,
  examples: `- name: every member runs the target version
  assert:
    that:
      - etcd_version is version('3.5.0', '<')
      - "'etcd' in group_names"
    fail_msg: not downgraded yet`,
  plan(args, ctx) {
    const that = (Array.isArray(args.that) ? args.that : [args.that]).map((c) => (typeof c === 'boolean' ? c : String(c)));
    // Offline planning: a condition about a value only known at run time (even `x is defined`)
    // cannot be decided now.
    for (const c of that) {
      if (typeof c !== 'string' || !ctx.unknownAtPlan) continue;
      for (const n of expressionVars(c)) {
        if (ctx.unknownAtPlan.has(n) && !Object.prototype.hasOwnProperty.call(ctx.vars, n)) throw new UndefinedVariableError(n, c);
      }
    }
    const results: boolean[] = [];
    let failed: string | undefined;
    for (const c of that) {
      const ok = evalCondition(c, ctx.vars);
      results.push(ok);
      if (!ok) { failed = String(c); break; }
    }
    const ok = failed === undefined;
    const msg = ok ? args.success_msg ?? 'All assertions passed' : args.fail_msg ?? args.msg ?? `Assertion failed: ${failed}`;
    return [{
      kind: 'local',
      action: 'assert',
      description: `assert ${that.map(String).join(' and ')}`,
      mutates: false,
      data: { that: that.map(String), results, ok, failed: !ok, msg, ...(failed !== undefined ? { assertion: failed } : {}), quiet: args.quiet ?? false },
    }];
  },
};
