/**
 * A task's `async`/`poll` applied to its steps. poll > 0: every command gets a time limit of
 * `async` seconds (the connection kills it and the task fails with Ansible's message; etcdplay
 * holds the channel open instead of checking every `poll` seconds, so the interval changes
 * nothing). poll: 0: the task's one command starts as a background job (modules/async-job.ts) and
 * the task reports its ansible_job_id; `async_status` reads it later.
 */
import { ValidationError } from '../errors.js';
import { DEFAULT_POLL } from '../load/play-keywords.js';
import type { CommandStep, Step } from '../model/step.js';
import { launchCommand } from '../modules/async-job.js';

/** What an async task's failure says when it ran out of time (Ansible's words). */
export function asyncTimeoutMessage(seconds: number): string {
  return `async task did not complete within the requested time - ${seconds}s`;
}

function withTimeLimit(steps: Step[], ms: number): Step[] {
  return steps.map((s) => {
    if (s.kind !== 'command') return s;
    const out: CommandStep = { ...s, timeoutMs: Math.min(s.timeoutMs ?? ms, ms) };
    const then = s.then;
    if (then) out.then = { later: then.later, next: (o) => { const n = then.next(o); return n.steps ? { ...n, steps: withTimeLimit(n.steps, ms) } : n; } };
    return out;
  });
}

export function asyncSteps(steps: Step[], seconds: number, poll = DEFAULT_POLL): Step[] {
  if (poll > 0) return withTimeLimit(steps, seconds * 1000);
  const commands = steps.filter((s): s is CommandStep => s.kind === 'command');
  if (commands.length !== 1 || steps.length !== 1 || commands[0]!.then) {
    throw new ValidationError("'async' with 'poll: 0' needs a task that runs one command (command or shell)");
  }
  const s = commands[0]!;
  const started: CommandStep = {
    ...s,
    description: `start in the background (async ${seconds} s, poll 0): ${s.description}`,
    command: launchCommand(s.command, seconds),
    changed: 'always',
  };
  delete started.okCodes;
  delete started.parse;
  delete started.timeoutMs;
  return [started];
}
