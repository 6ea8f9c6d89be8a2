/**
 * `etcdplay plan PLAYBOOK -i INV`: what the playbook would do, host by host, without connecting
 * anywhere. Kept lean: no ssh2, no listr2, no engine.
 */
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../../model/source.js';
import { formatDiagnostics, hasErrors, sortDiagnostics } from '../../load/diagnostics.js';
import { loadInventory } from '../../load/inventory.js';
import { loadPlaybook } from '../../load/playbook.js';
import { buildPlan } from '../../plan/build.js';
import { parseExtraVars } from '../extravars.js';
import { formatPlan, redactPlan } from '../../plan/format.js';
import { parseTagList } from '../../plan/tags.js';
import { termSafeDeep } from '../../template/terminal.js';
import { planRedactor } from '../../plan/secrets.js';

export const usage = `usage: etcdplay plan PLAYBOOK -i INVENTORY [options]

Show every play, batch and host of a playbook with the exact commands each task would run,
without connecting anywhere. run_once and delegate_to are shown; conditions and values only
known at run time (registered results, facts) are marked.

  -i, --inventory PATH       inventory file or directory (repeatable)
  -e, --extra-vars VARS      k=v pairs, @file.yml, or a JSON mapping (repeatable; highest precedence)
  -l, --limit PATTERN        only hosts that also match PATTERN
  -t, --tags TAGS            only tasks with these tags (comma-separated, repeatable)
      --skip-tags TAGS       skip tasks with these tags
      --start-at-task NAME   start at the task with this name
  -C, --check                plan for --check (mutating steps are marked as not run)
      --format text|json     output format (default text; json prints the Plan)
      --full                 show the full text of module helper scripts (sh -c ...)
      --show-secrets         show secret values instead of <secret:NAME> (only on a terminal)
  -h, --help                 this help

Exit status: 0 planned, 2 problems found (printed as file:line:col).`;


function color(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        inventory: { type: 'string', short: 'i', multiple: true },
        'extra-vars': { type: 'string', short: 'e', multiple: true },
        limit: { type: 'string', short: 'l' },
        tags: { type: 'string', short: 't', multiple: true },
        'skip-tags': { type: 'string', multiple: true },
        'start-at-task': { type: 'string' },
        check: { type: 'boolean', short: 'C' },
        format: { type: 'string' },
        full: { type: 'boolean' },
        'show-secrets': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`etcdplay plan: ${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    process.stderr.write(`etcdplay plan: --format must be text or json, got '${format}'\n`);
    return 2;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`etcdplay plan: give exactly one playbook\n\n${usage}\n`);
    return 2;
  }
  const sources = values.inventory ?? [];
  if (!sources.length) {
    process.stderr.write(`etcdplay plan: give an inventory with -i\n\n${usage}\n`);
    return 2;
  }
  const showSecrets = Boolean(values['show-secrets']);
  if (showSecrets && !process.stdout.isTTY) {
    process.stderr.write('etcdplay plan: --show-secrets prints secrets only to a terminal, and stdout is not one (a pipe or a file would keep them); run it on a terminal, or leave --show-secrets out to see <secret:NAME> placeholders\n');
    return 2;
  }
  const extraVars = parseExtraVars(values['extra-vars']);
  const ds: Diagnostic[] = [];
  const inv = loadInventory(sources);
  ds.push(...inv.diagnostics);
  const pb = loadPlaybook(positionals[0]!);
  ds.push(...pb.diagnostics);
  const errColor = color(process.stderr);
  // Diagnostics may quote values: they pass the same redaction as the plan.
  const secrets = pb.playbook && !hasErrors(ds) && !showSecrets ? planRedactor(pb.playbook, inv.inventory, extraVars) : undefined;
  const show = (text: string): string => (secrets ? secrets.text(text) : text);
  if (hasErrors(ds) || !pb.playbook) {
    process.stderr.write(formatDiagnostics(sortDiagnostics(ds), { color: errColor }));
    return 2;
  }
  const opts = {
    extraVars,
    check: Boolean(values.check),
    ...(values.limit !== undefined ? { limit: values.limit } : {}),
    ...(parseTagList(values.tags) ? { tags: parseTagList(values.tags)! } : {}),
    ...(parseTagList(values['skip-tags']) ? { skipTags: parseTagList(values['skip-tags'])! } : {}),
    ...(values['start-at-task'] !== undefined ? { startAtTask: values['start-at-task'] } : {}),
  };
  const { plan, diagnostics } = buildPlan(pb.playbook, inv.inventory, opts);
  ds.push(...diagnostics);
  const all = sortDiagnostics(ds);
  if (hasErrors(all)) {
    process.stderr.write(show(formatDiagnostics(all, { color: errColor })));
    return 2;
  }
  if (all.length) process.stderr.write(show(formatDiagnostics(all, { color: errColor })));
  if (format === 'json') process.stdout.write(JSON.stringify(showSecrets ? plan : secrets!.value(redactPlan(plan)), null, 2) + '\n');
  else process.stdout.write(show(formatPlan(termSafeDeep(plan), { color: color(process.stdout), full: Boolean(values.full) })));
  return 0;
}
