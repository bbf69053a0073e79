import Foundation
import Testing
@testable import SafehouseRedaction

@Suite("Redactor")
struct RedactorTests {
    static let sheet = [SubjectEntry(name: "김영호", relatives: ["김순희"], places: ["회령"], identifiers: ["010-2345-6789"])]

    @Test("lexicon digest: stable hex, changes with the lexicon")
    func digest() throws {
        let a = try TestSupport.redactor(Self.sheet).lexiconDigest
        #expect(a == (try TestSupport.redactor(Self.sheet).lexiconDigest))
        #expect(a.count == 16 && a.allSatisfy(\.isHexDigit))
        var other = Self.sheet
        other[0].places.append("무산")
        #expect(a != (try TestSupport.redactor(other).lexiconDigest))
        #expect(a != (try TestSupport.redactor([]).lexiconDigest))
    }

    @Test("init rejects duplicate or empty pseudonyms without naming the subject")
    func pseudonymValidation() {
        let e = SubjectEntry(name: "김영호")
        #expect(throws: RedactionError.self) { try Redactor(subjects: [RedactionSubject(entry: e, pseudonym: "")]) }
        #expect(throws: RedactionError.self) {
            try Redactor(subjects: [RedactionSubject(entry: e, pseudonym: "W-A"), RedactionSubject(entry: e, pseudonym: "W-A")])
        }
    }

    @Test("report: counts per type, cues touched, stable placeholder numbering")
    func report() throws {
        let r = try TestSupport.redactor(Self.sheet + [SubjectEntry(name: "박순희", places: ["무산"])])
        let t = Transcript(cues: [Cue(text: "김영호는 회령에서 왔고 어머니 김순희는 무산에 있다"), Cue(text: "아무 일 없음"),
                                  Cue(text: "Hoeryong, Musan, 010-2345-6789, a@b.org")])
        let result = try r.redact(t)
        #expect(result.transcript.cues[0].text == "\(CorpusSupport.pseudonym(0))는 [PLACE 1]에서 왔고 어머니 [RELATIVE 1]은 [PLACE 2]에 있다")
        #expect(result.transcript.cues[2].text == "[PLACE 1], [PLACE 2], [PHONE], [EMAIL]")
        #expect(result.report.counts == ["name": 1, "place": 4, "relative": 1, "phone": 1, "email": 1])
        #expect(result.report.cuesTouched == 2)
        let json = try JSONEncoder().encode(result.report)
        #expect(try JSONDecoder().decode(RedactionReport.self, from: json) == result.report)
    }

    @Test("unknown names are reported as candidates, not redacted", arguments: [
        ("박철수는 아직 거기 있어요", "박철수", "hangul-name-before-particle"),
        ("최 씨가 그랬어요", nil, nil),
        ("Then Mr. Pak arrived", "Mr Pak", "title-and-name"),
        ("I met Pak Chol-su there", "Pak Chol-su", "romanized-korean-name"),
        ("Lee Min Ho sang", "Lee Min Ho", "romanized-korean-name"),
        ("Kim, Lee and Park", nil, nil),
    ] as [(String, String?, String?)])
    func candidates(_ text: String, _ expected: String?, _ reason: String?) throws {
        let r = try TestSupport.redactor(Self.sheet)
        let result = try r.redact(Transcript(cues: [Cue(text: text)]))
        #expect(result.transcript.cues[0].text == text)
        if let e = expected {
            #expect(result.report.candidates == [RedactionReport.Candidate(text: e, cue: 1, reason: reason!)])
        } else {
            #expect(result.report.candidates.isEmpty)
        }
    }

    @Test("Hanja names match as given and by their Korean reading, NFKC-normalized")
    func hanja() throws {
        let r = try TestSupport.redactor([SubjectEntry(name: "黃大成", aliases: ["朴順姫"])])
        #expect(try TestSupport.redact("브로커 黃大成가 왔다", with: r) == "브로커 \(CorpusSupport.pseudonym(0))가 왔다")
        #expect(try TestSupport.redact("朴順姫 씨", with: r) == "\(CorpusSupport.pseudonym(0)) 씨")
        #expect(try TestSupport.redact("황대성은 다른 사람", with: r).hasPrefix(CorpusSupport.pseudonym(0)))
        #expect(try TestSupport.redact("황대정은 다른 사람", with: r) == "황대정은 다른 사람")
    }

    @Test("Western names: full, without middle initial, distinctive surname, never a bare common surname")
    func western() throws {
        let r = try TestSupport.redactor([SubjectEntry(name: "Robert J. Whitfield"), SubjectEntry(name: "Zhang Wei"), SubjectEntry(name: "Kim")])
        let p0 = CorpusSupport.pseudonym(0), p1 = CorpusSupport.pseudonym(1)
        #expect(try TestSupport.redact("Robert J. Whitfield, Robert Whitfield, Whitfield, Mr. Whitfield", with: r) == "\(p0), \(p0), \(p0), \(p0)")
        #expect(try TestSupport.redact("Zhang Wei and Wei Zhang, but Zhang Yimou and Robert Downey", with: r) == "\(p1) and \(p1), but Zhang Yimou and Robert Downey")
        #expect(try TestSupport.redact("Kim said", with: r) == "Kim said")
    }
}
