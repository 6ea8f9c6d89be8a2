import type { ArgsOf } from './args.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import type { PutStep } from '../model/step.js';
import { TemplateError, UndefinedVariableError } from '../template/errors.js';
import { renderString } from '../template/render.js';
import type { Module } from './module.js';
import { SCHEMA, localCandidates, normMode, remotePath } from './steps.js';



const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    src: { type: 'string', minLength: 1, description: 'Template file: absolute, or under templates/ beside the playbook, or relative to the playbook.' },
    dest: { type: 'string', minLength: 1, description: 'Absolute path on the host.' },
    mode: { anyOf: [{ type: 'string' }, { type: 'integer' }], description: "Permissions, e.g. '0644'." },
    owner: { type: 'string', description: 'Owner on the host.' },
    group: { type: 'string', description: 'Group on the host.' },
  },
  required: ['src', 'dest'],
  additionalProperties: false,
} as const;
export type TemplateArgs = ArgsOf<typeof argsSchema>;

export const templateModule: Module<TemplateArgs> = {
  name: 'template',
  aliases: ['ansible.builtin.template', 'ansible.legacy.template'],
  summary: 'Render a template file on the workstation and copy the result to the host',
  checkMode: true,
  argsSchema,
  docs: `Renders a file with the host's variables and copies the result like \`copy\` does (temporary
name, sha256 check, rename; unchanged when the host already has the same content).

The file is rendered verbatim: values are inserted as they are, NOT shell-quoted (a template is a
file, not a command). Same template language as task args (see docs/templates.md); an undefined
variable is an error naming it.`,
  examples: `- name: etcd environment file
  template:
    src: etcd.default.hbs
    dest: /etc/default/etcd
    mode: '0644'`,
  plan(args, ctx) {
    const dest = remotePath(args.dest, 'template: dest');
    const tried = localCandidates(args.src, ctx, 'templates');
    let text: string | undefined;
    let used = '';
    for (const p of tried) {
      try { text = readFileSync(p, 'utf8'); used = p; break; } catch { /* next */ }
    }
    if (text === undefined) throw new ValidationError(`template: ${args.src} not found (tried ${tried.join(', ')})`);
    let content: string;
    try {
      content = renderString(text, ctx.vars);
    } catch (err) {
      // Name the place in the template file: path:line:col.
      if ((err instanceof TemplateError || err instanceof UndefinedVariableError) && err.at && !err.message.startsWith(used)) {
        err.message = `${used}:${err.at.line}:${err.at.col}: ${err.message.replace(/ in "(?:[^"\\]|\\.)*"$/, '')}`;
      }
      throw err;
    }
    const step: PutStep = {
      kind: 'put',
      description: `render ${used} to ${dest}`,
      mutates: true,
      src: { content },
      dest,
      sha256: createHash('sha256').update(content).digest('hex'),
      skipIfSame: true,
    };
    const mode = normMode(args.mode);
    if (mode) step.mode = mode;
    if (args.owner) step.owner = args.owner;
    if (args.group) step.group = args.group;
    return [step];
  },
};
