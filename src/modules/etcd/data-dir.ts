/**
 * etcd_data_move_aside: move the data dir to `<dir>.etcdplay-<timestamp>` (never delete), with an
 * `<aside>.etcdplay.json` record of the etcd and package version it belonged to. `action: back`
 * puts a moved-aside dir back (a failed restore's dir is moved aside as `-failed-`), `action: find`
 * reports the newest backup and its record (read-only).
 */
import type { ArgsOf } from '../args.js';
import type { Module, PlanContext } from '../module.js';
import { checkPath, dataDirOf, etcdFacts, instanceEnv, MARK, scriptResult, shScript } from './common.js';
import { lastJsonLine } from './json.js';

// $1 action, $2 data dir, $3 wal dir, $4 backup|latest, $5 suffix, $6 marker, $7 'run' when the
// suffix is the run id (not given by the user); for back: $8 the moved-aside wal dir and $9 the wal
// dir it came from (read from the backup's record by the find step before, in TypeScript)
const SCRIPT = String.raw`
ACT=$1; D=$2; W=$3; B=$4; SUF=$5; MARK=$6; AUTO=$7
umask 077
TS=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$SUF" ] || SUF=$TS
latest() { ls -1d "$D".etcdplay-* 2>/dev/null | grep -v -e '\.json$' -e '-failed-' -e '-restoring' | sort | tail -n1; }
rec() { if [ -f "$1.etcdplay.json" ]; then cat "$1.etcdplay.json"; else echo null; fi; }
case "$ACT" in
aside)
  T=$D.etcdplay-$SUF
  if [ ! -e "$D" ]; then
    # Moved by this same run already (a resumed run repeating the task after a crash right after
    # the move): report that move again, so that the rescue still knows where the data went.
    if [ -n "$5" ] && [ -d "$T" ]; then
      printf '{"moved":true,"again":true,"dataDir":"%s","aside":"%s","record":%s}\n' "$D" "$T" "$(rec "$T")"; exit 0
    fi
    printf '{"moved":false,"dataDir":"%s","reason":"absent","latest":"%s"}\n' "$D" "$(latest)"; exit 0
  fi
  etcd_running && die "etcd is running: stop it before moving $D"
  # A second move of the same dir in one run gets its own name; a suffix the user gave is never reused.
  if [ -e "$T" ] && [ "$AUTO" = run ]; then T=$D.etcdplay-$SUF-$TS; fi
  [ -e "$T" ] && die "$T already exists; refusing to overwrite a backup"
  PKG=$( (dpkg-query -W -f '$''{Version}' etcd-server 2>/dev/null || rpm -q --qf '%{VERSION}-%{RELEASE}' etcd 2>/dev/null) | tr -cd 'A-Za-z0-9.+~:_-')
  VER=$(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p' | tr -cd 'A-Za-z0-9.+~:_-')
  mv "$D" "$T" || die "cannot move $D to $T"
  WT=
  if [ -n "$W" ] && [ -e "$W" ]; then
    case "$W" in "$D"/*) ;; *) WT=$W.etcdplay-$SUF; [ -e "$WT" ] && die "$WT exists"; mv "$W" "$WT" || die "cannot move $W" ;; esac
  fi
  R="{\"dataDir\":\"$D\",\"aside\":\"$T\",\"walDir\":\"$W\",\"walAside\":\"$WT\",\"etcdVersion\":\"$VER\",\"packageVersion\":\"$PKG\",\"time\":\"$TS\"}"
  printf '%s\n' "$R" > "$T.etcdplay.json.tmp" && mv "$T.etcdplay.json.tmp" "$T.etcdplay.json"
  echo "$MARK"
  printf '{"moved":true,"dataDir":"%s","aside":"%s","record":%s}\n' "$D" "$T" "$R" ;;
find)
  [ "$B" = latest ] && B=$(latest)
  [ -n "$B" ] && [ -d "$B" ] || die "no moved-aside data dir $D.etcdplay-* found"
  printf '{"backup":"%s","dataDir":"%s","dataDirExists":%s,"record":%s}\n' "$B" "$D" "$( [ -e "$D" ] && echo true || echo false)" "$(rec "$B")" ;;
back)
  [ "$B" = latest ] && B=$(latest)
  [ -n "$B" ] && [ -d "$B" ] || die "no moved-aside data dir $D.etcdplay-* to move back"
  etcd_running && die "etcd is running: stop it before moving $B back"
  F=
  if [ -e "$D" ]; then F=$D.etcdplay-failed-$TS; mv "$D" "$F" || die "cannot move $D aside"; fi
  REC=$(rec "$B")
  mv "$B" "$D" || die "cannot move $B to $D"
  WA=$8; WD=$9
  if [ -n "$WA" ] && [ -e "$WA" ]; then [ -e "$WD" ] && mv "$WD" "$WD.etcdplay-failed-$TS"; mv "$WA" "$WD"; fi
  [ -f "$B.etcdplay.json" ] && mv "$B.etcdplay.json" "$B.etcdplay.json.restored-$TS"
  echo "$MARK"
  printf '{"movedBack":true,"dataDir":"%s","from":"%s","failedAside":"%s","record":%s}\n' "$D" "$B" "$F" "$REC" ;;
*) die "unknown action $ACT" ;;
esac
`;

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    data_dir: { type: 'string' },
    wal_dir: { type: 'string' },
    action: { enum: ['aside', 'back', 'find'] },
    backup: { type: 'string', description: 'For back/find: the moved-aside dir, or \'latest\' (default).' },
    suffix: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', description: 'Suffix instead of the timestamp (aside).' },
  },
} as const;
export type EtcdDataMoveAsideArgs = ArgsOf<typeof argsSchema>;

