#!/usr/bin/env bash
# The machine the figures were taken on (printed as markdown lines; bench/run.sh saves it to
# bench/results/machine.md).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' (src/ with uncommitted changes)')"
echo "- cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "- kernel: $(uname -sr)"
echo "- os: $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "- node: $(node --version)"
echo "- ansible: $(ansible --version 2>/dev/null | head -1) (python $(python3 -c 'import sys; print(sys.version.split()[0])'))"
echo "- OpenSSH: $(ssh -V 2>&1)"
echo "- hyperfine: $(hyperfine --version)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
