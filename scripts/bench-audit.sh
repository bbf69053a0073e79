#!/usr/bin/env bash
# Audit benchmark: appends SAFEHOUSE_BENCH_N (default 1,000,000) entries through
# the vault's real store path (Vault.appendAudit: read the last leaf hash, build,
# Ed25519-sign, INSERT into SQLite via GRDB; WAL, synchronous=FULL), times the
# per-entry-transaction path (Vault.audit, one fsynced IMMEDIATE transaction per
# entry — what every command does) on SAFEHOUSE_BENCH_SINGLE entries, then times
# the release `safehouse` binary on the resulting vault: audit verify, export,
# verify --file, checkpoint + verify --checkpoint, report, check. libsodium's
# raw Ed25519 verify/sign rates on the same machine are measured alongside.
#
#   scripts/bench-audit.sh [OUT.md]        (default Docs/PERFORMANCE-audit.md)
#
# Env: SAFEHOUSE_BENCH_N, SAFEHOUSE_BENCH_BATCH (entries per transaction in the
# bulk phase, default 10,000), SAFEHOUSE_BENCH_SINGLE (default 2,000),
# SAFEHOUSE_BENCH_SCRATCH (release build folder, default .build-bench-audit).
# The bulk phase batches transactions because one fsync per entry would take
# hours for a million entries and measure the disk, not the audit code; the
# single-entry rate is reported separately for exactly that reason.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-Docs/PERFORMANCE-audit.md}
n=${SAFEHOUSE_BENCH_N:-1000000}
scratch=${SAFEHOUSE_BENCH_SCRATCH:-.build-bench-audit}
# -enable-testing: the benchmark calls the vault's internal append path (@testable).
swift build -c release --build-tests --scratch-path "$scratch" -Xswiftc -enable-testing 2>&1 | tail -1
work=$(mktemp -d /tmp/safehouse-bench-audit.XXXXXX)
trap 'rm -rf "$work"' EXIT
SAFEHOUSE_BENCH=1 SAFEHOUSE_BENCH_N=$n SAFEHOUSE_BENCH_DIR="$work" SAFEHOUSE_BENCH_OUT="$work/results.txt" \
  swift test -c release --skip-build --scratch-path "$scratch" --filter AuditStoreBenchmark 2>&1 | grep -E "BENCH|passed|failed" || true
