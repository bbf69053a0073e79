import Foundation
import PropertyBased
import Testing
@testable import SafehouseRedaction

/// Block-by-block redaction: cutting at cue boundaries, parsing and rendering blocks, and the
/// stream that keeps numbering across blocks.
@Suite("Streaming")
struct StreamingTests {
    /// Every cut point `cueBoundary` offers in `text` (from the end backwards).
    static func boundaries(_ text: String, _ format: TranscriptFormat) -> [Int] {
        let bytes = Array(text.utf8)
        var out: [Int] = []
        var end = bytes.count
        while let b = bytes.withUnsafeBufferPointer({ Transcript.cueBoundary(in: $0, before: end, format: format) }) {
            out.append(b)
            end = b
        }
        return out.reversed()
    }

    /// Parses `text` cut at the given byte offsets, block by block.
    static func parseInBlocks(_ text: String, _ format: TranscriptFormat, cuts: [Int]) throws -> Transcript {
        let bytes = Array(text.utf8)
        var cues: [Cue] = []
        var start = 0
        for (k, end) in (cuts + [bytes.count]).enumerated() {
            let part = String(decoding: bytes[start..<end], as: UTF8.self)
            cues += try Transcript.parse(part, format: format, continuing: k > 0).cues
            start = end
        }
        return Transcript(cues: cues)
    }

    static let samples: [(TranscriptFormat, String)] = [
        (.txt, "intro line\n[00:00:05] 영호: 안녕\n계속\n\n[01:02:03.250] no speaker here\r\n[00:00:07] B: x [00:00:09] y\n[bad] not a stamp\n[00:00:08] C: 끝\n"),
        (.srt, "\u{FEFF}1\n00:00:01,000 --> 00:00:02,000\nA: one\ntwo\n\n\n2\r\n00:00:03,000 --> 00:00:04,000\r\nthree\r\n\r\n3\n00:00:05,000 --> 00:00:06,000\nB: four\n"),
        (.vtt, "WEBVTT - title\nKind: captions\n\nNOTE a note\nwith two lines\n\nid-1\n00:00:01.000 --> 00:00:02.000\n<v 영호>안녕\n\n00:00:03.000 --> 00:00:04.000 align:start\nplain\nsecond\n\nSTYLE\n::cue {}\n\n00:00:05.000 --> 00:00:06.000\n<v B>last</v>\n"),
    ]

