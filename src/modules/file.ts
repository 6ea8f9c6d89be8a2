import type { ArgsOf } from './args.js';
import { posix } from 'node:path';
import { ValidationError } from '../errors.js';
import { CHANGED_MARKER, type Step } from '../model/step.js';
import type { Module } from './module.js';
import { ONE_PATH, PATH_ARGS, SCHEMA, commandStep, exec, isOctalMode, normMode, remotePath, script } from './steps.js';

/** exit 0 (= "needs a change") when find reports a file not matching; find errors also say "go". */
const FIND_MISMATCH = `
p=$1; depth=$2; shift 2
out=$(find "$p" $depth "$@" -print -quit) || exit 0
[ -n "$out" ]`;

const SELINUX_ON = 'command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled';

/** Refuse paths whose removal would be a disaster. */
export function checkRemovable(path: string): string {
  const norm = posix.normalize(path.trim());
  if (path.trim() === '' || norm === '/' || norm === '.' || norm === '//' || /^\/+$/.test(norm)) {
    throw new ValidationError(`file: refusing to remove ${JSON.stringify(path)} (state=absent on '/' or an empty path)`);
  }
  return path;
}

// $1 directory, $2 mode or '', $3 owner[:group] or '': create every missing directory down to $1,
// each new one given the mode and owner.
const MKDIRS_SH = `d=$1; M=$2; O=$3; set --
while [ ! -d "$d" ]; do set -- "$d" "$@"; d=$(dirname -- "$d"); done
for x in "$@"; do mkdir -- "$x" || exit 1; if [ -n "$M" ]; then chmod -- "$M" "$x" || exit 1; fi; if [ -n "$O" ]; then chown -- "$O" "$x" || exit 1; fi; done`;

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    ...PATH_ARGS,
    state: { enum: ['file', 'directory', 'absent', 'link', 'touch'], default: 'file', description: 'file: must exist (only attributes change); directory: created with any missing parents, each new one given mode and owner (as Ansible); absent: rm -rf (never / or empty); link: symlink to src; touch: create or update mtime.' },
    src: { type: 'string', description: 'Target of the link (state=link).' },
    mode: { anyOf: [{ type: 'string' }, { type: 'integer' }], description: "Permissions, octal ('0750') or symbolic ('u+rwx,go-w')." },
    owner: { type: 'string', description: 'Owner (user name or uid).' },
    group: { type: 'string', description: 'Group (name or gid).' },
    recurse: { type: 'boolean', default: false, description: 'Apply mode/owner/group/SELinux context to everything under a directory.' },
    setype: { type: 'string', description: "SELinux type (chcon -t); '_default' restores the policy default (restorecon). Only when SELinux is enabled." },
    restorecon: { type: 'boolean', description: 'Restore the policy default SELinux context (restorecon), when SELinux is enabled.' },
  },
  additionalProperties: false,
  oneOf: ONE_PATH,
} as const;
export type FileArgs = ArgsOf<typeof argsSchema>;

