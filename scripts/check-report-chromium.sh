#!/usr/bin/env bash
# Renders an `audit report --html` file in headless Chromium and checks that the
# access timeline is really drawn: the screenshot must have many non-white
# pixels inside the chart area, and some of them must be the refusal red.
#
#   scripts/check-report-chromium.sh REPORT.html [OUT.png]
#   CHART=stats scripts/check-report-chromium.sh STATS.html [OUT.png]   (`stats --html`: the bar chart)
#
# Installs Debian's `chromium` if it is missing (needs root or sudo). Exit 0 when
# the chart is there, 1 when it is not, 2 on usage errors or a failed render.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 REPORT.html [OUT.png]" >&2
  exit 2
fi
report=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=${2:-${report%.html}.png}

if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

rm -f "$out"
# A private profile, so a running browser or a stale lock cannot interfere.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --no-first-run --disable-extensions \
  --screenshot="$out" --window-size=1200,900 "file://$report" >/dev/null 2>&1 || true
if [ ! -s "$out" ]; then
  echo "chromium did not write $out" >&2
  exit 2
fi

CHART="${CHART:-audit}" python3 - "$out" <<'PY'
import struct, sys, zlib

def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1: line[x] = (line[x] + a) & 255
            elif ftype == 2: line[x] = (line[x] + b) & 255
            elif ftype == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows

import os
stats = os.environ.get("CHART") == "stats"
w, h, bpp, rows = read_png(sys.argv[1])
# The chart: right of the lane labels, below the header and summary cards
# (for `stats --html`: the bar chart under the first heading).
x0, x1, y0, y1 = (30, min(w, 700), 150, min(h, 450)) if stats else (300, min(w, 1150), 150, min(h, 600))
ink = red = blue = 0
for y in range(y0, y1):
    row = rows[y]
    for x in range(x0, x1):
        r, g, b = row[x * bpp], row[x * bpp + 1], row[x * bpp + 2]
        if r < 235 or g < 235 or b < 235:
            ink += 1
        if r > 180 and g < 90 and b < 90:
            red += 1
        if r < 90 and 80 < g < 150 and b > 150:
            blue += 1
area = (x1 - x0) * (y1 - y0)
print(f"screenshot {w}x{h}; chart area {x1 - x0}x{y1 - y0}: {ink} non-white, {blue} blue (ok), {red} red (refused) pixels")
problems = []
if ink < area // 100: problems.append("almost nothing is drawn in the chart area")
if blue < 200: problems.append("no 'ok' marks")
if red < 50 and not stats: problems.append("no refusal marks")
if problems:
    sys.exit("chart check failed: " + "; ".join(problems))
print("chart check passed")
PY