[ -s "$work/results.txt" ] || { echo "benchmark produced no results" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/results.txt"

bin="$scratch/release/safehouse"
export SAFEHOUSE_PASSPHRASE="audit trail test"
# run NAME CMD…: wall seconds and peak RSS (MiB) of one run of the release binary.
declare -A secs rss codes
run() {
  local name=$1; shift
  local code=0
  /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name" || code=$?
  read -r s k < <(tail -1 "$work/time.$name")
  secs[$name]=$s; rss[$name]=$((k / 1024)); codes[$name]=$code
  echo "$name: ${s}s, $((k / 1024)) MiB, exit $code"
}
run verify "$bin" audit verify --vault "$vault"
run export "$bin" audit export --vault "$vault" --out "$work/log.jsonl"
run verify_file "$bin" audit verify --file "$work/log.jsonl"
run checkpoint "$bin" audit checkpoint --vault "$vault" --identity "$officer_key" --out "$work/cp"
run verify_cp "$bin" audit verify --vault "$vault" --checkpoint "$work/cp"
run report "$bin" audit report --vault "$vault" --identity "$officer_key" --html "$work/report.html"
run check "$bin" check --vault "$vault"
db_mib=$(( $(stat -c %s "$vault/vault.sqlite") / 1048576 ))
export_mib=$(( $(stat -c %s "$work/log.jsonl") / 1048576 ))
report_kib=$(( $(stat -c %s "$work/report.html") / 1024 ))

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
cat > "$out" <<MD
# Audit log performance

Measured by \`scripts/bench-audit.sh\` on $(date -u +%Y-%m-%d): $cpu, $(nproc) cores shared with other work,
$(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(findmnt -no FSTYPE -T "$work" 2>/dev/null || echo "?") file system;
Swift $(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -1) release build,
libsodium $(pkg-config --modversion libsodium), SQLite through GRDB (WAL, \`synchronous = FULL\`).
Entries are ${entry_bytes} bytes canonical (an \`open\`/\`export\` of one record with one extra object) plus a
64-byte signature; every entry is signed by a member key, as in use.

## Append

| path | entries | time | rate |
|---|---:|---:|---:|
| one IMMEDIATE transaction per entry, fsynced (\`Vault.audit\`, what each command does) | ${single_n} | ${single_s} s | **${single_rate} entries/s** |
| \`appendAudit\` in transactions of ${batch} entries (bulk; the benchmark's only shortcut) | ${batch_n} | ${batch_s} s | **${batch_rate} entries/s** |

Per entry the store path reads the last leaf hash, builds and signs the entry
(Ed25519) and inserts it. A command appends one or two entries, so the fsync of
its transaction (a few ms) — not the audit code — bounds a single command.

## Verify ${entries} entries

| what | time | rate | peak memory |
|---|---:|---:|---:|
| \`Vault.verifyAuditLog\` in-process | ${verify_s} s | ${verify_rate} entries/s | ${peak_rss_mib} MiB (whole benchmark process) |
| \`safehouse audit verify --vault\` | ${secs[verify]} s | | ${rss[verify]} MiB |
| \`safehouse audit verify --vault --checkpoint\` | ${secs[verify_cp]} s | | ${rss[verify_cp]} MiB |
| \`safehouse audit export\` (${export_mib} MiB JSON lines) | ${secs[export]} s | | ${rss[export]} MiB |
| \`safehouse audit verify --file\` | ${secs[verify_file]} s | | ${rss[verify_file]} MiB |
| \`safehouse audit checkpoint\` (appends, then verifies all) | ${secs[checkpoint]} s | | ${rss[checkpoint]} MiB |
| \`safehouse check\` (objects + whole log) | ${secs[check]} s | | ${rss[check]} MiB |
| \`safehouse audit report --html\` (${report_kib} KiB) | ${secs[report]} s | | ${rss[report]} MiB |

The vault database holds ${entries} entries in ${db_mib} MiB.

## The physical limit: libsodium on this machine

| libsodium 1.0.18, one core, ${entry_bytes}-byte message | rate |
|---|---:|
| \`crypto_sign_verify_detached\` (Ed25519 verify) | **${raw_verify_rate} /s** |
| \`crypto_sign_detached\` (Ed25519 sign) | ${raw_sign_rate} /s |

Verifying a signed log cannot beat one Ed25519 verification per entry:
${entries} entries need at least $(python3 -c "print(f'{$entries / $raw_verify_rate:.1f}')") s of signature checks on one core here.
Everything else (SQLite read, strict parse, SHA-256 leaf and Merkle hashing,
chain rules) is the overhead above that.

## Notes

- In-process verification runs at $(python3 -c "print(round(100 * $verify_rate / $raw_verify_rate))")% of libsodium's raw Ed25519 verify rate:
  the signature check dominates; SQLite reads, strict parsing, SHA-256 leaf and
  Merkle hashing and the chain rules are the rest.
- Memory: the vault verifier (\`verifyAudit\` in Vault+AuditLog.swift, also used by
  \`check\`, \`checkpoint\` and \`audit report\`), \`audit export\` and \`audit verify --file\`
  currently hold the whole log in memory (about 1.1 KiB per entry). The audit core
  streams in O(log n) memory; feeding it the SQLite cursor or the file's lines
  (\`AuditChain.verify\` takes any sequence, \`AuditExportFile.verify(lines:)\` and
  \`AuditExportFile.Writer\` exist for this) would bring these to a few MiB.
- The per-entry-transaction rate is bounded by how fast the disk acknowledges
  fsync; this VM's disk acknowledges quickly. A command appends one or two
  entries, so the audit adds one fsynced commit per command.
- Measured on shared cores while other builds ran: expect ±20%.
MD
echo "wrote $out"
