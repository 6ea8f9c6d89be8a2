/**
 * stat: what Ansible's stat module reports about a path (exists, isdir, mode, owner, size,
 * checksum, ...), from one read-only command; the `key=value` lines are parsed here.
 */
import type { TaskResult } from '../model/result.js';
import type { ArgsOf } from './args.js';
import type { Module } from './module.js';
import { ONE_PATH, PATH_ARGS, SCHEMA, commandStep, remotePath, script } from './steps.js';

// $1 path, $2 follow (1/0), $3 checksum tool ('' = none). Never fails on a missing path.
const STAT_SH = `
p=$1; L=; [ "$2" = 1 ] && L=-L; sum=$3
if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo exists=0; exit 0; fi
echo exists=1
stat $L --printf 'type=%F\\nmode=%a\\nuid=%u\\ngid=%g\\npw_name=%U\\ngr_name=%G\\nsize=%s\\nmtime=%Y\\natime=%X\\nctime=%Z\\ninode=%i\\nnlink=%h\\ndev=%d\\n' -- "$p" || exit 1
if [ -L "$p" ]; then echo "lnk_target=$(readlink -- "$p")"; echo "lnk_source=$(readlink -f -- "$p")"; fi
[ -r "$p" ] && echo readable=1; [ -w "$p" ] && echo writeable=1; [ -x "$p" ] && echo executable=1
if [ -n "$sum" ] && [ -f "$p" ] && [ -r "$p" ]; then echo "checksum=$("$sum" -- "$p" | cut -d' ' -f1)"; fi
exit 0`;

const ALGOS = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'md5'] as const;

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    ...PATH_ARGS,
    follow: { type: 'boolean', default: false, description: 'Follow a symlink (report its target).' },
    get_checksum: { type: 'boolean', default: true, description: 'Checksum of a regular file (stat.checksum).' },
    checksum_algorithm: { enum: ALGOS, default: 'sha1', description: 'Algorithm of stat.checksum.' },
    get_mime: { type: 'boolean', description: 'Accepted for Ansible playbooks; no mime type is reported.' },
    get_attributes: { type: 'boolean', description: 'Accepted for Ansible playbooks; no attributes are reported.' },
  },
  additionalProperties: false,
  oneOf: ONE_PATH,
} as const;
export type StatArgs = ArgsOf<typeof argsSchema>;

const TYPES: Record<string, string> = {
  directory: 'isdir', 'regular file': 'isreg', 'regular empty file': 'isreg', 'symbolic link': 'islnk',
  'block special file': 'isblk', 'character special file': 'ischr', fifo: 'isfifo', socket: 'issock',
};
const NUMBERS = ['uid', 'gid', 'size', 'mtime', 'atime', 'ctime', 'inode', 'nlink', 'dev'];

/** The `stat` dict of Ansible's result from the script's lines. Pure. */
export function parseStat(stdout: string, path: string): Record<string, unknown> {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  if (kv.get('exists') !== '1') return { exists: false };
  const out: Record<string, unknown> = { exists: true, path };
  for (const t of Object.values(TYPES)) out[t] = false;
  const type = TYPES[kv.get('type') ?? ''];
  if (type) out[type] = true;
  out.mode = (kv.get('mode') ?? '').padStart(4, '0');
  for (const k of NUMBERS) if (kv.has(k)) out[k] = Number(kv.get(k));
  for (const k of ['pw_name', 'gr_name', 'checksum', 'lnk_target', 'lnk_source']) if (kv.has(k)) out[k] = kv.get(k);
  for (const k of ['readable', 'writeable', 'executable']) out[k] = kv.get(k) === '1';
  return out;
}

export const statModule: Module<StatArgs> = {
  name: 'stat',
  aliases: ['ansible.builtin.stat', 'ansible.legacy.stat'],
  summary: 'Facts about a path: exists, type, mode, owner, size, times, checksum (read-only)',
  checkMode: true,
  argsSchema,
  docs: `Reports on a path without changing anything, as Ansible's stat: the registered result has
\`stat.exists\` (false and nothing else when the path is missing) and, when it exists, \`stat.isdir\`,
\`isreg\`, \`islnk\`, \`isblk\`, \`ischr\`, \`isfifo\`, \`issock\`, \`mode\` ('0644'), \`uid\`, \`gid\`,
\`pw_name\`, \`gr_name\`, \`size\`, \`mtime\`, \`atime\`, \`ctime\`, \`inode\`, \`nlink\`, \`dev\`,
\`readable\`/\`writeable\`/\`executable\` (for the connecting user, after become), \`lnk_target\` and
\`lnk_source\` for links, and \`checksum\` (sha1 by default) of a readable regular file.`,
  examples: `- stat:
    path: /var/lib/etcd/default/member
  register: member
- debug: msg="data dir present"
  when: member.stat.exists and member.stat.isdir`,
  plan(args) {
    const path = remotePath(args.path ?? args.dest ?? args.name, 'stat: path');
    const sum = args.get_checksum === false ? '' : `${args.checksum_algorithm ?? 'sha1'}sum`;
    return [commandStep(`stat ${path}`, script(STAT_SH, [path, args.follow ? 1 : 0, sum]), { mutates: false, changed: 'never' })];
  },
  interpret(args, results): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'not run' };
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, stderr: r.stderr ?? '', msg: `stat failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}` };
    return { changed: false, failed: false, stat: parseStat(r.stdout ?? '', String(args.path ?? args.dest ?? args.name)) };
  },
};
