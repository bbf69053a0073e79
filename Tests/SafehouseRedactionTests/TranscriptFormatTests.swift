import Foundation
import PropertyBased
import Testing
@testable import SafehouseRedaction

@Suite("Transcript formats")
struct TranscriptFormatTests {
    /// Builds random cues from a seed: text every format can carry (no blank lines, no leading
    /// `[`/`<`, no `:`), optional speakers, millisecond timings.
    static func cues(seed: UInt64, format: TranscriptFormat) -> [Cue] {
        var r = BenchmarkTests.SplitMix(s: seed)
        let alphabet = Array("abc XYZ 가나다 영호 12-.,!?é\u{200B}")
        func line() -> String {
            var s = ""
            for _ in 0..<(1 + r.next() % 20) { s.append(r.pick(alphabet)) }
            s = s.trimmingCharacters(in: .whitespaces)
            return s.isEmpty ? "x" : s
        }
        return (0..<Int(r.next() % 7)).map { _ in
            let lines = (0..<(1 + r.next() % 3)).map { _ in line() }
            let ms = Int(r.next() % 10_000_000)
            let start = format == .txt ? ms / 1000 * 1000 + (r.next() % 4 == 0 ? 250 : 0) : ms
            let speaker = r.next() % 3 == 0 ? nil : String((0..<(1 + r.next() % 6)).map { _ in r.pick(Array("ABCXYZ영호철민")) })
            return Cue(start: start, end: format == .txt ? nil : ms + Int(r.next() % 5000), speaker: speaker, text: lines.joined(separator: "\n"))
        }
    }

    @Test("round trip: parse(render(t)) == t", arguments: TranscriptFormat.allCases)
    func roundTrip(_ format: TranscriptFormat) async {
        await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let t = Transcript(cues: Self.cues(seed: seed, format: format))
            let rendered = t.render(format)
            let parsed = try? Transcript.parse(rendered, format: format)
            #expect(parsed == t, "\(rendered)")
        }
    }

    @Test("the dev corpus files render back byte for byte")
    func devFilesRoundTrip() throws {
        let dir = CorpusSupport.devCorpus
        // CI has ../shared: a missing corpus is a failure, never a silent skip.
        try #require(FileManager.default.fileExists(atPath: dir.path), "no dev corpus at \(dir.path)")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            guard let f = TranscriptFormat.fromExtension((name as NSString).pathExtension) else { continue }
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let t = try Transcript.parse(text, format: f)
            #expect(t.cues.count > 5)
            let normalized = text.hasSuffix("\n") ? text : text + "\n"
            #expect(t.render(f) == normalized, "\(name)")
        }
    }

    @Test("plain text: stamps, speakers, continuation lines")
    func plainText() throws {
        let t = try Transcript.parse("intro\n[00:00:05] 영호: 안녕\n계속\n[01:02:03.250] no speaker here\n", format: .txt)
        #expect(t.cues == [Cue(text: "intro"), Cue(start: 5000, speaker: "영호", text: "안녕\n계속"),
                           Cue(start: 3_723_250, text: "no speaker here")])
    }

    @Test("SRT and WebVTT structure")
    func srtVtt() throws {
        let srt = try Transcript.parse("1\r\n00:00:01,000 --> 00:00:02,500\r\nA: hi\r\nthere\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nbye\r\n", format: .srt)
        #expect(srt.cues == [Cue(start: 1000, end: 2500, speaker: "A", text: "hi\nthere"), Cue(start: 3000, end: 4000, text: "bye")])
        let vtt = try Transcript.parse("WEBVTT\n\nNOTE 김영호 said\n\nid-1\n00:01.000 --> 00:02.000 align:start\n<v.loud 영호>네</v>\n", format: .vtt)
        #expect(vtt.cues == [Cue(start: 1000, end: 2000, speaker: "영호", text: "네")])
    }

    @Test("malformed input names the line, not the content")
    func malformed() {
        #expect(throws: RedactionError.malformedTranscript(line: 2, reason: "expected a timing line 'hh:mm:ss,mmm --> hh:mm:ss,mmm'")) {
            try Transcript.parse("1\n김영호 is not a timing\n", format: .srt)
        }
        #expect(throws: RedactionError.malformedTranscript(line: 1, reason: "a WebVTT file starts with 'WEBVTT'")) {
            try Transcript.parse("김영호\n", format: .vtt)
        }
    }

    @Test("slice keeps cues whose start is in [from, to)")
    func slice() {
        let t = Transcript(cues: [Cue(start: 0, text: "a"), Cue(start: 1000, text: "b"), Cue(start: 2000, text: "c"), Cue(text: "d")])
        #expect(t.slice(fromMs: 1000, toMs: 2000).cues.map(\.text) == ["b"])
        #expect(t.slice(fromMs: 0, toMs: 10_000).cues.count == 3)
    }

    @Test("format from extension")
    func extensions() {
        #expect(TranscriptFormat.fromExtension("txt") == .txt)
        #expect(TranscriptFormat.fromExtension(".TEXT") == .txt)
        #expect(TranscriptFormat.fromExtension("srt") == .srt)
        #expect(TranscriptFormat.fromExtension(".vtt") == .vtt)
        #expect(TranscriptFormat.fromExtension("doc") == nil)
    }

    @Test("redaction keeps the cue structure of every format", arguments: TranscriptFormat.allCases)
    func redactionKeepsStructure(_ format: TranscriptFormat) throws {
        let r = try TestSupport.redactor([SubjectEntry(name: "김영호")])
        let t = Transcript(cues: [Cue(start: 1000, end: format == .txt ? nil : 2000, speaker: "영호", text: "김영호입니다\n둘째 줄")])
        let out = try r.redact(try Transcript.parse(t.render(format), format: format)).transcript
        #expect(out.cues.count == 1)
        #expect(out.cues[0].start == 1000)
        #expect(out.cues[0].text == "\(CorpusSupport.pseudonym(0))입니다\n둘째 줄")
        #expect(try Transcript.parse(out.render(format), format: format) == out)
    }
}
