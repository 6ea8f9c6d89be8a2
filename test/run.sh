#!/usr/bin/env bash
# The test command (npm test). Installs what the tests need on a fresh Debian machine, builds,
# then runs every suite: unit (no network), integration (real sshd on loopback), e2e (the lab,
# root only). Prints one closing line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash test/support/ensure-deps.sh || { echo "test: could not install test prerequisites" >&2; exit 1; }
[ -d node_modules ] || npm ci
npm run --silent build || { echo "test: build failed" >&2; exit 1; }
exec node --import tsx test/runner.ts "$@"
