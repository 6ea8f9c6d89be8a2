/** async_status: the state of a background job started by a task with `async: N` and `poll: 0`. */
import type { TaskResult } from '../model/result.js';
import type { ArgsOf } from './args.js';
import { ASYNC_DIR, STATUS_SH, parseJobStatus } from './async-job.js';
import type { Module } from './module.js';
import { SCHEMA, commandStep, script } from './steps.js';

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    jid: { type: 'string', minLength: 1, description: "The job id: the registered result's ansible_job_id." },
    mode: { enum: ['status', 'cleanup'], default: 'status', description: "status: report the job; cleanup: remove the job's files." },
  },
  required: ['jid'],
  additionalProperties: false,
} as const;
export type AsyncStatusArgs = ArgsOf<typeof argsSchema>;

export const asyncStatusModule: Module<AsyncStatusArgs> = {
  name: 'async_status',
  aliases: ['ansible.builtin.async_status', 'ansible.legacy.async_status'],
  summary: 'The state of a background job (async with poll: 0): finished, rc, output',
  checkMode: true,
  argsSchema,
  docs: `Reads the state of a job a task started with \`async: N\` and \`poll: 0\` (command and shell
tasks), as Ansible's async_status: \`finished\` is 0 while it runs; once it ended, 1 with \`rc\`,
\`stdout\`, \`stderr\` (and their \`_lines\`), and the task fails when \`rc\` is not 0 (124: the
job ran longer than its \`async\` seconds and was killed). Wait for a job with \`until\`:

    until: job.finished
    retries: 30
    delay: 5

The job's files are in \`~/.etcdplay_async/\` of the user the job ran as: check it with the same
\`become\` settings as the task that started it. \`mode: cleanup\` removes them.`,
  examples: `- command: /usr/local/bin/long-backup
  async: 3600
  poll: 0
  register: backup
- async_status:
    jid: "{{ backup.ansible_job_id }}"
  register: job
  until: job.finished
  retries: 120
  delay: 30`,
  plan(args) {
    const mode = args.mode ?? 'status';
    return [commandStep(`${mode === 'cleanup' ? 'remove' : 'read'} background job ${args.jid}`, script(STATUS_SH, [ASYNC_DIR, args.jid, mode]), { mutates: mode === 'cleanup', changed: 'never' })];
  },
  interpret(args, results): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'not run' };
    if (r.rc !== 0) return { changed: false, failed: true, ansible_job_id: args.jid, finished: 0, rc: r.rc, msg: (r.stderr ?? '').trim() || `async_status failed (rc ${r.rc})` };
    if ((args.mode ?? 'status') === 'cleanup') return { changed: false, failed: false, ansible_job_id: args.jid, erased: true };
    return parseJobStatus(args.jid, r.stdout ?? '');
  },
};
