import Foundation
import Testing
@testable import SafehouseRedaction

/// Over-redaction is a defect: public names and ordinary words must survive a large, common-surname sheet.
@Suite("Over-redaction controls")
struct OverRedactionTests {
    static let sheet: [SubjectEntry] = [
        SubjectEntry(name: "김영호", aliases: ["Mr. Kim"]), SubjectEntry(name: "리철민", aliases: ["Ri Chol-min"]),
        SubjectEntry(name: "박순희"), SubjectEntry(name: "이정수"), SubjectEntry(name: "정은희"), SubjectEntry(name: "박정은"),
        SubjectEntry(name: "최경수", places: ["온성"]), SubjectEntry(name: "Robert J. Whitfield"), SubjectEntry(name: "Zhang Wei"),
    ]

    @Test("controls survive", arguments: [
        "김치 한 통", "김정은 정권", "Kim Jong Un's people", "Kyungnam University", "Tumen River", "이 문제를", "정부가",
        "경남대학교 북한학과", "두만강을 건넜다", "Red Cross", "prisoners of war", "human rights", "the border", "Kim, Lee and Park",
        "Robert Downey", "Wei said", "Zhang Yimou", "송환", "국군포로", "탄광", "armistice", "Young people",
        "Pak and Choi", "in so far as", "Sunday",
    ])
    func survives(_ text: String) throws {
        #expect(try TestSupport.redact(text, Self.sheet) == text)
    }

    @Test("a given name inside another word is not a name")
    func insideWord() throws {
        #expect(try TestSupport.redact("제영호텔", Self.sheet) == "제영호텔")
        // A given name alone ends at a word end or before a particle or honorific, never inside a word.
        #expect(try TestSupport.redact("순희망", Self.sheet) == "순희망")
        #expect(try TestSupport.redact("순희가", Self.sheet) != "순희가")
    }

    @Test("a subject's given name that is also a public name stays inside the longer word (경남 vs 경남대학교)")
    func givenNameThatIsAWord() throws {
        #expect(try TestSupport.redact("경남대학교", [SubjectEntry(name: "최경남")]) == "경남대학교")
        #expect(try TestSupport.redact("경남아, 가자", [SubjectEntry(name: "최경남")]) == "\(CorpusSupport.pseudonym(0))야, 가자")
    }

    @Test("title + surname in any spelling, whether or not the sheet has a title form")
    func titles() throws {
        let sheet = [SubjectEntry(name: "김영호", aliases: ["Mr. Kim"]), SubjectEntry(name: "이정수")]
        #expect(try TestSupport.redact("Dr. Gim and Mr. Lee", sheet) == "\(CorpusSupport.pseudonym(0)) and \(CorpusSupport.pseudonym(1))")
        #expect(try TestSupport.redact("Mr. Park came", sheet) == "Mr. Park came")
    }
}
