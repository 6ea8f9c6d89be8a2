import type { ArgsOf } from './args.js';
import { createHash } from 'node:crypto';
import { posix, basename } from 'node:path';
import { ValidationError } from '../errors.js';
import { CHANGED_MARKER, type PutStep } from '../model/step.js';
import type { Module } from './module.js';
import { SCHEMA, commandStep, localPath, normMode, remotePath, script } from './steps.js';
import { pyJson } from '../template/filters-data.js';

/**
 * remote_src: copy a file that is already on the host. $1 check|apply $2 src $3 dest $4 mode
 * $5 owner $6 group. check exits 0 when something would change.
 */
export const REMOTE_COPY_SH = `
op=$1; src=$2; dest=$3; mode=$4; owner=$5; group=$6
[ -e "$src" ] || { echo "copy: $src does not exist on the host" >&2; exit 2; }
if [ -d "$dest" ]; then dest="$dest/$(basename "$src")"; fi
need=0
cmp -s "$src" "$dest" || need=1
if [ -n "$mode" ]; then
  case $mode in
    [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) [ -e "$dest" ] && [ "$(stat -c %a "$dest")" = "$(echo "$mode" | sed 's/^0*//')" ] || need=1 ;;
    *) need=1 ;;
  esac
fi
[ -n "$owner" ] && { [ -e "$dest" ] && [ "$(stat -c %U "$dest")" = "$owner" ] || need=1; }
[ -n "$group" ] && { [ -e "$dest" ] && [ "$(stat -c %G "$dest")" = "$group" ] || need=1; }
if [ "$op" = check ]; then [ "$need" = 1 ]; exit; fi
[ "$need" = 1 ] || exit 0
if ! cmp -s "$src" "$dest"; then
  tmp="$dest.etcdplay-tmp.$$"
  cp -p -- "$src" "$tmp" && mv -f -- "$tmp" "$dest" || { rm -f -- "$tmp"; exit 1; }
fi
[ -n "$mode" ] && { chmod "$mode" "$dest" || exit 1; }
[ -n "$owner$group" ] && { chown "$owner\${group:+:$group}" "$dest" || exit 1; }
echo ${CHANGED_MARKER}
`;

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    src: { type: 'string', minLength: 1, description: 'File on the workstation: absolute, or relative to the playbook (files/ is searched first).' },
    content: { anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'array' }], description: 'Write this text instead of a file (a mapping or a list is written as JSON, as Ansible does).' },
    dest: { type: 'string', minLength: 1, description: 'Absolute path on the host; ending in / means "into this directory".' },
    mode: { anyOf: [{ type: 'string' }, { type: 'integer' }], description: "Permissions, e.g. '0644' (quote it: YAML reads 0644 as 644)." },
    owner: { type: 'string', description: 'Owner of the file on the host.' },
    group: { type: 'string', description: 'Group of the file on the host.' },
    checksum: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'Expected sha256 of the source; the copy fails if it differs.' },
    remote_src: { type: 'boolean', default: false, description: 'src is a file already on the host (cp -p, through a temporary name, only when it differs).' },
  },
  required: ['dest'],
  additionalProperties: false,
  oneOf: [{ required: ['src'] }, { required: ['content'] }],
} as const;
export type CopyArgs = ArgsOf<typeof argsSchema>;

export const copyModule: Module<CopyArgs> = {
  name: 'copy',
  aliases: ['ansible.builtin.copy', 'ansible.legacy.copy'],
  summary: 'Copy a workstation file (or inline content) to the host, sha256-verified',
  checkMode: true,
  argsSchema,
  docs: `Copies a file from the workstation to the host. It is streamed to a temporary name next to
\`dest\`, its sha256 is checked on the host, then it is renamed into place (an interrupted copy never
leaves a half-written \`dest\`). If \`dest\` already has the same sha256 nothing is written and the task
is \`ok\` (idempotent); otherwise \`changed\`. With \`checksum\` the source must have that sha256.

In --check mode nothing is written; the task reports whether it would change.

With \`remote_src: true\`, \`src\` is a file already on the host: it is copied there (\`cp -p\` to a
temporary name, then renamed) only when the content, mode, owner or group differ.`,
  examples: `- name: distribute the snapshot
  copy:
    src: ./tmp/snapshot.db
    dest: /var/backup/etcd/snapshot.db
    mode: '0600'
    owner: etcd
    group: etcd

- name: write a small file
  copy:
    content: "ETCD_NAME={{ etcd_name }}\\n"
    dest: /etc/default/etcd-name

- name: keep a copy of the live db (on the host)
  copy:
    src: /var/lib/etcd/member/snap/db
    dest: /tmp/db
    remote_src: true`,
  plan(args, ctx) {
    if (args.remote_src) {
      if (args.src === undefined) throw new ValidationError('copy: remote_src needs src (a path on the host)');
      if (args.checksum) throw new ValidationError('copy: checksum is not supported with remote_src');
      const src = remotePath(args.src, 'copy: src');
      const dest = remotePath(args.dest, 'copy: dest');
      const rest = [src, dest, normMode(args.mode) ?? '', args.owner ?? '', args.group ?? ''];
      return [commandStep(`copy ${src} to ${dest} on the host`, script(REMOTE_COPY_SH, ['apply', ...rest]), {
        mutates: true, changed: 'marker', onlyIf: script(REMOTE_COPY_SH, ['check', ...rest]),
      })];
    }
    if (args.src === undefined && args.content === undefined) throw new ValidationError('copy: give src or content');
    // Ansible writes a mapping or list given as content as JSON (Python's json.dumps).
    const content = args.content === undefined || typeof args.content === 'string' ? args.content : pyJson(args.content);
    if (args.src !== undefined && args.content !== undefined) throw new ValidationError('copy: give src or content, not both');
    let dest = remotePath(args.dest, 'copy: dest');
    if (dest.endsWith('/')) {
      if (args.src === undefined) throw new ValidationError('copy: dest ending in / needs src (the file name comes from it)');
      dest = posix.join(dest, basename(args.src));
    }
    if (args.src !== undefined && args.src.endsWith('/')) throw new ValidationError('copy: copying a directory (src ending in /) is not supported; copy files one by one');
    const step: PutStep = {
      kind: 'put',
      description: args.src !== undefined ? `copy ${args.src} to ${dest}` : `write content to ${dest}`,
      mutates: true,
      src: args.src !== undefined ? { path: localPath(args.src, ctx, 'files') } : { content: content! },
      dest,
      skipIfSame: true,
    };
    const mode = normMode(args.mode);
    if (mode) step.mode = mode;
    if (args.owner) step.owner = args.owner;
    if (args.group) step.group = args.group;
    if (args.checksum) step.sha256 = args.checksum.toLowerCase();
    else if (content !== undefined) step.sha256 = createHash('sha256').update(content).digest('hex');
    return [step];
  },
};
