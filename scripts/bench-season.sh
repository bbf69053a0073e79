#!/usr/bin/env bash
# Season benchmark (issue 15): builds a season of production through the vault's
# real store path (Tests/SafehouseVaultTests/SeasonBenchmark.swift) — 5,000
# records of mixed kinds and countries (300 of them 1 MiB photos), 1,000
# subjects, 40 members, 100,000 audit entries, and a field laptop with 1,000
# records — and the same at 1/10 of that, then times the release `safehouse`
# binary on both: list, subject list, stats, approve (with the whole subject
# lexicon), audit verify, check, and a field `bundle export --all` with its
# import at HQ. Medians of SAFEHOUSE_BENCH_RUNS runs (default 3) for the read
# commands; approve and the bundle round trip write, so they run once per size.
#
#   scripts/bench-season.sh [OUT.md]        (default Docs/PERFORMANCE-season.md)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-Docs/PERFORMANCE-season.md}
runs=${SAFEHOUSE_BENCH_RUNS:-3}
scratch=${SAFEHOUSE_BENCH_SCRATCH:-.build-bench-season}
swift build -c release --build-tests --scratch-path "$scratch" -Xswiftc -enable-testing 2>&1 | tail -1
bin="$scratch/release/safehouse"
work=$(mktemp -d /tmp/safehouse-bench-season.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SAFEHOUSE_PASSPHRASE="audit trail test"

declare -A secs rss codes built
# build SIZE FACTOR: generates the season at FACTOR (1 or 0.1) into $work/SIZE.
build() {
  local size=$1 f=$2
  mkdir -p "$work/$size"
  local scale="import sys; print(max(1, round(float(sys.argv[1]) * float(sys.argv[2]))))"
  SAFEHOUSE_BENCH=1 SAFEHOUSE_BENCH_DIR="$work/$size" \
  SAFEHOUSE_SEASON_RECORDS=$(python3 -c "$scale" 5000 "$f") SAFEHOUSE_SEASON_PHOTOS=$(python3 -c "$scale" 300 "$f") \
  SAFEHOUSE_SEASON_SUBJECTS=$(python3 -c "$scale" 1000 "$f") SAFEHOUSE_SEASON_MEMBERS=$(python3 -c "$scale" 40 "$f") \
  SAFEHOUSE_SEASON_AUDIT=$(python3 -c "$scale" 100000 "$f") SAFEHOUSE_SEASON_FIELD=$(python3 -c "$scale" 1000 "$f") \
    swift test -c release --skip-build --scratch-path "$scratch" --filter SeasonBenchmark 2>&1 | grep -E "passed|failed" | tail -1
  [ -s "$work/$size/season.env" ] || { echo "the season generator produced nothing" >&2; exit 1; }
}
# time SIZE NAME N CMD…: median wall seconds and peak RSS (MiB) of N runs.
timeit() {
  local size=$1 name=$2 n=$3; shift 3
  local all=() code=0 k=0
  for _ in $(seq "$n"); do
    code=0
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" || code=$?
    read -r s k < <(tail -1 "$work/t")
    all+=("$s")
    [ "$code" -eq 0 ] || { echo "$size $name failed ($code):"; cat "$work/stderr"; exit 1; }
  done
  secs[$size.$name]=$(printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss[$size.$name]=$((k / 1024))
  echo "$size $name: ${secs[$size.$name]} s, ${rss[$size.$name]} MiB"
}
for size in tenth full; do
  factor=1; [ "$size" = tenth ] && factor=0.1
  build "$size" "$factor"
  # shellcheck disable=SC1090
  . "$work/$size/season.env"
  built[$size]=$build_s
  timeit "$size" list "$runs" "$bin" list --vault "$hq" --identity "$officer_key"
  timeit "$size" subjects "$runs" "$bin" subject list --vault "$hq" --identity "$officer_key"
  timeit "$size" stats "$runs" "$bin" stats --vault "$hq" --identity "$officer_key"
  timeit "$size" approve 1 "$bin" approve "$transcript" --accept-unknown-names --vault "$hq" --identity "$officer_key"
  timeit "$size" verify "$runs" "$bin" audit verify --vault "$hq"
  timeit "$size" check 1 "$bin" check --vault "$hq"
  timeit "$size" bexport 1 "$bin" bundle export --all --vault "$field" --out "$work/$size/field.bundle"
  timeit "$size" bimport 1 "$bin" bundle import "$work/$size/field.bundle" --vault "$hq" --identity "$officer_key"
  timeit "$size" check_after 1 "$bin" check --vault "$hq"
  eval "${size}_entries=$audit_entries"
  eval "${size}_db=$(( $(stat -c %s "$hq/vault.sqlite") / 1048576 ))"
  eval "${size}_bundle=$(( $(stat -c %s "$work/$size/field.bundle") / 1048576 ))"
  rm -rf "$work/$size"
done

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{b / a:.1f}×' if a > 0 else '—')" "$1" "$2"; }
row() { # name label target
  echo "| $2 | ${secs[tenth.$1]} s | ${secs[full.$1]} s | $(ratio "${secs[tenth.$1]}" "${secs[full.$1]}") | ${rss[full.$1]} MiB | $3 |"
}
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
cat > "$out" <<MD
# A season in one vault

Measured by \`scripts/bench-season.sh\` on $(date -u +%Y-%m-%d): $cpu, $(nproc) cores shared with other work;
Swift $(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -1) release build, libsodium $(pkg-config --modversion libsodium).
The season is built through the vault's own store path (\`SeasonBenchmark.swift\`): records
sealed one by one as an interviewer seals them, subjects imported in sheets of 100, members added
by the officer, and opens/exports appended to the audit log up to the total.

| | 1/10 season | full season |
|---|---:|---:|
| records (1 MiB photos) | 500 (30) | 5,000 (300) |
| subjects · members | 100 · 4 | 1,000 · 40 |
| audit entries | ${tenth_entries} | ${full_entries} |
| vault.sqlite | ${tenth_db} MiB | ${full_db} MiB |
| field bundle (records) | ${tenth_bundle} MiB (100) | ${full_bundle} MiB (1,000) |
| built in | ${built[tenth]} s | ${built[full]} s |

Wall time of one release \`safehouse\` command (median of ${runs} for the read commands), each
including process start and an Argon2id (interactive) unlock of the officer's key where it
takes \`--identity\`:

| command | 1/10 | full | growth (×10 data) | peak RSS, full | target |
|---|---:|---:|---:|---:|---|
$(row list "\`list\` (every record's metadata decrypted)" "< 1 s")
$(row subjects "\`subject list\`" "< 1 s")
$(row stats "\`stats\` (all tables, disclosure audit)" "< 1 s")
$(row approve "\`approve\` (lexicon of every subject)" "< 2 s")
$(row verify "\`audit verify\`" "linear")
$(row check "\`check\` (every object, body hash, whole log)" "linear")
$(row bexport "field \`bundle export --all\`" "linear")
$(row bimport "its \`bundle import\` at HQ" "linear")
$(row check_after "\`check\` after the import" "linear")

Growth is the full-season time over the 1/10 time for ten times the data; 10× is linear,
less is better than linear (fixed costs: process start, key unlock, opening SQLite).
MD
echo "wrote $out"
