import Foundation
import Testing
@testable import SafehouseRedaction

@Suite("Consent")
struct ConsentTests {
    static let expert = SubjectEntry(name: "정석진", aliases: ["Professor Jeong"], relatives: ["정미숙"], places: ["온성"],
                                     identifiers: ["seokjin.jeong@example.ac.kr"], consent: .named, category: .expert)
    static let withdrawn = SubjectEntry(name: "박순희", identifiers: ["090-8765-4321"], consent: .withdrawn)
    static let defector = SubjectEntry(name: "김영호", consent: .pseudonym)

    @Test("named keeps the names, still removes identifiers, relatives and places")
    func named() throws {
        let r = try TestSupport.redactor([Self.expert, Self.defector])
        let out = try TestSupport.redact("정석진 교수(Professor Jeong, Jeong Seok-jin)는 seokjin.jeong@example.ac.kr, 딸 정미숙, 온성 출신", with: r)
        #expect(out == "정석진 교수(Professor Jeong, Jeong Seok-jin)는 [EMAIL], 딸 [RELATIVE 1], [PLACE 1] 출신")
    }

    @Test("withdrawn: any mention throws, naming the pseudonym only")
    func withdrawnThrows() throws {
        let r = try Redactor(subjects: [RedactionSubject(entry: Self.defector, pseudonym: "W-AAAA"),
                                        RedactionSubject(entry: Self.withdrawn, pseudonym: "W-WDRN")])
        for text in ["박순희가 말했다", "Park Soon-hee said", "순희야", "call 090-8765-4321"] {
            #expect(throws: RedactionError.consentWithdrawn(pseudonym: "W-WDRN")) {
                try r.redact(Transcript(cues: [Cue(text: "ok"), Cue(text: text)]))
            }
        }
        do {
            _ = try r.redact(Transcript(cues: [Cue(text: "박순희")]))
        } catch {
            #expect(!"\(error)".contains("박순희") && !"\(error)".contains("Soon"))
            #expect("\(error)".contains("W-WDRN"))
        }
        #expect(try TestSupport.redact("김영호만 나온다", with: r) == "W-AAAA만 나온다")
    }

    @Test("a name shared by two subjects resolves to the one named unambiguously, else [PERSON]")
    func sharedGivenName() throws {
        let a = SubjectEntry(name: "김영호"), b = SubjectEntry(name: "박영호")
        let r = try Redactor(subjects: [RedactionSubject(entry: a, pseudonym: "W-AAAA"), RedactionSubject(entry: b, pseudonym: "W-BBBB")])
        let t = Transcript(cues: [Cue(text: "영호가 왔다"), Cue(text: "박영호 씨 얘기예요")])
        let out = try r.redact(t).transcript
        #expect(out.cues.map(\.text) == ["W-BBBB가 왔다", "W-BBBB 씨 얘기예요"])
        let alone = try r.redact(Transcript(cues: [Cue(text: "영호가 왔다")])).transcript
        #expect(alone.cues[0].text == "[PERSON]이 왔다")  // N reads 엔
    }
}
