/**
 * `etcdplay adhoc PATTERN -i INV [-m MODULE] -a ARGS`: one module on the hosts of a pattern, as a
 * one-task synthetic playbook through the same loader (argument validation) and engine. Output is
 * one line per host (`etcd1 | CHANGED | rc=0 | (stdout) ...`), then the recap.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { defaultRunDir, newRunId, runPlaybook } from '../../engine/index.js';
import { ValidationError } from '../../errors.js';
import { parseKeyValueArgs } from '../../load/kv.js';
import { matchHosts } from '../../load/pattern.js';
import { withImplicitLocalhost } from '../../load/localhost.js';
import { parsePlaybook } from '../../load/playbook.js';
import { getModule } from '../../modules/registry.js';
import { AdhocReporter } from '../../report/adhoc.js';
import { colorEnabled } from '../../report/color.js';
import { JsonReporter } from '../../report/json.js';
import { parseCli } from '../args.js';
import { parseExtraVars } from '../extravars.js';
import { COMMON_OPTIONS, connectOptions, parseForks, type ConnectFlags } from '../options.js';
import { closeLineReader } from '../prompt.js';
import { loadInventories, preflight, reportDiagnostics, runReporterAndEngine } from '../session.js';

export const usage = `usage: etcdplay adhoc PATTERN -i INVENTORY [-m MODULE] -a ARGS [options]

  -m, --module-name NAME     module to run (default: command)
  -a, --args ARGS            module arguments: free form for command/shell, else k=v pairs
  -i, --inventory FILE       inventory (repeatable)
  -e, --extra-vars VARS      k=v, JSON, or @file (repeatable)
  -b, --become  -K, --ask-become-pass  -k, --ask-pass  -f, --forks N  -C, --check  -l, --limit P
      --host-key-checking M  strict (default) | accept-new | off
      --json                 newline-delimited JSON events on stdout
      --lock                 take the per-cluster lock like "run" does (default: ad-hoc
                             commands are inspections and take no lock)
      --run-dir DIR          record the run here (default ~/.etcdplay/runs/<id>)

exit codes: 0 ok, 2 failed hosts or bad input, 4 unreachable hosts, 130 interrupted`;

/** The YAML of the synthetic one-task playbook (exported for tests). */
export function adhocPlaybookText(pattern: string, moduleName: string, args: string | undefined): string {
  const mod = getModule(moduleName);
  if (!mod) throw new ValidationError(`unknown module '${moduleName}' (see 'etcdplay modules')`);
  let taskArgs: unknown;
  if (args === undefined || args.trim() === '') {
    if (mod.freeForm) throw new ValidationError(`module '${moduleName}' needs arguments: -a '...'`);
    taskArgs = {};
  } else if (mod.freeForm) {
    taskArgs = args;
  } else {
    const a = args.trim();
    if (a.startsWith('{')) {
      try {
        taskArgs = JSON.parse(a);
      } catch (e) {
        throw new ValidationError(`-a: not valid JSON: ${(e as Error).message}`);
      }
    } else {
      try {
        taskArgs = parseKeyValueArgs(a);
      } catch (e) {
        throw new ValidationError(`-a: ${(e as Error).message}`);
      }
    }
  }
  const task: Record<string, unknown> = { name: args ? `${moduleName} ${args}` : moduleName, [moduleName]: taskArgs };
  return stringify([{ name: `adhoc ${moduleName} on ${pattern}`, hosts: pattern, gather_facts: false, tasks: [task] }]);
}

export async function run(argv: string[]): Promise<number> {
  try {
    return await adhocCommand(argv);
  } finally {
    closeLineReader();
  }
}

async function adhocCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      'module-name': { type: 'string', short: 'm' },
      lock: { type: 'boolean' },
      args: { type: 'string', short: 'a' },
    },
  }), usage);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new ValidationError(`expected exactly one host pattern, got ${positionals.length}\n\n${usage}`);
  const pattern = positionals[0]!;
  const moduleName = values['module-name'] ?? 'command';
  const extraVars = parseExtraVars(values['extra-vars']);
  const forks = parseForks(values.forks);
  const inventory = loadInventories(values.inventory);
  const matched = matchHosts(withImplicitLocalhost(inventory, [pattern]).inventory, pattern);
  if (!matched.hosts.length) throw new ValidationError(`no hosts matched '${pattern}'${matched.unmatched.length ? ` (unknown: ${matched.unmatched.join(', ')})` : ''}`);
  const { playbook, diagnostics } = parsePlaybook(adhocPlaybookText(pattern, moduleName, values.args), '<adhoc>');
  reportDiagnostics(diagnostics);
  if (!playbook) throw new ValidationError('could not build the ad-hoc task');
  preflight(playbook, inventory, { extraVars, limit: values.limit, check: !!values.check });
  const connect = await connectOptions(values as ConnectFlags);
  const runId = newRunId();
  const runDir = values['run-dir'] ?? defaultRunDir(runId);
  const reporter = values.json ? new JsonReporter() : new AdhocReporter({ color: colorEnabled(process.stdout) });
  return runReporterAndEngine(reporter, runDir, !!values.json, (onEvent, signal) =>
    runPlaybook({
      playbook,
      inventory,
      extraVars,
      check: !!values.check,
      diff: !!values.diff,
      forks,
      limit: values.limit,
      connect,
      runDir,
      runId,
      onEvent,
      signal,
      become: values.become ? true : undefined,
      // Ad-hoc commands are mostly inspections: no cluster lock (2 more SSH sessions per host)
      // unless asked for with --lock.
      lock: !!values.lock,
    }),
  );
}
