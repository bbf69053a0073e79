#!/usr/bin/env bash
# Batch sealing (issue 16): 300 × 1 MiB files sealed in one `safehouse seal`
# (passphrase in the environment, and with the key agent) against a shell loop
# of `age -r … && sync`, medians of paired runs. Prints the table that
# Docs/PERFORMANCE.md's "Batch sealing" section quotes.
#   scripts/bench-batch-seal.sh
#   FILES=1000 SIZE=65536 RUNS=7 SCRATCH=/tmp/release scripts/bench-batch-seal.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v age >/dev/null || { echo "needs age (apt-get install age)" >&2; exit 1; }
scratch="${SCRATCH:-.build-release}"
SCRATCH="$scratch" scripts/build-release.sh safehouse >/dev/null
exec python3 scripts/bench_batch_seal.py --bin "$scratch/release/safehouse" "$@"
