#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser with libFuzzer (issue 6), bounded:
#   scripts/fuzz.sh [SECONDS]          (default 60)
# Builds `safehouse-fuzz` with -sanitize=fuzzer,address into .build-fuzz, runs it
# on a scratch copy of the seed corpus Tests/FuzzCorpus (the first byte of each
# input picks the parser: Sources/SafehouseVault/ParserFuzzing.swift), and fails
# on any crash, leak of bounds or timeout. A crashing input is copied into
# Tests/FuzzCorpus/ as crash-* so it becomes a regression seed (the tests replay
# the whole corpus with the plain build).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
swift build --product safehouse-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
  --scratch-path .build-fuzz 2>&1 | grep -vE "Cannot export local symbol" | tail -1
work=$(mktemp -d /tmp/safehouse-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp Tests/FuzzCorpus/* "$work/"
mkdir -p "$work/artifacts"
set +e
.build-fuzz/debug/safehouse-fuzz -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$work/artifacts/" "$work" > "$work/log" 2>&1
rc=$?
set -e
tail -3 "$work/log"
if [ $rc -ne 0 ]; then
  for f in "$work"/artifacts/*; do [ -e "$f" ] && cp "$f" "Tests/FuzzCorpus/crash-$(basename "$f")"; done
  grep -E "ERROR|panic|Fatal|precondition" "$work/log" | head -5
  echo "fuzzing found a crash: the input is now in Tests/FuzzCorpus/ as crash-*"
  exit 1
fi
echo "fuzzing: no crash in ${seconds}s"
