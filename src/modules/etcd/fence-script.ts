/**
 * The etcd_fence script (POSIX sh). Run as `sh -c PRELUDE+SCRIPT etcdplay ARGS...`: every value is
 * a positional argument, never script text.
 *
 *   $1 action: fence | unfence (really act) or probe-fence | probe-unfence (only say what would be done)
 *   $2 state file   $3 timeout s   $4 ready command ('' = the defaults below)   $5 gone command ('')
 *   $6 changed marker
 *   then words: unit NAME | pod MANIFEST STASH CONTAINER | restart NAME | ready KEY COMMAND
 *
 * The state file is an append-only log, one record a line (names and paths have no spaces):
 *   stopping NAME / stopped NAME       a unit this run stops / stopped (intent, then done)
 *   already NAME                       a unit that was not running when this run fenced
 *   moving MANIFEST STASH / moved ...  a static pod manifest this run moves / moved away
 *   starting|started NAME, returning|returned MANIFEST, restarting|restarted NAME   (unfence)
 * Appending never forgets an earlier record, so fencing again in the same run (--resume) keeps
 * what the first fence stopped. Fencing also takes over the records other runs left (never
 * unfenced: a run that stopped and was not resumed), so the writers they stopped start again. Unfence acts only on what the log says this run stopped or moved,
 * then renames the log to `.done` (never deleted).
 *
 * Output: one JSON line (names and paths are validated plain text, so printf is safe). Exit 3:
 * refused (nothing to fence) or not ready; the reason is the last `etcdplay:` line on stderr.
 */
import { SERVICE_FNS } from '../service.js';

