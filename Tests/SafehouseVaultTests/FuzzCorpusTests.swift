import Foundation
import SafehouseVault
import Testing

/// Replays the libFuzzer seed corpus (and every crash it ever found, kept as
/// `crash-*`) through the parsers in-process: each must run to the end.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus").path

    @Test func everySeedRunsCleanAndEveryParserHasOne() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).sorted()
        var covered = Set<Int>()
        for f in files {
            let data = try #require(FileManager.default.contents(atPath: Self.corpus + "/" + f))
            let bytes = [UInt8](data)
            ParserFuzzing.run(bytes)
            if let s = bytes.first { covered.insert(Int(s) % ParserFuzzing.parsers.count) }
        }
        #expect(covered == Set(0..<ParserFuzzing.parsers.count), "a parser has no seed: \(ParserFuzzing.parsers.enumerated().filter { !covered.contains($0.offset) }.map(\.element))")
    }
}
