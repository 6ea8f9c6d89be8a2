/** `etcdplay modules [NAME] [--markdown]`: the module list, or one module's docs. */
import { parseArgs } from 'node:util';
import { getModule, listModules, moduleNames } from '../../modules/registry.js';
import { moduleMarkdown, moduleText, modulesMarkdown } from '../../modules/docs.js';
import { nearest } from '../../load/diagnostics.js';

export const usage = `usage: etcdplay modules [NAME] [--markdown]

Without NAME: every module with its one-line summary. With NAME (or an alias such as
ansible.builtin.copy): its documentation, arguments (from its JSON Schema) and examples.

  --markdown   print markdown (without NAME: the whole docs/modules.md)
  -h, --help   this help`;

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    process.stderr.write(`etcdplay modules: ${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`etcdplay modules: give at most one module name\n`);
    return 2;
  }
  const name = positionals[0];
  if (name === undefined) {
    const mods = listModules();
    if (values.markdown) {
      process.stdout.write(modulesMarkdown(mods));
      return 0;
    }
    const w = Math.max(...mods.map((m) => m.name.length));
    process.stdout.write(mods.map((m) => `${m.name.padEnd(w)}  ${m.summary}`).join('\n') + '\n');
    return 0;
  }
  const mod = getModule(name);
  if (!mod) {
    const near = nearest(name, moduleNames(), 3);
    process.stderr.write(`etcdplay modules: no module '${name}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}\n`);
    return 2;
  }
  process.stdout.write(values.markdown ? moduleMarkdown(mod) : moduleText(mod) + '\n');
  return 0;
}
