import Foundation
import SafehouseCrypto
import SafehouseRedaction
@testable import SafehouseVault
import Testing

/// Cue ends in the excerpt payload (Docs/FORMAT.md, "Cue timing"): fixed at approve, from the
/// source's next cue even past the range; excerpts approved before the rule still export
/// playable cues.
@Suite("Vault: excerpt cue timing", .serialized)
struct ExcerptTimingTests {
    static let transcript = """
        [00:00:05] REPORTER: The river was frozen that winter.
        [00:00:12] WITNESS: We waited for the night before crossing.
        [00:00:20] REPORTER: When did you leave?
        [00:00:27] WITNESS: In the spring.

        """

    func payload(_ hq: Vault, _ excerpt: String) throws -> ExcerptPayload {
        let team = TestTeam.shared
        let opened = try #require(try hq.unlockObject(try RecordHeader.parse(try hq.headerBlob(of: excerpt), object: "x"), identity: team.officer.identity))
        return try JSONDecoder().decode(ExcerptPayload.self, from: Data(try hq.decryptSmall(opened)))
    }

    @Test("approve stores every end; a range's last cue ends at the source's next cue")
    func approveStoresEnds() throws {
        let team = TestTeam.shared
        let scratch = try Scratch()
        defer { scratch.remove() }
        let hq = try makeHQ(scratch)
        let rec = try sealBytes(hq, scratch, Array(Self.transcript.utf8), name: "talk.txt", by: team.officer)
        let whole = try payload(hq, try hq.approve(recordID: rec, range: nil, by: team.officer.identity))
        let last = Cue(start: 27_000, speaker: "WITNESS", text: "In the spring.")
        #expect(whole.cues.map(\.end) == [12_000, 20_000, 27_000, 27_000 + SubtitleTiming.readingTimeMs(last)])
        let range = try payload(hq, try hq.approve(recordID: rec, range: (10_000, 21_000), by: team.officer.identity))
        #expect(range.cues.map(\.start) == [12_000, 20_000])
        #expect(range.cues.map(\.end) == [20_000, 27_000])
    }

    @Test("an excerpt approved before the timing rule (no ends, zero lengths) exports playable cues")
    func oldPayloadExports() throws {
        // The payload as approve wrote it before: txt cues without "end", an SRT cue ending at its start.
        let old = #"""
            {"cues":[{"speaker":"REPORTER","start":5000,"text":"The river was frozen that winter."},
            {"speaker":"WITNESS","start":12000,"text":"We waited."},{"end":20000,"start":20000,"text":"zero"}],
            "format":"txt","provenance":{"approvedAt":"2026-11-01T10:00:00Z","approver":"AAAA","format":"txt",
            "lexiconHash":"00000000000000000000000000000000","policyHash":"00000000000000000000000000000000",
            "sourceRecord":"R"},"pseudonyms":[]}
            """#
        let p = try JSONDecoder().decode(ExcerptPayload.self, from: Data(old.utf8))
        let t = Vault.exportTranscript(p)
        #expect(t.cues.map(\.end) == [12_000, 20_000, 20_000 + SubtitleTiming.readingTimeMs(Cue(text: "zero"))])
        let srt = Vault.render(p, transcript: t, format: .srt, excerptID: "E")
        #expect(srt.hasPrefix("1\n00:00:05,000 --> 00:00:12,000\nREPORTER: The river was frozen that winter.\n\n2\n00:00:12,000 --> 00:00:20,000\n"), "\(srt)")
        #expect(srt.contains("3\n00:00:20,000 --> 00:00:20,834\nzero\n"), "\(srt)")
        let txt = Vault.render(p, transcript: t, format: .txt, excerptID: "E")
        #expect(txt == "[00:00:05.000] REPORTER: The river was frozen that winter.\n[00:00:12.000] WITNESS: We waited.\n[00:00:20.000] zero\n")
        // The JSON export carries the same ends.
        let json = Vault.render(p, transcript: t, format: .json, excerptID: "E")
        #expect(json.contains("\"end\" : 12000") && json.contains("\"end\" : 20834"), "\(json)")
    }
}
