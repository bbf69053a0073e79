#!/usr/bin/env python3
"""Checks that excerpt exports play: every cue longer than zero, none overlapping the next.

    check_subtitles.py --cues N FILE...

Each FILE is one export of the same excerpt, its format from the extension:

- .srt  parsed with the PyPI `srt` module; probed with ffprobe (every packet's duration > 0,
        pts + duration <= next pts) and decoded by ffmpeg (re-encoded as SRT and parsed again);
- .vtt  the same with PyPI `webvtt-py`;
- .txt  every stamp is `[hh:mm:ss.mmm]`;
- .md   every cue line starts with `hh:mm:ss.mmm–hh:mm:ss.mmm` in backticks;
- .json the excerpt JSON (`cues` with `start`/`end` in milliseconds).

Every file must hold N cues, every timing line use its format's one style, and all files
must agree on the starts (and, except txt, on the ends). Exit 0 when all holds, 1 with every
problem listed otherwise, 2 when a tool is missing (python modules or ffmpeg: scripts/setup.sh).
"""
import argparse
import json
import re
import shutil
import subprocess
import sys


def fail_setup(what):
    print(f"check_subtitles: error: {what} is missing: run scripts/setup.sh", file=sys.stderr)
    sys.exit(2)


try:
    import srt
except ImportError:
    fail_setup("the Python module `srt` (PyPI srt)")
try:
    import webvtt
except ImportError:
    fail_setup("the Python module `webvtt` (PyPI webvtt-py)")
for tool in ("ffmpeg", "ffprobe"):
    if shutil.which(tool) is None:
        fail_setup(f"`{tool}` (Debian ffmpeg)")

problems = []


def problem(name, text):
    problems.append(f"{name}: {text}")


def ms(td):
    return round(td.total_seconds() * 1000)


def check_cues(name, cues, expected, with_ends=True):
    """cues: [(start_ms, end_ms or None)] in file order."""
    if len(cues) != expected:
        problem(name, f"{len(cues)} cues, expected {expected}")
    for k, (start, end) in enumerate(cues):
        if with_ends and end <= start:
            problem(name, f"cue {k + 1} lasts {end - start} ms ({start} -> {end})")
        if k + 1 < len(cues):
            nxt = cues[k + 1][0]
            if nxt <= start:
                problem(name, f"cue {k + 2} starts at {nxt} ms, not after cue {k + 1} ({start} ms)")
            if with_ends and end > nxt:
                problem(name, f"cue {k + 1} ends at {end} ms, after cue {k + 2} starts ({nxt} ms)")


def check_style(name, text, pattern):
    for n, line in enumerate(text.split("\n"), 1):
        if re.match(r"\d+:\d", line) and "-->" in line and not re.fullmatch(pattern, line):
            problem(name, f"line {n} is not one timing style: {line!r}")


def parse_srt(name, text):
    try:
        return [(ms(s.start), ms(s.end)) for s in srt.parse(text)]
    except Exception as e:  # srt.SRTParseError and friends
        problem(name, f"srt does not parse it: {e}")
        return []


def ffmpeg_checks(name, path, expected):
    probe = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_packets", path],
                           capture_output=True, text=True)
    if probe.returncode != 0 or probe.stderr.strip():
        problem(name, f"ffprobe exit {probe.returncode}: {probe.stderr.strip()}")
        return
    packets = json.loads(probe.stdout).get("packets", [])
    if len(packets) != expected:
        problem(name, f"ffprobe reads {len(packets)} packets, expected {expected}")
    for k, p in enumerate(packets):
        pts, dur = int(p["pts"]), int(p.get("duration", 0))
        if dur <= 0:
            problem(name, f"ffprobe packet {k + 1} at pts {pts} has duration {dur}")
        if k + 1 < len(packets) and pts + dur > int(packets[k + 1]["pts"]):
            problem(name, f"ffprobe packet {k + 1} (pts {pts} + {dur}) runs past packet {k + 2} (pts {packets[k + 1]['pts']})")
    # Decoding: ffmpeg reads the subtitle stream, decodes every cue and writes it out again.
    dec = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "srt", "-"],
                         capture_output=True, text=True)
    if dec.returncode != 0 or dec.stderr.strip():
        problem(name, f"ffmpeg cannot decode it (exit {dec.returncode}): {dec.stderr.strip()}")
        return
    check_cues(name + " as decoded by ffmpeg", parse_srt(name + " as decoded by ffmpeg", dec.stdout), expected)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cues", type=int, required=True, help="how many cues every file must hold")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    timings = {}
    for path in args.files:
        name = path.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if ext == "srt":
            check_style(name, text, r"\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d")
            cues = parse_srt(name, text)
            ffmpeg_checks(name, path, args.cues)
        elif ext == "vtt":
            check_style(name, text, r"\d\d:\d\d:\d\d\.\d\d\d --> \d\d:\d\d:\d\d\.\d\d\d")
            try:
                cues = [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds()) for c in webvtt.from_string(text).captions]
            except Exception as e:
                problem(name, f"webvtt-py does not parse it: {e}")
                cues = []
            ffmpeg_checks(name, path, args.cues)
        elif ext == "txt":
            cues = []
            for n, line in enumerate(text.split("\n"), 1):
                m = re.match(r"\[(\d\d):(\d\d):(\d\d)\.(\d\d\d)\] ", line)
                if m:
                    h, mi, s, f3 = map(int, m.groups())
                    cues.append((((h * 60 + mi) * 60 + s) * 1000 + f3, None))
                elif re.match(r"\[\d", line):
                    problem(name, f"line {n} has a stamp of another style: {line!r}")
        elif ext == "md":
            cues = []
            for line in text.split("\n"):
                m = re.match(r"`(\d\d):(\d\d):(\d\d)\.(\d\d\d)–(\d\d):(\d\d):(\d\d)\.(\d\d\d)` ", line)
                if m:
                    v = list(map(int, m.groups()))
                    cues.append(tuple(((a * 60 + b) * 60 + c) * 1000 + d for a, b, c, d in (v[:4], v[4:])))
        elif ext == "json":
            cues = [(c["start"], c["end"]) for c in json.loads(text)["cues"]]
        else:
            problem(name, "unknown extension")
            continue
        check_cues(name, cues, args.cues, with_ends=ext != "txt")
        timings[name] = cues
    # Every export of one excerpt says the same times.
    names = list(timings)
    for other in names[1:]:
        a, b = timings[names[0]], timings[other]
        if [s for s, _ in a] != [s for s, _ in b]:
            problem(other, f"starts differ from {names[0]}")
        if not other.endswith(".txt") and not names[0].endswith(".txt") and a != b:
            problem(other, f"timings differ from {names[0]}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(json.dumps({"files": len(args.files), "cues": args.cues, "timings": timings[names[0]] if names else []}))


if __name__ == "__main__":
    main()
