import Foundation
import Testing
@testable import SafehouseRedaction

@Suite("Fail-closed scan")
struct FailClosedTests {
    static let sheet = [SubjectEntry(name: "김영호", relatives: ["김순희"], places: ["회령"], identifiers: ["010-2345-6789"])]

    @Test("leakCheck on raw text throws, naming the cue and kind but no identity", arguments: [
        ("평범한 문장", "Kim Young-ho was there", "name"),
        ("평범한 문장", "어머니 김순희", "relative"),
        ("평범한 문장", "Hoeryong", "place"),
        ("평범한 문장", "전화 010-2345-6789", "phone"),
        ("평범한 문장", "mail x.y@example.org", "email"),
    ])
    func rawTextThrows(_ first: String, _ second: String, _ kind: String) throws {
        let r = try TestSupport.redactor(Self.sheet)
        let t = Transcript(cues: [Cue(text: first), Cue(text: second)])
        #expect(throws: RedactionError.leakCheckFailed(cue: 2, kind: kind)) { try r.leakCheck(t) }
        do { try r.leakCheck(t) } catch {
            let message = "\(error)"
            for identity in ["김영호", "Kim", "김순희", "Hoeryong", "010-2345-6789", "x.y@"] { #expect(!message.contains(identity)) }
            #expect(message.contains("cue 2"))
        }
    }

    @Test("a naive replacement that misses a spelling is caught; the redactor's own output passes")
    func bypassedReplacement() throws {
        let r = try TestSupport.redactor(Self.sheet)
        let text = "김영호는 Kim Yeong-ho, 또는 KIM YOUNG HO"
        // A redactor that only knew the Hangul spelling would leave the romanizations behind.
        let naive = Transcript(cues: [Cue(text: text.replacingOccurrences(of: "김영호", with: "W-XXXX"))])
        #expect(throws: RedactionError.leakCheckFailed(cue: 1, kind: "name")) { try r.leakCheck(naive) }
        let redacted = try r.redact(Transcript(cues: [Cue(text: text)]))
        try r.leakCheck(redacted.transcript)
        #expect(redacted.report.counts["name"] == 3)
    }

    @Test("speaker labels are scanned and redacted too")
    func speakers() throws {
        let r = try TestSupport.redactor(Self.sheet)
        let t = Transcript(cues: [Cue(start: 0, speaker: "영호", text: "안녕하세요")])
        #expect(throws: RedactionError.leakCheckFailed(cue: 1, kind: "name")) { try r.leakCheck(t) }
        let out = try r.redact(t)
        #expect(out.transcript.cues[0].speaker == CorpusSupport.pseudonym(0))
        #expect(out.report.cuesTouched == 1)
    }

    @Test("pseudonyms and placeholders in a redacted transcript do not trip the scan")
    func placeholdersPass() throws {
        let r = try TestSupport.redactor(Self.sheet)
        try r.leakCheck(Transcript(cues: [Cue(text: "\(CorpusSupport.pseudonym(0))는 [PLACE 1]의 [RELATIVE 1]과 [PHONE]")]))
    }
}
