import type { ArgsOf } from './args.js';
import { ValidationError } from '../errors.js';
import type { Module } from './module.js';
import { SCHEMA, commandStep, exec } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    seconds: { type: 'integer', minimum: 0, description: 'Seconds to wait.' },
    minutes: { type: 'integer', minimum: 0, description: 'Minutes to wait (added to seconds).' },
  },
  additionalProperties: false,
  anyOf: [{ required: ['seconds'] }, { required: ['minutes'] }],
} as const;
export type PauseArgs = ArgsOf<typeof argsSchema>;

export const pauseModule: Module<PauseArgs> = {
  name: 'pause',
  aliases: ['ansible.builtin.pause', 'ansible.legacy.pause'],
  summary: 'Wait a number of seconds',
  checkMode: true,
  argsSchema,
  docs: 'Waits (`sleep` on the host, so every host of the batch waits in parallel). Interactive prompts are not supported.',
  examples: `- pause:
    seconds: 10`,
  plan(args) {
    const s = (args.seconds ?? 0) + (args.minutes ?? 0) * 60;
    if (!Number.isFinite(s) || s < 0) throw new ValidationError('pause: seconds must be a non-negative number');
    return [commandStep(`pause ${s}s`, exec(['sleep', String(s)]), { mutates: false, changed: 'never', timeoutMs: (s + 30) * 1000 })];
  },
};
