#!/usr/bin/env node
/**
 * etcdplay command line: dispatches to one file per subcommand under ./commands/.
 * Each command module exports `run(argv: string[]): Promise<number>` (the exit code) and `usage`.
 */
import { termSafe } from '../template/terminal.js';
import { EtcdplayError, ValidationError } from '../errors.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  run: { summary: 'run a playbook against an inventory', load: () => import('./commands/run.js') },
  plan: { summary: 'show what a playbook would do, without connecting anywhere', load: () => import('./commands/plan.js') },
  validate: { summary: 'check playbooks and inventories, report every problem', load: () => import('./commands/validate.js') },
  adhoc: { summary: 'run one module on the hosts of a pattern', load: () => import('./commands/adhoc.js') },
  inventory: { summary: 'show an inventory (--list, --graph, --host NAME)', load: () => import('./commands/inventory.js') },
  modules: { summary: 'list modules, or show the docs of one', load: () => import('./commands/modules.js') },
  report: { summary: 'render a recorded run as one HTML page (summary, timeline, status tables, failures, plan)', load: () => import('./commands/report.js') },
  monitor: { summary: 'Prometheus exporter of the etcd members\' versions and status (--once: a table)', load: () => import('./commands/monitor.js') },
  lab: { summary: 'rehearsal lab: real multi-host etcd clusters on this machine', load: () => import('./commands/lab.js') },
};

function help(): string {
  const lines = ['usage: etcdplay <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', "Run 'etcdplay <command> --help' for a command's options.");
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    const { version } = await import('./version.js');
    process.stdout.write(`etcdplay ${version}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`etcdplay: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof ValidationError) {
      process.stderr.write(`etcdplay: ${termSafe(err.message)}\n`);
      return 2;
    }
    if (err instanceof EtcdplayError) {
      process.stderr.write(`etcdplay: ${termSafe(err.message)}\n`);
      if (process.env.ETCDPLAY_DEBUG) process.stderr.write(err.detail + '\n');
      return 1;
    }
    throw err;
  }
}
