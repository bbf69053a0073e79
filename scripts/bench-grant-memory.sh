#!/usr/bin/env bash
# Peak RSS of `grant` (an editor's marked copy of a media excerpt) against the clip's size:
# the clip streams from the old body into the new one, so memory stays flat.
# usage: scripts/bench-grant-memory.sh [SAFEHOUSE_BIN] [OTHER_BIN]   (OTHER_BIN: an older build to compare)
set -euo pipefail
NEW=${1:-$PWD/.build/debug/safehouse}
OLD=${2:-}
dir=$(mktemp -d /tmp/safehouse-grant-mem.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export SAFEHOUSE_PASSPHRASE=bench-grant-memory
"$NEW" key new --name Olga --role officer --out olga --kdf interactive >/dev/null 2>&1
"$NEW" key new --name Edith --role editor --out edith --kdf interactive >/dev/null 2>&1
"$NEW" init --vault hq --identity olga 2>/dev/null
"$NEW" team add edith.pub --vault hq --identity olga >/dev/null 2>&1
# 720p noise: x264 at the excerpt's CRF 18 keeps it large (about 13 MB per second of clip).
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30,noise=alls=40:allf=t" -t 12 \
  -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p src.mkv
R=$("$NEW" seal src.mkv --kind coverage --country KR --vault hq --identity olga --quiet)
printf '| clip | clip bytes | binary | grant peak RSS | grant wall |\n|---|---:|---|---:|---:|\n'
for secs in 2 10; do
  E=$("$NEW" approve "$R" --range "00:00:00-00:00:$(printf %02d "$secs")" --no-transcript-check --vault hq --identity olga)
  size=$("$NEW" list --vault hq --identity olga --json | python3 -c "import json,sys; print([r['size'] for r in json.load(sys.stdin) if r['id']=='$E'][0])")
  for bin in "$NEW" ${OLD:+"$OLD"}; do
    rm -rf v && cp -a hq v
    /usr/bin/time -f "%M %e" -o t.txt "$bin" grant "$E" --to Edith --vault v --identity olga >/dev/null 2>&1
    read -r kb wall < t.txt
    printf '| %s s | %s | %s | %d MiB | %s s |\n' "$secs" "$size" "$bin" $((kb / 1024)) "$wall"
  done
done
