/**
 * replace: every match of a regular expression in a file replaced, as Ansible's replace module
 * (Python `re` with MULTILINE, optional after/before section). The file is read once, the
 * replacement is computed here in TypeScript (CommandStep.then), and only a changed file is written
 * back through the transfer path (temporary name, sha256 checked, renamed), keeping its mode and
 * owner.
 */
import { ValidationError } from '../errors.js';
import type { TaskResult } from '../model/result.js';
import type { Next, Step } from '../model/step.js';
import type { ArgsOf } from './args.js';
import type { Module } from './module.js';
import { ONE_PATH, PATH_ARGS, SCHEMA, commandStep, exec, lastValue, remotePath, script } from './steps.js';

// $1 path: "mode owner group" on the first line, then the content in base64.
const READ_SH = `p=$1
[ -f "$p" ] || { echo "Path $p does not exist !" >&2; exit 1; }
stat -c '%a %U %G' -- "$p" && base64 -w0 -- "$p"`;

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    ...PATH_ARGS,
    regexp: { type: 'string', minLength: 1, description: "Regular expression (Python syntax as in Ansible: (?P<name>...), \\\\1; MULTILINE: ^ and $ match at every line)." },
    replace: { type: 'string', default: '', description: 'Replacement; \\\\1 or \\\\g<name> insert groups. Empty: the matches are removed.' },
    after: { type: 'string', description: 'Only replace in the text after the first match of this expression.' },
    before: { type: 'string', description: 'Only replace in the text before this expression: its last match, or with after, its first match after it (as Ansible).' },
    backup: { type: 'boolean', default: false, description: 'Keep a copy of the original as <path>.<UTC timestamp>~ (backup_file in the result).' },
  },
  required: ['regexp'],
  additionalProperties: false,
  oneOf: ONE_PATH,
} as const;
export type ReplaceArgs = ArgsOf<typeof argsSchema>;

/** A Python regular expression as a JavaScript one (the forms Ansible files use). */
export function pyRegExp(py: string, flags: string): RegExp {
  const js = py
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^(?<![\\s\\S])')
    .replace(/\\Z/g, '$(?![\\s\\S])');
  try {
    return new RegExp(js, flags);
  } catch (e) {
    throw new ValidationError(`replace: invalid regular expression ${JSON.stringify(py)}: ${(e as Error).message}`);
  }
}

/** A Python replacement string (\1, \g<1>, \g<name>, \n, \\) as a function of the match. */
function pyReplacement(rep: string): (m: string, ...rest: unknown[]) => string {
  return (...m: unknown[]) => {
    const groups = (typeof m[m.length - 1] === 'object' ? m[m.length - 1] : undefined) as Record<string, string> | undefined;
    const numbered = m.slice(1, groups ? -3 : -2) as (string | undefined)[];
    return rep.replace(/\\(g<(\w+)>|(\d{1,2})|n|t|\\)/g, (all, _x, g: string | undefined, d: string | undefined) => {
      if (g !== undefined) return (/^\d+$/.test(g) ? (g === '0' ? (m[0] as string) : numbered[Number(g) - 1]) : groups?.[g]) ?? '';
      if (d !== undefined) return numbered[Number(d) - 1] ?? '';
      return all === '\\n' ? '\n' : all === '\\t' ? '\t' : '\\';
    });
  };
}

/** The new content and the number of replacements, as Ansible's replace computes them. Pure. */
export function replaceIn(text: string, args: Pick<ReplaceArgs, 'regexp' | 'replace' | 'after' | 'before'>): { text: string; count: number } {
  let start = 0;
  let end = text.length;
  if (args.after !== undefined || args.before !== undefined) {
    const a = args.after !== undefined ? pyRegExp(args.after, 's').source : '';
    const b = args.before !== undefined ? pyRegExp(args.before, 's').source : '';
    const section = new RegExp(args.after !== undefined && args.before !== undefined ? `${a}(?<sub>.*?)${b}` : args.after !== undefined ? `${a}(?<sub>.*)` : `(?<sub>.*)${b}`, 'sd');
    const m = section.exec(text);
    if (!m) return { text, count: 0 };
    [start, end] = m.indices!.groups!.sub!;
  }
  const re = pyRegExp(args.regexp, 'gm');
  let count = 0;
  const rep = pyReplacement(args.replace ?? '');
  const middle = text.slice(start, end).replace(re, (...m: unknown[]) => {
    count++;
    return rep(...(m as [string]));
  });
  return { text: text.slice(0, start) + middle + text.slice(end), count };
}

