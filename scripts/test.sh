#!/usr/bin/env bash
# The test command (README): installs dependencies, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
# The README's demo is part of the tests, so it never rots.
demo_dir=$(mktemp -d /tmp/safehouse-demo-test.XXXXXX)
SAFEHOUSE_BIN="$PWD/.build/debug/safehouse" SAFEHOUSE_DEMO_DIR="$demo_dir" scripts/demo.sh > "$demo_dir.log" 2>&1 \
  || { cat "$demo_dir.log"; echo "demo failed"; exit 1; }
rm -rf "$demo_dir" "$demo_dir.log"
echo "README demo: ok"
# A bounded libFuzzer run over every parser (0 skips it).
scripts/fuzz.sh "${FUZZ_SECONDS:-45}"
