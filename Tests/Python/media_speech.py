#!/usr/bin/env python3
"""Test speech and its analysis for media excerpts (Tests/SafehouseCLITests/MediaExcerptCLITests.swift).

make OUT      espeak-ng (English and Korean voices) words placed at known times in OUT/speech.wav
              (22050 Hz mono, 10 s), with OUT/transcript.json (Whisper-style word times), OUT/transcript.srt
              (the same words as cues: word times must be estimated) and OUT/names.json (where the
              names are said, in seconds of the recording).
check SRC CLIP --from S --provenance P --names N --mode tone|silence
              CLIP (WAV) is the excerpt of SRC starting at S seconds. Exits 1 with a message unless:
              every name interval (N, shifted to the clip) lies inside a bleep span of the provenance P;
              inside each span the audio is the tone (the 1 kHz bin holds ≥ 95 % of the energy in
              300–3400 Hz and the energy in that band outside 950–1050 Hz is ≤ 1 % of the span's
              energy) or silence (RMS ≤ 1e-4 of full scale); and every sample outside the spans
              equals the source's, sample for sample, over the whole clip length.
"""
import json, subprocess, sys, os
import numpy as np
import scipy.io.wavfile as wavfile

RATE = 22050
# (voice, text said, start s, words written in the transcript, is a name)
PIECES = [
    ("en", "My friend", 0.5, ["My", "friend"], False),
    ("en", "Kim Young-ho", 2.0, ["Kim", "Young-ho"], True),
    ("en", "crossed the river", 4.0, ["crossed", "the", "river"], False),
    # Said in Korean, written in a romanized spelling of the same name.
    ("ko", "김영호는", 6.0, ["Gim", "Yeong-ho"], True),
    ("en", "in winter", 8.2, ["in", "winter"], False),
]


def make(out):
    os.makedirs(out, exist_ok=True)
    audio = np.zeros(RATE * 10, dtype=np.int16)
    segments, names, cues = [], [], []
    for k, (voice, text, start, words, is_name) in enumerate(PIECES):
        path = os.path.join(out, f"piece{k}.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-w", path, text], check=True)
        rate, data = wavfile.read(path)
        os.remove(path)
        assert rate == RATE, rate
        data = data.astype(np.int16)
        # Trim espeak's own leading/trailing silence so the word times are the speech's.
        loud = np.nonzero(np.abs(data.astype(np.int32)) > 300)[0]
        data = data[loud[0]:loud[-1] + 1]
        a = int(start * RATE)
        audio[a:a + len(data)] = data
        dur = len(data) / RATE
        total = sum(len(w) for w in words)
        ws, done = [], 0
        for w in words:
            ws.append({"word": " " + w, "start": round(start + dur * done / total, 3),
                       "end": round(start + dur * (done + len(w)) / total, 3)})
            done += len(w)
        segments.append({"start": start, "end": round(start + dur, 3), "text": " " + " ".join(words), "words": ws})
        cues.append((start, start + dur, " ".join(words)))
        if is_name:
            names.append([start, start + dur])
    wavfile.write(os.path.join(out, "speech.wav"), RATE, audio)
    with open(os.path.join(out, "transcript.json"), "w") as f:
        json.dump({"text": " ".join(s["text"] for s in segments), "segments": segments, "language": "en"}, f, ensure_ascii=False)
    def stamp(t):
        ms = int(round(t * 1000))
        return "%02d:%02d:%02d,%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
    with open(os.path.join(out, "transcript.srt"), "w") as f:
        for k, (a, b, text) in enumerate(cues):
            f.write(f"{k + 1}\n{stamp(a)} --> {stamp(b)}\n{text}\n\n")
    with open(os.path.join(out, "names.json"), "w") as f:
        json.dump(names, f)


def fail(msg):
    print("media check failed: " + msg)
    sys.exit(1)


def check(src, clip, start, prov_path, names_path, mode):
    rate, s = wavfile.read(src)
    rate2, c = wavfile.read(clip)
    if rate2 != rate:
        fail(f"clip rate {rate2} != source rate {rate}")
    prov = json.load(open(prov_path))
    spans = [(b["startMs"] / 1000.0, b["endMs"] / 1000.0) for b in prov["bleeps"]]
    a0 = int(round(start * rate))
    src_clip = s[a0:a0 + len(c)]
    if len(src_clip) != len(c):
        fail(f"clip has {len(c)} samples, the source range only {len(src_clip)}")
    for (na, nb) in json.load(open(names_path)):
        na, nb = na - start, nb - start
        if nb <= 0 or na >= len(c) / rate:
            continue
        if not any(a <= max(na, 0) and min(nb, len(c) / rate) <= b for (a, b) in spans):
            fail(f"the name said at {na:.3f}-{nb:.3f} s of the clip is not inside a bleep span {spans}")
    t = np.arange(len(c)) / rate
    inside = np.zeros(len(c), dtype=bool)
    guard = np.zeros(len(c), dtype=bool)
    for (a, b) in spans:
        inside |= (t >= a) & (t <= b)
        guard |= (np.abs(t - a) <= 2.0 / rate) | (np.abs(t - b) <= 2.0 / rate)
    outside = ~inside & ~guard
    diff = np.nonzero(c[outside] != src_clip[outside])[0]
    if len(diff):
        fail(f"{len(diff)} samples outside the bleep spans differ from the source (first at {t[outside][diff[0]]:.4f} s)")
    for (a, b) in spans:
        seg = c[(t >= a + 0.002) & (t <= b - 0.002)].astype(np.float64) / 32768.0
        if len(seg) < rate // 20:
            continue
        if mode == "silence":
            rms = float(np.sqrt(np.mean(seg ** 2)))
            if rms > 1e-4:
                fail(f"span {a:.3f}-{b:.3f}: RMS {rms:.6f} > 1e-4 (not silence)")
        else:
            spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
            freqs = np.fft.rfftfreq(len(seg), 1.0 / rate)
            band = (freqs >= 300) & (freqs <= 3400)
            tone = (freqs >= 950) & (freqs <= 1050)
            total = spec.sum()
            peak = freqs[np.argmax(spec)]
            if abs(peak - 1000) > 10:
                fail(f"span {a:.3f}-{b:.3f}: the strongest frequency is {peak:.1f} Hz, not the 1 kHz tone")
            if spec[tone].sum() < 0.95 * spec[band].sum():
                fail(f"span {a:.3f}-{b:.3f}: the tone holds only {spec[tone].sum() / spec[band].sum():.3f} of the speech band")
            if spec[band & ~tone].sum() > 0.01 * total:
                fail(f"span {a:.3f}-{b:.3f}: speech-band energy outside the tone is {spec[band & ~tone].sum() / total:.4f} of the span (> 0.01)")
    print(f"ok: {len(spans)} spans, {int(outside.sum())} samples outside them identical to the source")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "check":
        args = sys.argv[2:]
        opts = dict(zip(args[2::2], args[3::2]))
        check(args[0], args[1], float(opts["--from"]), opts["--provenance"], opts["--names"], opts["--mode"])
    else:
        fail("usage: media_speech.py make OUT | check SRC CLIP --from S --provenance P --names N --mode tone|silence")