export const replaceModule: Module<ReplaceArgs> = {
  name: 'replace',
  aliases: ['ansible.builtin.replace', 'ansible.legacy.replace'],
  summary: 'Replace every match of a regular expression in a file (Python syntax, MULTILINE)',
  checkMode: true,
  argsSchema,
  docs: `Replaces all matches of \`regexp\` in the file with \`replace\`, like Ansible's replace: Python
regular-expression syntax (\`(?P<name>...)\`, \`\\1\`, \`\\g<name>\`), MULTILINE (\`^\`/\`$\` at each
line), optionally only in the section Ansible picks with \`after\` and \`before\` (the text after
the first match of \`after\`; before the last match of \`before\`, or with both, up to the first
match of \`before\` after \`after\`). The file is read once; the replacement is computed on the
workstation; a file that does not change is not written (\`ok\`); a changed one is written back
atomically with its mode and owner kept. \`msg\` says how many replacements were made. A missing
file fails the task. --check reads the file and says whether it would change.`,
  examples: `- replace:
    path: /etc/default/etcd
    regexp: '^ETCD_INITIAL_CLUSTER_STATE=.*$'
    replace: 'ETCD_INITIAL_CLUSTER_STATE="existing"'`,
  plan(args) {
    const path = remotePath(args.path ?? args.dest ?? args.name, 'replace: path');
    pyRegExp(args.regexp, 'gm');
    const read = commandStep(`read ${path}`, script(READ_SH, [path]), { mutates: false, changed: 'never' });
    read.then = {
      later: `the replacements computed here, then ${path} written back only if it changed`,
      next: (out): Next => {
        const nl = (out.stdout ?? '').indexOf('\n');
        const [mode = '', owner = '', group = ''] = (out.stdout ?? '').slice(0, nl).trim().split(/\s+/);
        const before = Buffer.from((out.stdout ?? '').slice(nl + 1).trim(), 'base64').toString('utf8');
        const { text, count } = replaceIn(before, args);
        if (text === before) return { value: { count: 0 } };
        const steps: Step[] = [];
        let backupFile: string | undefined;
        if (args.backup) {
          backupFile = `${path}.${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}~`;
          steps.push(commandStep(`keep a copy as ${backupFile}`, exec(['cp', '-p', '--', path, backupFile]), { mutates: true }));
        }
        steps.push({ kind: 'put', description: `write ${path} (${count} replacement${count === 1 ? '' : 's'})`, mutates: true, src: { content: text }, dest: path, mode: mode.padStart(4, '0'), owner, group });
        return { steps, value: { count, ...(backupFile ? { backupFile } : {}) } };
      },
    };
    return [read];
  },
  interpret(_args, results): TaskResult {
    const bad = results.find((r) => r.status === 'ran' && r.rc !== undefined && r.rc !== 0);
    if (bad) return { changed: false, failed: true, rc: bad.rc, stderr: bad.stderr ?? '', msg: (bad.stderr ?? '').trim().split('\n').pop() || 'replace failed' };
    const v = lastValue(results) as { count: number; backupFile?: string } | undefined;
    const wrote = results.some((r) => r.step.kind === 'put');
    const held = results.some((r) => r.status === 'check');
    if (!v) return { changed: false, failed: false, msg: 'not run' };
    if (v.count === 0) return { changed: false, failed: false, msg: '' };
    const msg = `${v.count} replacement${v.count === 1 ? '' : 's'} made`;
    if (held) return { changed: false, failed: false, wouldChange: true, msg };
    return { changed: wrote, failed: false, msg, ...(v.backupFile ? { backup_file: v.backupFile } : {}) };
  },
};
