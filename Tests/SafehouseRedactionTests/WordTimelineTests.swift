import Foundation
import Testing
@testable import SafehouseRedaction

/// Word times for media excerpts (issue 18): Whisper-style JSON, estimates from cue times,
/// the spans where identities are said, and clipping.
@Suite("Word timelines and bleep spans")
struct WordTimelineTests {
    static let subject = SubjectEntry(name: "김영호", places: ["회령"])

    @Test("Whisper JSON: measured word times in milliseconds; a segment without words is estimated")
    func whisper() throws {
        let json = #"{"segments":[{"start":1.0,"end":2.0,"text":" Kim Young-ho","words":[{"word":" Kim","start":1.0,"end":1.25},{"word":" Young-ho","start":1.25,"end":1.9}]}]}"#
        let t = try WordTimeline.parseWhisperJSON(Array(json.utf8))
        #expect(!t.estimated)
        #expect(t.segments[0].words == [TimedWord(text: "Kim", startMs: 1000, endMs: 1250), TimedWord(text: "Young-ho", startMs: 1250, endMs: 1900)])
        #expect(t.transcript().cues == [Cue(start: 1000, end: 2000, text: "Kim Young-ho")])
        let bare = #"{"segments":[{"start":0,"end":3,"text":"ab abcd"}]}"#
        let e = try WordTimeline.parseWhisperJSON(Array(bare.utf8))
        #expect(e.estimated)
        #expect(e.segments[0].words.map { [$0.startMs, $0.endMs] } == [[0, 1000], [1000, 3000]])
    }

    @Test("malformed Whisper JSON is refused", arguments: [
        #"{"text":"no segments"}"#, #"[1,2]"#, #"{"segments":[{"words":[{"word":"x","start":"soon","end":1}]}]}"#,
        #"{"segments":[{"words":[{"word":"x","start":2,"end":1}]}]}"#, #"{"segments":[{"start":0}]}"#, "not json",
    ])
    func malformed(_ json: String) {
        #expect(throws: RedactionError.self) { try WordTimeline.parseWhisperJSON(Array(json.utf8)) }
    }

    @Test("SRT cues: words spread by character length, marked estimated")
    func estimatedFromCues() throws {
        let srt = "1\n00:00:02,000 --> 00:00:04,000\nKim Young-ho said\n"
        let t = try WordTimeline.parse(srt, fileExtension: "srt")
        #expect(t.estimated)
        // 3 + 8 + 4 = 15 characters over 2000 ms.
        #expect(t.segments[0].words.map { [$0.startMs, $0.endMs] } == [[2000, 2400], [2400, 3466], [3466, 4000]])
    }

    @Test("spans: every spelling of a subject's name and place, with the margin, merged; nothing else")
    func spans() throws {
        let r = try TestSupport.redactor([Self.subject])
        func w(_ s: String, _ a: Int, _ b: Int) -> TimedWord { TimedWord(text: s, startMs: a, endMs: b) }
        let t = WordTimeline(segments: [
            TimedSegment(startMs: 0, endMs: 3000, speaker: "Kim Young-ho", words: [w("My", 0, 100), w("friend", 100, 500), w("Gim", 1000, 1200), w("Yeong-ho", 1200, 1700), w("left", 2000, 2400)]),
            TimedSegment(startMs: 5000, endMs: 7000, words: [w("김영호는", 5000, 5600), w("회령에서", 5700, 6300), w("왔어요", 6400, 7000)]),
            TimedSegment(startMs: 8000, endMs: 9000, words: [w("Kim", 8000, 8300), w("alone", 8300, 9000)]),
        ], estimated: false)
        let spans = r.bleepSpans(t, marginMs: 150)
        #expect(spans == [BleepSpan(startMs: 850, endMs: 1850, kind: "name"), BleepSpan(startMs: 4850, endMs: 6450, kind: "name+place")], "\(spans)")
        // A margin reaching before 0 stops at 0.
        let early = WordTimeline(segments: [TimedSegment(startMs: 0, endMs: 900, words: [w("김영호", 50, 900)])], estimated: false)
        #expect(r.bleepSpans(early, marginMs: 200) == [BleepSpan(startMs: 0, endMs: 1100, kind: "name")])
        // No subject: no span (and a bare common surname never is one).
        #expect(try TestSupport.redactor([]).bleepSpans(t, marginMs: 150).isEmpty)
    }

    @Test("a name split by a segment boundary is bleeped whole, in every spelling; a lone surname on either side is not")
    func nameAcrossSegments() throws {
        let r = try TestSupport.redactor([Self.subject])
        func w(_ s: String, _ a: Int, _ b: Int) -> TimedWord { TimedWord(text: s, startMs: a, endMs: b) }
        for (family, given) in [("Gim", "Yeong-ho"), ("Kim", "Young-ho"), ("김", "영호는")] {
            let t = WordTimeline(segments: [
                TimedSegment(startMs: 0, endMs: 2000, words: [w("I", 0, 200), w("met", 200, 600), w(family, 1500, 2000)]),
                TimedSegment(startMs: 2000, endMs: 4000, words: [w(given, 2000, 2600), w("yesterday", 2700, 3500)]),
            ], estimated: false)
            let spans = r.bleepSpans(t, marginMs: 100)
            // One span from the surname's start to the given name's end (with the margin).
            #expect(spans.contains { $0.startMs <= 1400 && $0.endMs >= 2700 && $0.kind.contains("name") },
                    "\(family) | \(given): \(spans)")
            #expect(!spans.contains { $0.startMs < 1300 }, "words before the name stay: \(spans)")
        }
        // Two segments that only touch ordinary words place no span.
        let plain = WordTimeline(segments: [
            TimedSegment(startMs: 0, endMs: 1000, words: [w("Kim", 0, 400)]),
            TimedSegment(startMs: 1000, endMs: 2000, words: [w("left", 1000, 1400)]),
        ], estimated: false)
        #expect(r.bleepSpans(plain, marginMs: 100).isEmpty)
    }

    @Test("clipping keeps the words that overlap the range, cut at its edges, times from its start")
    func clipping() {
        let t = WordTimeline(segments: [TimedSegment(startMs: 0, endMs: 4000, words: [
            TimedWord(text: "a", startMs: 0, endMs: 1500), TimedWord(text: "b", startMs: 1500, endMs: 2500), TimedWord(text: "c", startMs: 3000, endMs: 4000)])],
            estimated: true)
        let c = t.clipped(fromMs: 1000, toMs: 2800)
        #expect(c.estimated)
        #expect(c.segments[0].words == [TimedWord(text: "a", startMs: 0, endMs: 500), TimedWord(text: "b", startMs: 500, endMs: 1500)])
        #expect(t.clipped(fromMs: 5000, toMs: 6000).segments.isEmpty)
    }

    @Test("descriptions hold counts, never words")
    func description() {
        let t = WordTimeline(segments: [TimedSegment(startMs: 0, endMs: 1, words: [TimedWord(text: "김영호", startMs: 0, endMs: 1)])], estimated: false)
        #expect(!t.description.contains("김영호"))
    }
}