    @Test("parsing every block cut at cue boundaries gives the whole file's cues", arguments: [0, 1, 2])
    func blocksParseLikeWhole(_ sample: Int) throws {
        let (format, text) = Self.samples[sample]
        let whole = try Transcript.parse(text, format: format)
        let cuts = Self.boundaries(text, format)
        #expect(cuts.count >= 2)
        #expect(try Self.parseInBlocks(text, format, cuts: cuts) == whole)
        for c in cuts { #expect(try Self.parseInBlocks(text, format, cuts: [c]) == whole, "cut at \(c)") }
    }

    @Test("random transcripts: any set of cue boundaries parses like the whole", arguments: TranscriptFormat.allCases)
    func randomBlocks(_ format: TranscriptFormat) async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let t = Transcript(cues: TranscriptFormatTests.cues(seed: seed, format: format))
            let text = t.render(format)
            let cuts = Self.boundaries(text, format)
            var r = BenchmarkTests.SplitMix(s: seed)
            let some = cuts.filter { _ in r.next() % 2 == 0 }
            #expect((try? Self.parseInBlocks(text, format, cuts: some)) == t, "\(text) cut at \(some)")
        }
    }

    @Test("a txt cut never falls inside a cue: only before a stamped line")
    func txtCutsAtStamps() {
        let text = "[00:00:01] A: one\nmore [00:00:02] inline\n[0:1] odd\n[00:00:03] B: two\n"
        let cuts = Self.boundaries(text, .txt)
        let lines = cuts.map { String(decoding: Array(text.utf8)[$0...].prefix(10), as: UTF8.self) }
        #expect(lines == ["[00:00:03]"])
    }

    @Test("rendering blocks and concatenating equals rendering the whole", arguments: TranscriptFormat.allCases)
    func renderBlocks(_ format: TranscriptFormat) {
        let cues = (0..<7).map { Cue(start: $0 * 1500, end: format == .txt ? nil : $0 * 1500 + 900, speaker: $0 % 2 == 0 ? "A" : nil, text: "line \($0)") }
        let whole = Transcript(cues: cues).render(format)
        var out: [UInt8] = []
        var before = 0
        for (k, range) in [0..<3, 3..<3, 3..<7].enumerated() {
            Transcript(cues: Array(cues[range])).render(format, continuing: k > 0, cuesBefore: before, into: &out)
            before += range.count
        }
        #expect(String(decoding: out, as: UTF8.self) == whole)
    }

    static let sheet = [
        SubjectEntry(name: "김영호", relatives: ["김순희"], places: ["회령", "유선동"], identifiers: ["010-2345-6789"]),
        SubjectEntry(name: "박철민", relatives: ["박은정"], places: ["무산"]),
    ]

    /// A transcript that names both subjects, their relatives and places many times.
    static func transcript(cues n: Int) -> Transcript {
        let lines = ["김영호는 회령에서 왔어요.", "My mother 김순희 stayed in Hoeryong.", "박철민 씨는 무산 사람이에요.",
                     "유선동과 무산은 가까워요.", "Call 010-2345-6789.", "박은정이 그렇게 말했어요.", "평범한 문장입니다.",
                     "Kim Young-ho met Pak Chol-min.", "Mr. Nobody Smith said so."]
        return Transcript(cues: (0..<n).map { k in
            Cue(start: k * 1000, speaker: k % 3 == 0 ? "영호" : "INTERVIEWER", text: lines[k % lines.count] + " " + lines[(k * 7 + 3) % lines.count])
        })
    }

    @Test("a stream over blocks gives the same cues, numbers and report as one redaction", arguments: [1, 5, 64, 700])
    func streamEqualsWhole(_ blockSize: Int) throws {
        let r = try TestSupport.redactor(Self.sheet)
        let t = Self.transcript(cues: 1500)
        let whole = try r.redact(t)
        var stream = r.makeSession()
        var cues: [Cue] = []
        var k = 0
        while k < t.cues.count {
            let block = Transcript(cues: Array(t.cues[k..<min(k + blockSize, t.cues.count)]))
            cues += try stream.redact(block).cues
            k += blockSize
        }
        #expect(stream.cuesSeen == t.cues.count)
        #expect(cues == whole.transcript.cues)
        #expect(stream.report == whole.report)
        #expect(cues.contains { $0.text.contains("[PLACE 3]") })
        try r.leakCheck(Transcript(cues: cues))
    }

    @Test("one thread and several give the same result")
    func threadsAgree() throws {
        let r = try TestSupport.redactor(Self.sheet)
        let t = Self.transcript(cues: 3000)
        var one = RedactionSession(r.lexicon, threads: 1)
        var four = RedactionSession(r.lexicon, threads: 4)
        #expect(try one.redact(t) == four.redact(t))
        #expect(one.report == four.report)
    }

    @Test("errors name the cue counted from the first block")
    func errorCueNumbers() throws {
        let sheet = [SubjectEntry(name: "김영호"), SubjectEntry(name: "이순자", consent: .withdrawn)]
        let r = try TestSupport.redactor(sheet)
        var stream = r.makeSession()
        _ = try stream.redact(Transcript(cues: (0..<300).map { Cue(start: $0, text: "김영호 \($0)") }))
        let bad = Transcript(cues: (0..<300).map { Cue(start: $0, text: $0 == 41 ? "이순자 씨" : "평범") })
        #expect(throws: RedactionError.consentWithdrawn(pseudonym: CorpusSupport.pseudonym(1))) { try stream.redact(bad) }
    }

    @Test("the fail-closed scan reports the first failing cue of a block, in every thread")
    func firstFailure() throws {
        // Pseudonyms that are themselves a phone number: every replaced cue fails the rescan.
        let sheet = [SubjectEntry(name: "김영호")]
        let r = try Redactor(subjects: [RedactionSubject(entry: sheet[0], pseudonym: "010-9999-8888")])
        let t = Transcript(cues: (0..<1000).map { Cue(start: $0, text: $0 == 10 || $0 == 900 ? "김영호" : "평범") })
        var stream = r.makeSession()
        _ = try stream.redact(Transcript(cues: [Cue(text: "평범")]))
        #expect(throws: RedactionError.leakCheckFailed(cue: 12, kind: "phone")) { try stream.redact(t) }
    }
}
