#!/usr/bin/env bash
# The release binary the benchmarks time and a team would install:
#   scripts/build-release.sh [PRODUCT]      -> $SCRATCH/release/PRODUCT (default .build-release)
# Built with the Swift runtime and Foundation linked statically: a dynamic
# build spends about 12 ms of every command resolving symbols in the Swift
# shared libraries (Docs/PERFORMANCE.md, "Fixed costs"), which is most of
# a small seal's budget. FoundationNetworking's static archive links libcurl,
# so its development package is needed at build time only.
set -euo pipefail
cd "$(dirname "$0")/.."
product=${1:-safehouse}
scratch=${SCRATCH:-.build-release}
scripts/setup.sh >&2
if [ ! -e /usr/lib/x86_64-linux-gnu/libcurl.so ] && [ ! -e /usr/lib/aarch64-linux-gnu/libcurl.so ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcurl4-openssl-dev >/dev/null; } >&2
fi
swift build -c release --static-swift-stdlib --product "$product" --scratch-path "$scratch" 2>&1 | tail -1 >&2
echo "$scratch/release/$product"
