#!/usr/bin/env bash
# Speed benchmark (issue 7): safehouse seal/open vs age and gpg on the same
# files and disk, medians of paired runs, MB/s, peak RSS, ratio to age, plus
# random access and Argon2id unlock costs. Writes Docs/PERFORMANCE.md's speed table.
#   scripts/bench.sh                 # 1 MiB, 64 MiB, 1 GiB
#   SIZES="1M 64M 1G 4G" RUNS=7 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v gpg >/dev/null || need+=(gnupg)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
bin=$(scripts/build-release.sh safehouse)   # static Swift runtime: what a team installs
exec python3 scripts/bench.py --bin "$bin" "$@"
