#!/usr/bin/env bash
# Benchmark 4: copy a 1 GiB file (random bytes) to 5 hosts, side by side in one interleaved run (bench_compare):
#   etcdplay adhoc -m copy  |  parallel scp (xargs -P 5; OpenSSH 9 scp = SFTP protocol)
# All sshd share this machine's filesystem, so every host gets its own destination path.
# Destinations are removed (and `sync`ed) before every timed run, so no run can skip the transfer
# as "unchanged" or pay for the previous run's writeback. Then one more run of each under
# /usr/bin/time -v for the peak RSS. Output: bench/results/copy.json, bench/results/copy-rss.json.
# BENCH_COPY_RUNS (default 3), BENCH_COPY_MIB (default 1024).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
bench_build
bench_hosts_up 5
D="$BENCH_HOSTS_DIR"
INV="$D/inventory-5.yml"
COPY_RUNS="${BENCH_COPY_RUNS:-3}"
MIB="${BENCH_COPY_MIB:-1024}"
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
bench_tmp copy T
export ETCDPLAY_HOME="$T/etcdplay-home"
head -n 5 "$D/hosts.txt" >"$T/hosts.txt"
cd "$T"

bench_log "copy: writing $MIB MiB of random bytes to $T/src.bin"
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$T/src.bin"
want="$(sha256sum "$T/src.bin" | cut -d' ' -f1)"

ETCDPLAY_CMD="$ETCDPLAY adhoc all -i $INV -m copy -a 'src=$T/src.bin dest=$T/etcdplay-{{ inventory_hostname }}.bin' -f 5"
SCP_CMD="xargs -P 5 -I{} scp -q -F $D/ssh_config $T/src.bin {}:$T/scp-{}.bin < $T/hosts.txt"
PREPARE="rm -f $T/etcdplay-h*.bin $T/scp-h*.bin; sync"

verify() {
  local name="$1" prefix="$2" h got
  while read -r h; do
    [ -f "$T/$prefix-$h.bin" ] || { echo "bench copy: $name did not write $T/$prefix-$h.bin" >&2; exit 1; }
    got="$(sha256sum "$T/$prefix-$h.bin" | cut -d' ' -f1)"
    [ "$got" = "$want" ] || { echo "bench copy: $name wrote a corrupt $T/$prefix-$h.bin" >&2; exit 1; }
  done <"$T/hosts.txt"
  bench_log "copy: $name ok (5 x sha256 match)"
}
check() {
  local name="$1" cmd="$2" prefix="$3"
  bench_try "copy check $name" "$PREPARE; $cmd" || { echo "bench copy: $name failed:" >&2; printf '%s\n' "$BENCH_OUT" | tail -20 >&2; exit 1; }
  verify "$name" "$prefix"
}
check etcdplay "$ETCDPLAY_CMD" etcdplay
ALT=()
if [ -n "$ETCDPLAY_ALT" ]; then
  ALT_CMD="$ETCDPLAY_ALT adhoc all -i $INV -m copy -a 'src=$T/src.bin dest=$T/etcdplay-{{ inventory_hostname }}.bin' -f 5"
  check etcdplay-alt "$ALT_CMD" etcdplay
  ALT=(-n etcdplay-alt "$ALT_CMD")
fi
check scp "$SCP_CMD" scp

bench_compare "$RESULTS/copy.json" --runs "$COPY_RUNS" --warmup 0 --prepare "$PREPARE" \
  -n etcdplay "$ETCDPLAY_CMD" \
  "${ALT[@]+"${ALT[@]}"}" \
  -n scp "$SCP_CMD"

rss() { # largest resident set of the command or any of its children, in KiB
  bash -c "$PREPARE"
  /usr/bin/time -v -o "$T/time-$1.txt" bash -c "$2" >/dev/null 2>&1
  sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$T/time-$1.txt"
}
e_rss="$(rss etcdplay "$ETCDPLAY_CMD")"
s_rss="$(rss scp "$SCP_CMD")"
a_rss=0
[ -z "$ETCDPLAY_ALT" ] || a_rss="$(rss etcdplay-alt "$ALT_CMD")"
printf '{"bytes_per_host": %d, "hosts": 5, "etcdplay_max_rss_kib": %d, "scp_max_rss_kib": %d, "etcdplay_alt_max_rss_kib": %d}\n' \
  "$((MIB * 1024 * 1024))" "$e_rss" "$s_rss" "$a_rss" >"$RESULTS/copy-rss.json"
bench_log "copy: peak RSS etcdplay $((e_rss / 1024)) MiB, largest scp $((s_rss / 1024)) MiB"
bash -c "$PREPARE"
