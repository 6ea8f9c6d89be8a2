/** The result of an async task (plan/async.ts): a started background job, or Ansible's timeout message. */
import { DEFAULT_POLL } from '../load/play-keywords.js';
import type { Task } from '../model/playbook.js';
import type { TaskResult } from '../model/result.js';
import { startedResult } from '../modules/async-job.js';
import { asyncTimeoutMessage } from '../plan/async.js';

export function asyncResult(task: Task, result: TaskResult): TaskResult {
  if (task.async === undefined) return result;
  if ((task.poll ?? DEFAULT_POLL) > 0) {
    if (result.failed && result.rc === 124 && /timed out/.test(String(result.msg ?? ''))) result.msg = asyncTimeoutMessage(task.async);
    return result;
  }
  if (result.failed || result.skipped || result.wouldChange || typeof result.stdout !== 'string') return result;
  const r: TaskResult = { ...result, ...startedResult(result.stdout), changed: true };
  for (const k of ['rc', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines']) delete r[k];
  return r;
}
