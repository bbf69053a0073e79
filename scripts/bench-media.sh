#!/usr/bin/env bash
# Media excerpt benchmark (issue 18): approve and export of clips of a sealed
# 20-minute recording (WAV, and an H.264/AAC MP4 with its index at the end),
# against the peer an editor would otherwise use — plain ffmpeg cutting the
# same range from the plaintext file. Medians of RUNS runs, peak RSS, and how
# much of the source each approve decrypted (the audit entry's source-bytes).
#   scripts/bench-media.sh            # RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${SAFEHOUSE_BIN:-}" ]; then
  scripts/build-release.sh safehouse >/dev/null
fi
S="${SAFEHOUSE_BIN:-$PWD/.build-release/release/safehouse}"
RUNS="${RUNS:-3}"
d=$(mktemp -d /tmp/safehouse-bench-media.XXXXXX)
export SAFEHOUSE_PASSPHRASE=bench-passphrase SAFEHOUSE_AGENT_DIR="$d/ag"
cleanup() { "$S" agent stop --identity "$d/o.key" >/dev/null 2>&1 || true; rm -rf "$d"; }
trap cleanup EXIT
"$S" key new --name Bench --role officer --out "$d/o.key" --kdf interactive >/dev/null
"$S" init --vault "$d/v" --identity "$d/o.key" >/dev/null 2>&1
"$S" agent start --identity "$d/o.key" --ttl 1h >/dev/null 2>&1
ffmpeg -loglevel error -f lavfi -i "sine=frequency=440:duration=1200:sample_rate=16000" -ac 1 "$d/long.wav"
ffmpeg -loglevel error -f lavfi -i "testsrc=size=320x240:rate=25:duration=1200" -f lavfi -i "sine=frequency=330:duration=1200" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$d/long.mp4"
python3 - "$d/words.json" <<'EOF'
import json, sys
words = [{"word": w, "start": i * 2.0, "end": i * 2.0 + 1.5} for i, w in enumerate(["the", "weather", "was", "cold"] * 150)]
json.dump({"segments": [{"start": 0.0, "end": 1200.0, "text": " ".join(x["word"] for x in words), "words": words}]}, open(sys.argv[1], "w"))
EOF
seal() { "$S" seal "$1" --vault "$d/v" --identity "$d/o.key" --kind "$2" --country KR --quiet "${@:3}"; }
wav=$(seal "$d/long.wav" interview); mp4=$(seal "$d/long.mp4" interview)
seal "$d/words.json" interview --of "$wav" >/dev/null; seal "$d/words.json" interview --of "$mp4" --again >/dev/null
python3 - "$S" "$d" "$wav" "$mp4" "$RUNS" <<'EOF'
import json, os, statistics, subprocess, sys, time
S, d, wav, mp4, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
env = dict(os.environ)
def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0: sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
    return dt, int(r.stderr.decode().strip().splitlines()[-1]), r.stdout.decode().strip()
rows = []
for name, rid, src, ext, rng, secs in [("WAV, 5 s clip", wav, "long.wav", "wav", "00:10:00-00:10:05", 5),
                                       ("WAV, 10 min clip", wav, "long.wav", "wav", "00:05:00-00:15:00", 600),
                                       ("MP4 (index at end), 5 s clip", mp4, "long.mp4", "mp4", "00:10:00-00:10:05", 5),
                                       ("MP4 (index at end), 60 s clip", mp4, "long.mp4", "mp4", "00:10:00-00:11:00", 60)]:
    ap, ex, peer, rss = [], [], [], []
    for _ in range(runs):
        t, m, e = timed([S, "approve", rid, "--range", rng, "--vault", d + "/v", "--identity", d + "/o.key"])
        ap.append(t); rss.append(m)
        out = "%s/clip.%s" % (d, ext)
        if os.path.exists(out): os.remove(out)
        t, m, _ = timed([S, "export", e, "--out", out, "--vault", d + "/v", "--identity", d + "/o.key"])
        ex.append(t); rss.append(m)
        peer_out = "%s/peer.%s" % (d, ext)
        start = sum(int(x) * f for x, f in zip(rng.split("-")[0].split(":"), [3600, 60, 1]))
        codec = ["-c:a", "pcm_s16le"] if ext == "wav" else ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
        t, _, _ = timed(["ffmpeg", "-loglevel", "error", "-y", "-ss", str(start), "-t", str(secs), "-i", d + "/" + src] + codec + [peer_out])
        peer.append(t)
    log = subprocess.run([S, "audit", "log", "--vault", d + "/v", "--json"], env=env, stdout=subprocess.PIPE).stdout.decode()
    decrypted = [o for line in log.splitlines() for o in json.loads(line).get("objects", []) if str(o).startswith("source-bytes:")]
    rows.append((name, statistics.median(ap), statistics.median(ex), statistics.median(peer), max(rss), decrypted[-1] if decrypted else "?"))
print("| clip of a 20-minute recording | approve | export | approve + export | plain `ffmpeg -ss … -t …` of the plaintext | ratio | peak RSS | decrypted at approve |")
print("|---|---|---|---|---|---|---|---|")
for n, a, e, p, m, dec in rows:
    print("| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.1f× | %d MiB | %s |" % (n, a, e, a + e, p, (a + e) / p, m // 1024, dec.replace("source-bytes:", "")))
EOF