export const etcdDataMoveAsideModule: Module<EtcdDataMoveAsideArgs> = {
  name: 'etcd_data_move_aside',
  summary: 'move the etcd data dir aside (never delete) so a restore starts from an absent dir; or move it back',
  docs: `\`action: aside\` (default) renames the data dir (default: etcd_data_dir, facts, or
/var/lib/etcd/default) to \`<dir>.etcdplay-<run id>\` (\`suffix\` to choose; the run id starts with
its UTC start time; same filesystem: an atomic rename). A resumed run that repeats the task after
the move finds that dir and reports it again, so its rescue can still move it back. It refuses
when etcd runs or the target exists, and records \`<aside>.etcdplay.json\` with the etcd
and package version it belonged to (used by etcd-rollback.yml). A wal_dir outside the data dir
moves with it. Afterwards the data dir does not exist. An absent data dir is "ok", not an error.
\`action: back\` moves a backup (\`backup\`, default the newest \`<dir>.etcdplay-*\`) back into
place; whatever is at the data dir then is moved aside as \`<dir>.etcdplay-failed-<ts>\`.
\`action: find\` only reports the newest backup and its record (\`data.record.packageVersion\`).`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const d = dataDirOf(args, ctx);
    const f = etcdFacts(ctx);
    const w = args.wal_dir ?? (ctx.vars.etcd_wal_dir as string | undefined) ?? (f?.walDir as string | undefined) ?? '';
    if (w) checkPath(w, 'wal_dir');
    const b = args.backup ?? 'latest';
    if (b !== 'latest') checkPath(b, 'backup');
    const act = args.action ?? 'aside';
    // In a run, the aside is named after the run id: a resumed run that repeats this task finds it.
    const suffix = args.suffix ?? ctx.runId ?? '';
    const a = [act, d, w, b, suffix, MARK, args.suffix === undefined && ctx.runId ? 'run' : ''];
    if (act === 'find') {
      return [{ kind: 'command', description: `find the newest moved-aside copy of ${d}`, mutates: false, changed: 'never', command: shScript(SCRIPT, a) }];
    }
    if (act === 'back') {
      // Find the backup and read its record first; the move back is given the wal dirs it names.
      const which = b === 'latest' ? `the newest ${d}.etcdplay-*` : b;
      return [{
        kind: 'command', description: `find ${which} and its record`, mutates: false, changed: 'never', command: shScript(SCRIPT, ['find', ...a.slice(1)]),
        then: {
          later: `move it back to ${d} (and its wal dir, as its record says)`,
          next: (out) => {
            const found = lastJsonLine(out.stdout) as { backup?: unknown; record?: { walAside?: unknown; walDir?: unknown } | null } | undefined;
            const backup = checkPath(String(found?.backup ?? ''), 'backup');
            const walAside = typeof found?.record?.walAside === 'string' && found.record.walAside ? checkPath(found.record.walAside, 'walAside') : '';
            const walDir = walAside && typeof found?.record?.walDir === 'string' ? checkPath(found.record.walDir, 'walDir') : '';
            return { steps: [{
              kind: 'command', description: `move ${backup} back to ${d}`, mutates: true, changed: 'marker',
              command: shScript(SCRIPT, ['back', d, w, backup, suffix, MARK, '', walAside, walDir], instanceEnv({ data_dir: d }, ctx)),
            }] };
          },
        },
      }];
    }
    return [{
      kind: 'command',
      description: `move ${d} to ${d}.etcdplay-${suffix || '<run id>'} (nothing deleted)`,
      mutates: true,
      changed: 'marker',
      onlyIf: suffix ? { kind: 'exec' as const, argv: ['sh', '-c', 'test -e "$1" || test -d "$2"', 'sh', d, `${d}.etcdplay-${suffix}`] } : { kind: 'exec' as const, argv: ['test', '-e', d] },
      command: shScript(SCRIPT, a, instanceEnv({ data_dir: d }, ctx)),
    }];
  },
  interpret(args, results) {
    if (results.length && results.every((r) => r.status === 'skipped')) return { changed: false, failed: false, msg: 'data dir absent: nothing to move', data: { moved: false } };
    return scriptResult(results, (d) => (d.moved ? `moved ${d.dataDir} to ${d.aside}${d.again ? ' (earlier in this run)' : ''}` : d.movedBack ? `moved ${d.from} back to ${d.dataDir}` : d.backup ? `newest backup ${d.backup} (etcd ${d.record?.etcdVersion ?? '?'}, package ${d.record?.packageVersion ?? '?'})` : `${d.dataDir}: ${d.reason ?? 'nothing to do'}`), `data dir ${args.action ?? 'aside'}`);
  },
  examples: `- etcd_data_move_aside:
  register: aside
- etcd_data_move_aside: { action: back }`,
};
