#!/usr/bin/env bash
# The test command (README): installs dependencies, builds, runs the README
# demo against the built binary (so it never rots), a bounded libFuzzer run over
# every parser (FUZZ_SECONDS=0 skips it), and every Swift Testing test, last.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
demo_dir=$(mktemp -d /tmp/safehouse-demo-test.XXXXXX)
SAFEHOUSE_BIN="$PWD/.build/debug/safehouse" SAFEHOUSE_DEMO_DIR="$demo_dir" scripts/demo.sh > "$demo_dir.log" 2>&1 \
  || { cat "$demo_dir.log"; echo "README demo failed"; exit 1; }
rm -rf "$demo_dir" "$demo_dir.log"
echo "README demo: ok"
if [ "${FUZZ_SECONDS:-45}" != "0" ]; then scripts/fuzz.sh "${FUZZ_SECONDS:-45}"; fi
# A real PostgreSQL for the team-server tests (they start safehouse-server themselves),
# stopped by its PID whatever happens; in CI the tests fail rather than skip without it.
pg_dir=$(mktemp -d /tmp/safehouse-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pg_dir"' EXIT
pg_env=$(scripts/pg.sh start "$pg_dir")
while IFS= read -r line; do export "${line?}"; done <<< "$pg_env"
swift test --skip-build
