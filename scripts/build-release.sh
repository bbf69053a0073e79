#!/usr/bin/env bash
# The release binary the benchmarks time and a team would install:
#   scripts/build-release.sh [PRODUCT]      -> $SCRATCH/release/PRODUCT (default .build-release)
# Built with the Swift runtime and Foundation linked statically: a dynamic
# build spends about 12 ms of every command resolving symbols in the Swift
# shared libraries (Docs/PERFORMANCE.md, "Fixed costs"), a large part of a
# small seal's budget.
set -euo pipefail
cd "$(dirname "$0")/.."
product=${1:-safehouse}
scratch=${SCRATCH:-.build-release}
scripts/setup.sh >&2
swift build -c release --static-swift-stdlib --product "$product" --scratch-path "$scratch" 2>&1 | tail -1 >&2
echo "$scratch/release/$product"