export const fileModule: Module<FileArgs> = {
  name: 'file',
  aliases: ['ansible.builtin.file', 'ansible.legacy.file'],
  summary: 'Manage files, directories, links, permissions, ownership and SELinux contexts',
  checkMode: true,
  argsSchema,
  docs: `Makes a path be in a given state, idempotently: every change is guarded by a read-only
check on the host, so a second run reports \`ok\` and --check mode answers faithfully.

- \`state: absent\` removes the path recursively; it refuses \`/\` and an empty path.
- \`owner\`/\`group\`/\`mode\` with \`recurse: true\` apply to the whole tree (like chown -R / chmod -R),
  and only when some file differs.
- SELinux: \`setype: _default\` or \`restorecon: true\` runs \`restorecon\` (recursively with
  \`recurse\`), \`setype: X\` runs \`chcon -t X\`. On hosts where SELinux is not enabled
  (\`selinuxenabled\` missing or false) these steps are skipped and the task notes it.

\`dest\` and \`name\` are accepted as aliases of \`path\`.`,
  examples: `- name: give the restored data dir to etcd
  file:
    path: /var/lib/etcd
    owner: etcd
    group: etcd
    recurse: true
    setype: _default

- name: remove the old data dir
  file:
    path: /var/lib/etcd.old
    state: absent`,
  plan(args) {
    const rawPath = args.path ?? args.dest ?? args.name;
    const state = args.state ?? 'file';
    if (state === 'absent') checkRemovable(String(rawPath ?? ''));
    const path = remotePath(rawPath, 'file: path');
    const steps: Step[] = [];
    const exists = exec(['test', '-e', path]);
    switch (state) {
      case 'absent':
        checkRemovable(path);
        return [commandStep(`remove ${path}`, exec(['rm', '-rf', '--', path]), {
          mutates: true,
          onlyIf: script('test -e "$1" || test -L "$1"', [path]),
        })];
      case 'directory':
      {
        // Each missing parent is created with the same mode and owner, as Ansible's file module does
        // (with neither given, that is plain `mkdir -p`).
        const mode = normMode(args.mode) ?? '';
        const owner = `${args.owner ?? ''}${args.group ? `:${args.group}` : ''}`;
        const make = mode || owner ? script(MKDIRS_SH, [path, mode, owner]) : exec(['mkdir', '-p', '--', path]);
        steps.push(commandStep(`create directory ${path}`, make, {
          mutates: true,
          onlyIf: script('! test -d "$1"', [path]),
        }));
        break;
      }
      case 'touch':
        steps.push(commandStep(`touch ${path}`, exec(['touch', '--', path]), { mutates: true }));
        break;
      case 'link': {
        if (!args.src) throw new ValidationError('file: state=link needs src (the link target)');
        steps.push(commandStep(`link ${path} -> ${args.src}`, exec(['ln', '-sfn', '--', args.src, path]), {
          mutates: true,
          onlyIf: script('[ "$(readlink -- "$1")" != "$2" ]', [path, args.src]),
        }));
        break;
      }
      case 'file':
        steps.push(commandStep(`check that ${path} exists`, exists, { mutates: false, changed: 'never' }));
        break;
    }
    if (state === 'link') return steps; // attributes of a symlink's target are not managed here
    const depth = args.recurse ? '' : '-maxdepth 0';
    const rflag = args.recurse ? ['-R'] : [];
    if (args.owner || args.group) {
      const spec = `${args.owner ?? ''}${args.group ? `:${args.group}` : ''}`;
      const tests: string[] = [];
      if (args.owner) tests.push(...(args.owner && /^\d+$/.test(args.owner) ? ['!', '-uid', args.owner] : ['!', '-user', args.owner]));
      if (args.owner && args.group) tests.push('-o');
      if (args.group) tests.push(...(/^\d+$/.test(args.group) ? ['!', '-gid', args.group] : ['!', '-group', args.group]));
      steps.push(commandStep(`set owner ${spec} on ${path}${args.recurse ? ' (recursive)' : ''}`, exec(['chown', ...rflag, '--', spec, path]), {
        mutates: true,
        onlyIf: script(FIND_MISMATCH, [path, depth, '(', ...tests, ')']),
      }));
    }
    const mode = normMode(args.mode);
    if (mode) {
      steps.push(commandStep(`set mode ${mode} on ${path}${args.recurse ? ' (recursive)' : ''}`, exec(['chmod', ...rflag, '--', mode, path]), {
        mutates: true,
        ...(isOctalMode(mode) ? { onlyIf: script(FIND_MISMATCH, [path, depth, '!', '-perm', mode]) } : {}),
      }));
    }
    if (args.restorecon || args.setype === '_default') {
      steps.push(commandStep(`restore the SELinux context of ${path} (skipped when SELinux is not enabled)`,
        script(`out=$(restorecon "$@") || exit $?; if [ -n "$out" ]; then printf '%s\\n' "$out"; echo ${CHANGED_MARKER}; fi`, [...rflag, '-v', '--', path]), {
          mutates: true,
          changed: 'marker',
          onlyIf: { kind: 'shell', script: SELINUX_ON },
        }));
    } else if (args.setype) {
      steps.push(commandStep(`set SELinux type ${args.setype} on ${path} (skipped when SELinux is not enabled)`,
        exec(['chcon', ...rflag, '-t', args.setype, '--', path]), {
          mutates: true,
          onlyIf: { kind: 'shell', script: SELINUX_ON },
        }));
    }
    return steps;
  },
};