export const FENCE_SH = String.raw`
ACT=$1; STATE=$2; TMO=$3; READY=$4; GONE=$5; MARK=$6; shift 6
DRY=; case "$ACT" in probe-*) DRY=1; ACT=${'$'}{ACT#probe-} ;; esac
timeout=$TMO; umask 077
UNITS=; PODS=; RESTART=; READYKEYS=
while [ $# -gt 0 ]; do
  case "$1" in
    unit) UNITS="$UNITS $2"; shift 2 ;;
    pod) PODS="$PODS $2 $3 $4"; shift 4 ;;
    restart) RESTART="$RESTART $2"; shift 2 ;;
    ready) n=$((${'$'}{n:-0} + 1)); eval "RK_$n=\$2; RC_$n=\$3"; READYKEYS="$READYKEYS $n"; shift 3 ;;
    *) die "unknown word $1" ;;
  esac
done
${SERVICE_FNS}
STOPPED=; ALREADY=; MOVED=; STARTED=; RESTARTED=; ABSENT=; CHANGED=; READYOK=null; READYMS=null
add() { case " $(eval "echo \"\$$1\"") " in *" $2 "*) ;; *) eval "$1=\"\${$1:+\$$1 }\$2\"" ;; esac; }
# Records of other runs that were never unfenced (a run that stopped and was not resumed).
# has: the record says so (while fencing, also those other runs' records: PEND).
OTHER=; for _f in "$(dirname "$STATE")"/*.state; do [ -f "$_f" ] && [ "$_f" != "$STATE" ] && OTHER="$OTHER $_f"; done
PEND=
has() { for _f in "$STATE" $PEND; do [ -f "$_f" ] && grep -Fqx -- "$*" "$_f" && return 0; done; return 1; }
# Where a manifest was last moved to (moving: the move may have happened, its record not), by
# this run or (while fencing) another.
moved_to() { for _g in "$STATE" $PEND; do [ -f "$_g" ] && awk -v m="$1" '($1 == "moving" || $1 == "moved") && $2 == m { print $3 }' "$_g"; done | tail -n 1; }
# Fencing takes over what other runs left fenced: their stops become this run's, so this run's
# unfence starts them; their record is renamed .adopted-by-<this run> (never deleted).
adopt() {
  for _f in $PEND; do
    grep -E '^(stopping|stopped|moving|moved) ' "$_f" | while read -r k a b; do
      l="$k $a${'$'}{b:+ $b}"; { [ -f "$STATE" ] && grep -Fqx -- "$l" "$STATE"; } || rec "$l"
    done
    act mv "$_f" "$_f.adopted-by-$(basename "$STATE" .state)"
  done
}
rec() {
  [ -n "$DRY" ] && return 0
  mkdir -p "$(dirname "$STATE")" && printf '%s\n' "$*" >> "$STATE" || die "cannot write $STATE"
}
act() { [ -n "$DRY" ] && return 0; CHANGED=1; "$@"; }
jarr() { printf '['; _s=; for _x in $1; do printf '%s"%s"' "$_s" "$_x"; _s=,; done; printf ']'; }
nowms() { _t=$(date +%s%N); case "$_t" in *[!0-9]*) _t=$(date +%s)000000000 ;; esac; echo $((_t / 1000000)); }
deadline() { echo $(( $(date +%s) + TMO )); }
report() {
  printf '{"state":"%s","dry":%s,"stopped":%s,"moved":%s,"started":%s,"restarted":%s,"alreadyStopped":%s,"absent":%s,"ready":%s,"readyMs":%s,"stateFile":"%s","noState":%s,"nothing":%s,"otherRuns":%s}\n' \
    "$ACT" "$( [ -n "$DRY" ] && echo true || echo false)" "$(jarr "$STOPPED")" "$(jarr "$MOVED")" "$(jarr "$STARTED")" \
    "$(jarr "$RESTARTED")" "$(jarr "$ALREADY")" "$(jarr "$ABSENT")" "$READYOK" "$READYMS" "$STATE" "${'$'}{NOSTATE:-false}" "${'$'}{NOTHING:-false}" "$(jarr "$OTHER")"
  [ -n "$CHANGED" ] && echo "$MARK"
  return 0
}
# Is the writer of static pod container $1 gone? The operator's gone command gets the name as $1.
gone() {
  if [ -n "$GONE" ]; then sh -c "$GONE" etcdplay-gone "$1" >/dev/null 2>&1; return; fi
  if command -v crictl >/dev/null 2>&1; then _o=$(crictl ps -q --name "^$1\$" 2>/dev/null) || return 1; [ -z "$_o" ]; return; fi
  if command -v docker >/dev/null 2>&1; then _o=$(docker ps -q --filter "name=k8s_$1_" 2>/dev/null) || return 1; [ -z "$_o" ]; return; fi
  ! pgrep -x "$1" >/dev/null 2>&1
}
wait_gone() {
  [ -n "$DRY" ] && return 0
  _d=$(deadline)
  until gone "$1"; do
    [ "$(date +%s)" -ge "$_d" ] && die "container $1 still running $TMO s after its manifest was moved away"
    sleep 0.5
  done
}

do_fence() {
  PEND=$OTHER
  found=
  for name in $UNITS; do exists && found=1 || { has "stopped $name" && found=1; }; done
  set -- $PODS
  while [ $# -gt 0 ]; do { [ -e "$1" ] || [ -n "$(moved_to "$1")" ]; } && found=1; shift 3; done
  if [ -z "$found" ]; then NOTHING=true; report; exit 3; fi
  adopt
  for name in $UNITS; do
    pat=$name
    ours=; { has "stopping $name" || has "stopped $name"; } && ours=1
    if ! exists; then [ -n "$ours" ] && add STOPPED "$name" || add ABSENT "$name"; continue; fi
    if is_running; then
      rec "stopping $name"; act stop >&2; rec "stopped $name"; add STOPPED "$name"
    elif [ -n "$ours" ]; then add STOPPED "$name"
    else has "already $name" || rec "already $name"; add ALREADY "$name"
    fi
  done
  set -- $PODS
  while [ $# -gt 0 ]; do
    m=$1; s=$2; c=$3; shift 3
    if [ -e "$m" ]; then
      has "moving $m $s" || rec "moving $m $s"
      act mkdir -p "$(dirname "$s")" && act mv -f "$m" "$s" || die "cannot move $m to $s"
      rec "moved $m $s"; add MOVED "$m"; wait_gone "$c"
    elif s=$(moved_to "$m") && [ -n "$s" ] && [ -e "$s" ]; then add MOVED "$m"; wait_gone "$c"
    else add ABSENT "$m"
    fi
  done
  report
}

do_unfence() {
  if [ ! -f "$STATE" ]; then NOSTATE=true; report; exit 0; fi
  OURS=; PODS_BACK=
  while read -r k a b; do
    case "$k" in
      stopping|stopped) add OURS "$a" ;;
      moving|moved) add PODS_BACK "$a" ;;
    esac
  done < "$STATE"
  for name in $OURS; do
    pat=$name
    if ! is_running; then rec "starting $name"; act start >&2; rec "started $name"; add STARTED "$name"
    elif has "started $name"; then add STARTED "$name"
    fi
  done
  for m in $PODS_BACK; do
    s=$(moved_to "$m")
    if [ ! -e "$m" ]; then
      [ -e "$s" ] || die "neither $m nor its moved-away copy $s exists"
      # copy next to the manifest under a hidden name (kubelet ignores dot files), then rename: atomic
      t=$(dirname "$m")/.$(basename "$m").etcdplay-tmp
      rec "returning $m"; act cp -p "$s" "$t" && act mv -f "$t" "$m" || die "cannot put $m back from $s"
      rec "returned $m"; add MOVED "$m"
    elif has "returned $m"; then add MOVED "$m"
    fi
  done
  if [ -n "$OURS$PODS_BACK" ]; then
    for name in $RESTART; do
      pat=$name
      if has "restarted $name"; then add RESTARTED "$name"
      elif exists && is_running; then rec "restarting $name"; act restart >&2; rec "restarted $name"; add RESTARTED "$name"
      elif [ -n "$PODS_BACK" ] && command -v crictl >/dev/null 2>&1; then
        ids=$(crictl ps -q --name "^$name\$" 2>/dev/null)
        # kubelet starts a stopped static pod container again
        if [ -n "$ids" ]; then rec "restarting $name"; act crictl stop $ids >&2; rec "restarted $name"; add RESTARTED "$name"; fi
      fi
    done
    cmd=$READY
    if [ -z "$cmd" ]; then
      for i in $READYKEYS; do
        eval "k=\$RK_$i; c=\$RC_$i"
        case " $OURS $PODS_BACK " in *" $k "*) cmd=$c; break ;; esac
      done
    fi
    if [ -n "$cmd" ] && [ -z "$DRY" ]; then
      t0=$(nowms); _d=$(deadline)
      until out=$(sh -c "$cmd" etcdplay-ready 2>&1); do
        if [ "$(date +%s)" -ge "$_d" ]; then
          READYOK=false; report
          echo "etcdplay: not ready $TMO s after unfencing (ready command: $cmd); its last output: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')" >&2
          exit 3
        fi
        sleep 0.5
      done
      READYOK=true; READYMS=$(( $(nowms) - t0 ))
    fi
  fi
  if [ -z "$DRY" ]; then
    d=$STATE.done; [ -e "$d" ] && d=$STATE.done-$(date -u +%Y%m%dT%H%M%SZ)
    mv "$STATE" "$d" || die "cannot rename $STATE to $d"
  fi
  report
}

case "$ACT" in
  fence) do_fence ;;
  unfence) do_unfence ;;
  *) die "unknown action $ACT" ;;
esac
`;
