import Foundation
import PropertyBased
import Testing
@testable import SafehouseRedaction

/// The cue timing rules of excerpt exports (Docs/FORMAT.md, "Cue timing"): strictly increasing
/// starts, every duration above zero, no overlap — for any cue list, however broken.
@Suite("Subtitle timing")
struct SubtitleTimingTests {
    /// Random cues that break every rule: equal starts, overlaps, ends at or before the start,
    /// missing starts and ends, blank texts, out of order.
    static func brokenCues(seed: UInt64) -> [Cue] {
        var r = BenchmarkTests.SplitMix(s: seed)
        let texts = ["a", "hello there", "영호 씨 안녕하세요", "", "  ", "line one\n\nline two", "W-7Q2F: 네", "x\n"]
        var t = Int(r.next() % 5000)
        return (0..<Int(r.next() % 12)).map { _ in
            switch r.next() % 4 {
            case 0: break                                  // same start as the cue before
            case 1: t = max(0, t - Int(r.next() % 3000))  // earlier: out of order
            default: t += Int(r.next() % 6000)
            }
            let end: Int?
            switch r.next() % 5 {
            case 0: end = nil
            case 1: end = t                                // zero length
            case 2: end = t - Int(r.next() % 2000) - 1     // negative length
            default: end = t + Int(r.next() % 15000)       // often past the next start
            }
            return Cue(start: r.next() % 9 == 0 ? nil : t, end: end,
                       speaker: r.next() % 3 == 0 ? nil : r.pick(["A", "B", "영호"]), text: r.pick(texts))
        }
    }

