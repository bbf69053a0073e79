import Foundation
@testable import SafehouseRedaction

/// Helpers shared by the corpus tests: locating /work/shared, running the scorer, redacting files.
enum CorpusSupport {
    /// `/work/shared/corpus/dev`, found relative to this file (Tests/SafehouseRedactionTests → ../../../shared).
    static var sharedDir: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var devCorpus: URL { sharedDir.appendingPathComponent("corpus/dev") }
    static var scorer: URL { sharedDir.appendingPathComponent("tools/score_redaction.py") }

    /// Pseudonyms in the vault's readable style, deterministic for tests.
    static func pseudonym(_ k: Int) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var x = UInt32(truncatingIfNeeded: k &* 2_654_435_761 &+ 12345)
        var s = ""
        for _ in 0..<4 { s.append(alphabet[Int(x % 32)]); x /= 32 }
        return "W-" + s
    }

    static func redactor(_ sheet: SubjectSheet) throws -> Redactor {
        try Redactor(subjects: sheet.subjects.enumerated().map { RedactionSubject(entry: $1, pseudonym: pseudonym($0)) })
    }

    /// Redacts every transcript of `corpus` into `out` (same file names).
    static func redactAll(corpus: URL, sheet: SubjectSheet, out: URL) throws {
        let r = try redactor(sheet)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
            let url = corpus.appendingPathComponent(name)
            guard let format = TranscriptFormat.fromExtension(url.pathExtension) else { continue }
            let t = try Transcript.parse(String(contentsOf: url, encoding: .utf8), format: format)
            let result = try r.redact(t)
            try result.transcript.render(format).write(to: out.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    /// Runs the scorer; returns its exit status and output.
    static func score(corpus: URL, out: URL) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", scorer.path, corpus.path, out.path, "--verbose"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func tempDir(_ tag: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("safehouse-redaction-\(tag)-\(UUID().uuidString)")
    }
}
