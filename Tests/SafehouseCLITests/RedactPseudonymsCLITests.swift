import Foundation
import Testing

/// `redact --pseudonyms FILE`: the same subject keeps the same pseudonym across
/// runs; the file is 0600, holds no name, and is written only when a run succeeds.
@Suite("CLI: redact --pseudonyms", .serialized)
struct RedactPseudonymsCLITests {
    static let sheet = #"{"subjects":[{"name":"Park Jiwoo","aliases":["박지우"],"consent":"pseudonym","category":"defector","country":"KR"},{"name":"Choi Minseo","consent":"pseudonym","category":"expert","country":"KR"}]}"#
    static let withdrawn = #"{"subjects":[{"name":"Park Jiwoo","aliases":["박지우"],"consent":"withdrawn","category":"defector","country":"KR"}]}"#

    func redact(_ t: Sandbox, _ text: String, sheet: String = "s.json", map: String = "p.map", out: String) throws -> RunResult {
        try Data(text.utf8).write(to: URL(fileURLWithPath: t.file(out + ".in.txt")))
        return try t.run(["redact", "--subjects", t.file(sheet), "--input", t.file(out + ".in.txt"), "--output", t.file(out), "--pseudonyms", t.file(map)])
    }

    func pseudonym(in text: String) -> [String] {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" }).map(String.init)
            .filter { $0.count == 6 && $0.dropFirst().first == "-" }
    }

    @Test func theSameSubjectKeepsItsPseudonymAcrossRuns() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: t.file("s.json")))
        var r = try redact(t, "[00:00:01] Q: Park Jiwoo, welcome.\n", out: "a.txt")
        #expect(r.status == 0, "\(r)")
        r = try redact(t, "[00:00:01] Q: 박지우 씨, and Choi Minseo too.\n", out: "b.txt")
        #expect(r.status == 0, "\(r)")
        let a = pseudonym(in: String(decoding: try t.read("a.txt"), as: UTF8.self))
        let b = pseudonym(in: String(decoding: try t.read("b.txt"), as: UTF8.self))
        #expect(a.count == 1 && b.count == 2 && b.first == a.first, "\(a) \(b)")
        let attrs = try FileManager.default.attributesOfItem(atPath: t.file("p.map"))
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        let map = String(decoding: try t.read("p.map"), as: UTF8.self)
        #expect(map.hasPrefix("safehouse pseudonyms v1\n"))
        for name in ["Park", "Jiwoo", "박지우", "Choi", "Minseo"] { #expect(!map.contains(name)) }
        // Without the file every run draws afresh (two runs agreeing by chance: 1 in 21 million).
        r = try t.run(["redact", "--subjects", t.file("s.json"), "--input", t.file("a.txt.in.txt"), "--output", t.file("c.txt")])
        #expect(r.status == 0)
        #expect(pseudonym(in: String(decoding: try t.read("c.txt"), as: UTF8.self)) != a)
    }

    @Test func aRefusedRunWritesNoPseudonymFileAndADamagedOneIs65() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try Data(Self.withdrawn.utf8).write(to: URL(fileURLWithPath: t.file("w.json")))
        var r = try redact(t, "[00:00:01] Q: Park Jiwoo, welcome.\n", sheet: "w.json", out: "w.txt")
        #expect(r.status == 77, "\(r)")
        #expect(!t.exists("p.map") && !t.exists("w.txt"))
        try Data("safehouse pseudonyms v1\nnot a line\n".utf8).write(to: URL(fileURLWithPath: t.file("bad.map")))
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: t.file("s.json")))
        r = try redact(t, "[00:00:01] Q: hello.\n", map: "bad.map", out: "x.txt")
        #expect(r.status == 65 && !t.exists("x.txt"), "\(r)")
    }
}