    /// Fails unless `cues` play: starts strictly increase, every end is after its start and no
    /// later than the next start.
    static func expectPlayable(_ cues: [Cue], _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (k, c) in cues.enumerated() {
            guard let s = c.start, let e = c.end else {
                Issue.record("cue \(k) has no start or end: \(context())", sourceLocation: sourceLocation)
                return
            }
            #expect(s >= 0 && e > s, "cue \(k) lasts \(e - s) ms: \(context())", sourceLocation: sourceLocation)
            if k + 1 < cues.count, let next = cues[k + 1].start {
                #expect(next > s, "cue \(k + 1) does not start after cue \(k): \(context())", sourceLocation: sourceLocation)
                #expect(e <= next, "cue \(k) overlaps the next: \(context())", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("any cue list comes out strictly ordered, every duration > 0, no overlap")
    func playableForAnyInput() async {
        await propertyCheck(count: 500, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let input = Self.brokenCues(seed: seed)
            let out = SubtitleTiming.normalized(input)
            Self.expectPlayable(out, "\(input) → \(out)")
        }
    }

    @Test("idempotent, and no visible text is lost", arguments: [nil, 0, 60_000] as [Int?])
    func idempotentAndComplete(_ followedBy: Int?) async {
        await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let input = Self.brokenCues(seed: seed)
            let out = SubtitleTiming.normalized(input, followedBy: followedBy)
            #expect(SubtitleTiming.normalized(out) == out, "\(input)")
            #expect(SubtitleTiming.normalized(out, followedBy: followedBy) == out, "\(input)")
            let visible = input.filter(SubtitleTiming.hasVisibleText)
            #expect(out.count <= visible.count)
            #expect(out.count == Set(visible.map { max(0, $0.start ?? 0) }).count, "one cue per distinct start")
            let joined = out.map(\.text).joined(separator: "\n")
            for c in visible where !c.text.isEmpty { #expect(joined.contains(c.text), "\(c.text) is missing") }
            if let f = followedBy, let last = out.last, last.start! < f { #expect(last.end! <= f) }
        }
    }

    @Test("a [hh:mm:ss] transcript: each cue ends at the next start, the last after the reading time")
    func textTranscript() throws {
        let t = try Transcript.parse("[00:00:03] A: one\n[00:00:09] B: two\n[00:00:16] A: three\n", format: .txt)
        let out = SubtitleTiming.normalized(t.cues)
        #expect(out.map(\.start) == [3000, 9000, 16000])
        #expect(out.map(\.end) == [9000, 16000, 16000 + SubtitleTiming.readingTimeMs(t.cues[2])])
        // The source goes on at 00:00:25: the last cue ends there, no estimate needed.
        #expect(SubtitleTiming.normalized(t.cues, followedBy: 25_000).last?.end == 25_000)
        // ... but never before its own start (a followedBy from elsewhere is ignored then).
        #expect(SubtitleTiming.normalized(t.cues, followedBy: 16_000).last?.end == 16000 + SubtitleTiming.readingTimeMs(t.cues[2]))
    }

    @Test("SRT rules: clamp to the next start, merge equal starts, estimate zero lengths, keep gaps")
    func srtRules() {
        let cues = [
            Cue(start: 1000, end: 5000, speaker: "A", text: "overlaps the next"),
            Cue(start: 3000, end: 3000, speaker: "B", text: "zero"),
            Cue(start: 3000, end: 4000, speaker: "C", text: "same start"),
            Cue(start: 10_000, end: 9000, text: "ends before it starts"),
            Cue(start: 10_500, end: 11_000, text: "gap after"),
            Cue(start: 20_000, end: 21_000, text: "kept"),
        ]
        let out = SubtitleTiming.normalized(cues)
        #expect(out.map(\.start) == [1000, 3000, 10_000, 10_500, 20_000])
        #expect(out.map(\.end) == [3000, 4000, 10_500, 11_000, 21_000])
        #expect(out[1].speaker == "B" && out[1].text == "zero\nC: same start")
    }

    @Test("untimed and blank cues; a merge with the same speaker adds no label")
    func untimedAndBlank() {
        let out = SubtitleTiming.normalized([
            Cue(text: "before the first stamp"), Cue(start: 2000, text: "  "),
            Cue(start: 4000, speaker: "A", text: "one"), Cue(start: 4000, speaker: "A", text: "two"),
        ])
        #expect(out == [Cue(start: 0, end: 4000, text: "before the first stamp"),
                        Cue(start: 4000, end: 4000 + SubtitleTiming.readingTimeMs(Cue(speaker: "A", text: "one\ntwo")), speaker: "A", text: "one\ntwo")])
    }

    @Test("reading time: 17 narrow or 12 wide characters a second, within 5/6 s and 7 s")
    func readingTime() {
        #expect(SubtitleTiming.readingTimeMs(Cue(text: "")) == 834)
        #expect(SubtitleTiming.readingTimeMs(Cue(text: "ok")) == 834)
        #expect(SubtitleTiming.readingTimeMs(Cue(text: String(repeating: "a", count: 34))) == 2000)
        #expect(SubtitleTiming.readingTimeMs(Cue(text: String(repeating: "가", count: 24))) == 2000)
        #expect(SubtitleTiming.readingTimeMs(Cue(text: String(repeating: "a", count: 17) + "\n" + String(repeating: "가", count: 12))) == 2000)
        // "AB: " counts: 4 narrow characters more than the text alone.
        #expect(SubtitleTiming.readingTimeMs(Cue(speaker: "AB", text: String(repeating: "a", count: 30))) == 2000)
        #expect(SubtitleTiming.readingTimeMs(Cue(text: String(repeating: "a", count: 35))) == 2059)
        #expect(SubtitleTiming.readingTimeMs(Cue(text: String(repeating: "가", count: 500))) == 7000)
    }

    @Test("nextStart: the first source start after the excerpt's last")
    func nextStart() {
        let source = [Cue(start: 0, text: "a"), Cue(start: 5000, text: "b"), Cue(start: 9000, text: "c"), Cue(start: 7000, text: "d"), Cue(text: "e")]
        #expect(SubtitleTiming.nextStart(after: Array(source[0...1]), in: source) == 7000)
        #expect(SubtitleTiming.nextStart(after: [source[2]], in: source) == nil)
        #expect(SubtitleTiming.nextStart(after: [source[4]], in: source) == nil)
    }

    @Test("srt and vtt of normalized cues: blank lines inside a cue are left out, numbers and stamps fixed", arguments: [TranscriptFormat.srt, .vtt])
    func subtitleRendering(_ format: TranscriptFormat) throws {
        let cues = SubtitleTiming.normalized([Cue(start: 1000, speaker: "A", text: "para one\n\n  \npara two"), Cue(start: 61_500, text: "next")])
        let text = Transcript(cues: cues).render(format)
        let sep = format == .srt ? "," : "."
        #expect(text.contains("00:00:01\(sep)000 --> 00:01:01\(sep)500\n"), "\(text)")
        #expect(!text.contains("para one\n\n"), "\(text)")
        let back = try Transcript.parse(text, format: format)
        #expect(back.cues.map(\.text) == ["para one\npara two", "next"])
        #expect(back.cues.map(\.end) == cues.map(\.end))
    }

    @Test("WebVTT text never holds the cue arrow; SRT keeps it")
    func arrowInText() throws {
        let cues = [Cue(start: 1000, end: 2000, speaker: "A", text: "Seoul --> Beijing"), Cue(start: 2000, end: 3000, text: "next")]
        let vtt = Transcript(cues: cues).render(.vtt)
        #expect(vtt == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Seoul --&gt; Beijing\n\n00:00:02.000 --> 00:00:03.000\nnext\n\n", "\(vtt)")
        #expect(try Transcript.parse(vtt, format: .vtt).cues.count == 2)
        #expect(Transcript(cues: cues).render(.srt).contains("A: Seoul --> Beijing\n"))
    }

    @Test("txt with millisecond stamps: one style on every line, read back exactly")
    func millisecondStamps() async {
        let fixed = Transcript(cues: [Cue(start: 60_000, speaker: "A", text: "x"), Cue(start: 64_500, text: "y")]).render(.txt, textStamps: .milliseconds)
        #expect(fixed == "[00:01:00.000] A: x\n[00:01:04.500] y\n")
        await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let t = Transcript(cues: TranscriptFormatTests.cues(seed: seed, format: .srt).map { c in var c = c; c.end = nil; return c })
            let text = t.render(.txt, textStamps: .milliseconds)
            #expect((try? Transcript.parse(text, format: .txt)) == t, "\(text)")
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("[") }.allSatisfy { $0.dropFirst(9).hasPrefix(".") && $0.dropFirst(13).hasPrefix("]") }, "\(text)")
        }
    }
}
