#!/usr/bin/env bash
# Redaction benchmark (issue 3): `safehouse redact` (release build) against
# Microsoft Presidio (analyzer + anonymizer, regex and deny-list recognizers
# only, NoOpNlpEngine: no spaCy model, offline) on the same synthetic text.
#
#   scripts/bench-redaction.sh [OUT.md]          (default Docs/PERFORMANCE-redaction.md)
#
# Generates (fixed seed) a 500-subject sheet and >= 50 MB of mixed Korean-English
# `[hh:mm:ss] SPEAKER: text` transcript, times safehouse on 50 MB (median of 3),
# 25 MB and 5 MB (peak RSS against size), Presidio on a 5 MB prefix of the same
# file, checks that 50 sampled Hangul subject names are gone from the output,
# and writes the Markdown report. Details: scripts/bench_redaction.py.
#
# Env: BENCH_MB (50), BENCH_RUNS (3), BENCH_PRESIDIO_MB (5), BENCH_DIR (data,
# default /tmp/safehouse-bench-redaction, removed afterwards unless BENCH_KEEP=1),
# BENCH_VENV (/tmp/safehouse-bench-redaction-venv, reused if present),
# PRESIDIO_VERSION (2.2.366; NoOpNlpEngine needs a recent one),
# SAFEHOUSE_SCRATCH (.build-release).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-Docs/PERFORMANCE-redaction.md}
venv=${BENCH_VENV:-/tmp/safehouse-bench-redaction-venv}
export BENCH_DIR=${BENCH_DIR:-/tmp/safehouse-bench-redaction}
scratch=${SAFEHOUSE_SCRATCH:-.build-release}
presidio=${PRESIDIO_VERSION:-2.2.366}

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ! -x /usr/bin/time ]; then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

# Presidio in its own venv (works as root; nothing touches the system Python).
if ! "$venv/bin/python" -c "import presidio_analyzer, presidio_anonymizer" 2>/dev/null; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  echo "installing presidio-analyzer/presidio-anonymizer $presidio into $venv …"
  "$venv/bin/pip" install -q --disable-pip-version-check "presidio-analyzer==$presidio" "presidio-anonymizer==$presidio"
fi

# Release binary; the scratch folder is shared, so wait for another build to finish.
for attempt in 1 2 3 4 5; do
  if swift build -c release --product safehouse --scratch-path "$scratch" 2>&1 | tail -1; then
    [ -x "$scratch/release/safehouse" ] && break
  fi
  echo "build attempt $attempt failed (scratch folder busy?); retrying in 30 s" >&2
  sleep 30
done
[ -x "$scratch/release/safehouse" ] || { echo "no release binary at $scratch/release/safehouse" >&2; exit 1; }

[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$BENCH_DIR"' EXIT
rm -rf "$BENCH_DIR"
"$venv/bin/python" scripts/bench_redaction.py all --bin "$scratch/release/safehouse" --python "$venv/bin/python" --out "$out"
