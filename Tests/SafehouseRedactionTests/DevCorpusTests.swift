import Foundation
import Testing
@testable import SafehouseRedaction

@Suite("Development corpus")
struct DevCorpusTests {
    @Test("dev corpus: 0 leaks and ≥ 90% controls kept (score_redaction.py exits 0)")
    func devCorpusScores() throws {
        let corpus = CorpusSupport.devCorpus
        // CI has ../shared: a missing corpus is a failure, never a silent skip.
        try #require(FileManager.default.fileExists(atPath: corpus.appendingPathComponent("subjects.json").path),
                     "no dev corpus at \(corpus.path)")
        let sheet = try SubjectSheet.parse(Data(contentsOf: corpus.appendingPathComponent("subjects.json")))
        let out = CorpusSupport.tempDir("dev")
        defer { try? FileManager.default.removeItem(at: out) }
        try CorpusSupport.redactAll(corpus: corpus, sheet: sheet, out: out)
        let (status, report) = try CorpusSupport.score(corpus: corpus, out: out)
        print(report)
        if ProcessInfo.processInfo.environment["SAFEHOUSE_KEEP_OUT"] != nil {
            for f in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                print("== \(f)\n" + (try String(contentsOf: out.appendingPathComponent(f), encoding: .utf8)))
            }
        }
        #expect(status == 0, "scorer: \(report)")
        #expect(report.contains("leaks=0/"))
    }
}
