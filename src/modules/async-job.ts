/**
 * Background jobs (`async: N` with `poll: 0`): how one is started on the host and how its files
 * are read back (the async_status module). A job's files live in ~/.etcdplay_async/ of the user
 * the job ran as (after become): JID.out and JID.err while it runs, JID.rc (renamed into place)
 * once it ended. The job is started detached (setsid when the host has it, nohup, stdio closed),
 * killed after N seconds (`timeout`, when the host has it), and outlives the connection.
 */
import { ValidationError } from '../errors.js';
import type { Command } from '../model/command.js';
import type { TaskResult } from '../model/result.js';
import { renderCommand } from '../shell/quote.js';
import { script } from './steps.js';

/** Relative to the home directory of the user the job runs as (Ansible: ~/.ansible_async). */
export const ASYNC_DIR = '.etcdplay_async';

// $1 dir under $HOME, $2 time limit (s), $3 the command as shell text. Prints the jid and the
// results file. The job: "$@" with its output in the files (0600), its exit status in JID.rc at the
// end; the command itself runs with the user's own umask (files it writes get the usual modes).
const LAUNCH_SH = `
d=$HOME/$1; u=$(umask); umask 077; mkdir -p "$d" || exit 1
j=$(date +%s).$$
f=$d/$j
: >"$f.out" || exit 1
t=; command -v timeout >/dev/null 2>&1 && t="timeout $2"
s=; command -v setsid >/dev/null 2>&1 && s=setsid
$s nohup sh -c 'f=$1; u=$2; shift 2; (umask "$u"; exec "$@") >"$f.out" 2>"$f.err" </dev/null; echo $? >"$f.rc.tmp"; mv "$f.rc.tmp" "$f.rc"' etcdplay-async "$f" "$u" $t sh -c "$3" </dev/null >/dev/null 2>&1 &
echo "$j"
echo "$f"`;

/** The command that starts `cmd` as a background job limited to `seconds`. */
export function launchCommand(cmd: Command, seconds: number): Command {
  if (cmd.stdin !== undefined || cmd.secret) {
    throw new ValidationError("'async' with 'poll: 0' cannot feed stdin or secret environment to a background job: use a time limit ('poll: 10') instead");
  }
  // The task's environment on the launcher (HOME, TMPDIR decide where the job's files go); the job inherits it.
  const { env, ...job } = cmd;
  return script(LAUNCH_SH, [ASYNC_DIR, seconds, renderCommand(job)], env ? { env } : {});
}

/** The start of a job as Ansible reports it, from the launcher's output (jid, results file). */
export function startedResult(stdout: string): Partial<TaskResult> {
  const [jid = '', file = ''] = stdout.trim().split('\n');
  return { ansible_job_id: jid.trim(), results_file: file.trim(), started: 1, finished: 0 };
}

// $1 dir under $HOME, $2 jid, $3 mode (status | cleanup).
export const STATUS_SH = `
case $2 in ''|*[!0-9.]*) echo "invalid jid: $2" >&2; exit 2;; esac
f=$HOME/$1/$2
if [ "$3" = cleanup ]; then rm -f "$f.out" "$f.err" "$f.rc"; echo cleaned; exit 0; fi
if [ -f "$f.rc" ]; then echo "finished $(cat "$f.rc") $(wc -c <"$f.out") $(wc -c <"$f.err" 2>/dev/null || echo 0)"; cat "$f.out"; cat "$f.err" 2>/dev/null
elif [ -f "$f.out" ]; then echo running
else echo "could not find job $2" >&2; exit 1; fi`;

/** The job's state from STATUS_SH's output: running, or finished with its rc and output. Pure. */
export function parseJobStatus(jid: string, stdout: string): TaskResult {
  const nl = stdout.indexOf('\n');
  const head = (nl < 0 ? stdout : stdout.slice(0, nl)).trim();
  if (head === 'running') return { changed: false, failed: false, ansible_job_id: jid, started: 1, finished: 0 };
  const m = /^finished (\d+) (\d+) (\d+)$/.exec(head.replace(/\s+/g, ' '));
  if (!m) return { changed: false, failed: true, ansible_job_id: jid, msg: `async_status: unexpected output ${JSON.stringify(head)}` };
  const rest = Buffer.from(nl < 0 ? '' : stdout.slice(nl + 1), 'utf8');
  const outBytes = Number(m[2]);
  const out = rest.subarray(0, outBytes).toString('utf8').replace(/\n$/, '');
  const err = rest.subarray(outBytes).toString('utf8').replace(/\n$/, '');
  const rc = Number(m[1]);
  const r: TaskResult = {
    changed: true, failed: rc !== 0, ansible_job_id: jid, started: 1, finished: 1, rc,
    stdout: out, stderr: err, stdout_lines: out === '' ? [] : out.split('\n'), stderr_lines: err === '' ? [] : err.split('\n'),
  };
  if (rc === 124) r.msg = 'async task did not complete within the requested time';
  else if (rc !== 0) r.msg = 'non-zero return code';
  return r;
}
