#!/usr/bin/env bash
# Load benchmark of the team server (Docs/PERFORMANCE-server.md): VAULTS field
# vaults each push RECORDS sealed records (sizes cycling through SIZES bytes) at
# once, while PULLERS rounds of HQ pulls run; then checks that HQ holds every
# record exactly once and the server's mailbox one bundle per vault.
#   VAULTS=20 RECORDS=50 PULLERS=5 SIZES="10000 100000 1000000 10000000" scripts/bench-server.sh
# Prints wall time, throughput, p50/p99 of the pushes, and the server's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
VAULTS=${VAULTS:-20}; RECORDS=${RECORDS:-50}; PULLERS=${PULLERS:-5}
read -r -a SIZES <<< "${SIZES:-10000 100000 1000000 10000000}"
bin=${SAFEHOUSE_BIN_DIR:-$PWD/.build/debug}
[ -x "$bin/safehouse" ] && [ -x "$bin/safehouse-server" ] || { echo "build first: swift build" >&2; exit 1; }
work=$(mktemp -d /tmp/safehouse-bench-server.XXXXXX)
pg_dir=$(mktemp -d /tmp/safehouse-bench-pg.XXXXXX)   # its own folder: PostgreSQL runs as another user
server_pid=""
cleanup() { [ -n "${BENCH_LOG:-}" ] && cp "$work/server.log" "$BENCH_LOG" 2>/dev/null; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; "$repo/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
pg_env=$(scripts/pg.sh start "$pg_dir" 2>/dev/null)
db=$(sed -n 's/^SAFEHOUSE_TEST_DATABASE=//p' <<< "$pg_env")
psql "$db" -qc "CREATE DATABASE bench"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/safehouse-server" --database "${db%/postgres}/bench" --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$url/v1/server" >/dev/null && break; sleep 0.1; done
export SAFEHOUSE_PASSPHRASE=bench-passphrase-not-secret
sh() { "$bin/safehouse" "$@"; }
cd "$work"
sh key new --name Officer --role officer --out officer.key --kdf interactive >/dev/null 2>&1
sh init --vault hq --identity officer.key >/dev/null 2>&1
for i in $(seq 1 "$VAULTS"); do
  sh key new --name "Field $i" --role interviewer --out "i$i.key" --kdf interactive >/dev/null 2>&1
  sh team add "i$i.key.pub" --vault hq --identity officer.key >/dev/null 2>&1
done
sh team export --vault hq --out team.keys --identity officer.key 2>/dev/null
sh team publish --server "$url" --vault hq --identity officer.key 2>/dev/null
total_bytes=0
for i in $(seq 1 "$VAULTS"); do
  sh init --vault "f$i" --team team.keys --identity "i$i.key" >/dev/null 2>&1
  mkdir -p "in$i"
  for r in $(seq 1 "$RECORDS"); do
    size=${SIZES[$(( (r - 1) % ${#SIZES[@]} ))]}
    head -c "$size" /dev/urandom > "in$i/r$r.bin"
    total_bytes=$((total_bytes + size))
  done
  sh seal --recursive "in$i" --kind coverage --country KR --vault "f$i" --identity "i$i.key" > "ids$i.txt" 2>/dev/null
done
echo "sealed $((VAULTS * RECORDS)) records, $total_bytes bytes of plaintext, in $VAULTS field vaults"
start=$(date +%s.%N)
pushes=()
for i in $(seq 1 "$VAULTS"); do
  ( s=$(date +%s.%N); sh push --all --quiet --server "$url" --vault "f$i" --identity "i$i.key" >/dev/null 2>"push$i.err" \
      || echo "push $i failed: $(cat "push$i.err")" >&2; e=$(date +%s.%N); echo "$s $e" > "push$i.time" ) &
  pushes+=($!)
done
for p in $(seq 1 "$PULLERS"); do sh pull --quiet --server "$url" --vault hq --identity officer.key > "pull$p.out" 2>/dev/null || true; done
wait "${pushes[@]}"   # not the server, also a child of this shell
end=$(date +%s.%N)
sh pull --quiet --server "$url" --vault hq --identity officer.key > pull-last.out 2>/dev/null
held=$(sh list --vault hq --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
sent=$(cat ids*.txt | sort -u | wc -l)
boxes=$(psql "${db%/postgres}/bench" -Atc "SELECT count(*) FROM mailbox")
python3 - "$start" "$end" "$total_bytes" push*.time <<'PY'
import sys, statistics
start, end, total = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
lat = sorted(float(e) - float(s) for f in sys.argv[4:] for s, e in [open(f).read().split()])
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"pushes: {len(lat)} concurrent, wall {end - start:.1f} s, {total / (end - start) / 1e6:.1f} MB/s of plaintext through the server")
print(f"push duration per vault: p50 {p(0.5):.1f} s, p99 {p(0.99):.1f} s, max {lat[-1]:.1f} s")
PY
echo "server peak RSS: $(grep VmHWM /proc/$server_pid/status | awk '{print $2, $3}')"
echo "records sealed: $sent, held at HQ: $held, mailbox entries: $boxes (one bundle per vault: $VAULTS)"
[ "$held" -eq "$sent" ] && [ "$boxes" -eq "$VAULTS" ] || { echo "LOST OR DUPLICATED" >&2; exit 1; }
echo "nothing lost or duplicated"
