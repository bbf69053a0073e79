import Foundation
import Testing

/// `redact` reads a long transcript in blocks; a name that a cue boundary splits must be
/// removed wherever that boundary falls, also between two blocks.
@Suite("CLI: redact across cue and block boundaries")
struct RedactBlockBoundaryCLITests {
    static let sheet = #"{"subjects":[{"name":"Park Jiwoo","aliases":["박지우"],"consent":"pseudonym","category":"defector","country":"KR"}]}"#

    @Test func aNameSplitAtEveryCueBoundaryNeverSurvivesWhereverTheBlocksEnd() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: t.file("s.json")))
        // Every cue ends with the family name and the next begins with the given name, so every
        // cue boundary — and so every block boundary — splits "Park Jiwoo" (or 박 | 지우).
        var cues = ["We begin with Park"] + Array(repeating: "Jiwoo came back later and so did Park", count: 2000) + ["Jiwoo left.",
                    "이제 박"] + Array(repeating: "지우 씨는 말이 없었고 박", count: 2000) + ["지우 씨는 떠났어요."]
        var text = ""
        for (k, c) in cues.enumerated() {
            let s = k * 3
            text += String(format: "[%02d:%02d:%02d] ", s / 3600, s / 60 % 60, s % 60) + (k % 2 == 0 ? "Q: " : "A: ") + c + "\n"
        }
        cues.removeAll()
        try Data(text.utf8).write(to: URL(fileURLWithPath: t.file("in.txt")))
        #expect(text.utf8.count > 150_000, "several 64 KiB blocks")
        let small = try t.run(["redact", "--subjects", t.file("s.json"), "--input", t.file("in.txt"), "--output", t.file("small.txt"),
                               "--pseudonyms", t.file("p.map"), "--block-bytes", "1024"])
        #expect(small.status == 0, "\(small)")
        let whole = try t.run(["redact", "--subjects", t.file("s.json"), "--input", t.file("in.txt"), "--output", t.file("whole.txt"),
                               "--pseudonyms", t.file("p.map"), "--block-bytes", "\(1 << 24)"])
        #expect(whole.status == 0, "\(whole)")
        let out = String(decoding: try t.read("small.txt"), as: UTF8.self)
        for part in ["Park", "Jiwoo", "박\n", "지우"] {
            #expect(!out.contains(part), "\(part.debugDescription) survived a split")
        }
        #expect(out.contains("came back later and so did"), "the words around the names stay")
        // In blocks or in one piece, the same output.
        #expect(try t.read("small.txt") == t.read("whole.txt"))
    }
}
