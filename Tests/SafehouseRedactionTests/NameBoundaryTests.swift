import Foundation
import Testing
@testable import SafehouseRedaction

private let P0 = CorpusSupport.pseudonym(0)
private let P1 = CorpusSupport.pseudonym(1)

/// Name parts are joined by space, hyphen, apostrophe/’, middle dot or a line break, never by
/// sentence punctuation: a romanized name must not be read across ". , ; : ! ?".
@Suite("Name boundaries")
struct NameBoundaryTests {
    static let sheet = [SubjectEntry(name: "김란철"), SubjectEntry(name: "인정훈")]

    @Test("regression: 'gim ran-chol. Kim Jong Un' redacts the subject and keeps Kim Jong Un (no exit 77)")
    func fullStopBeforeKimJongUn() throws {
        let r = try TestSupport.redactor(Self.sheet)
        let t = Transcript(cues: [Cue(start: 1000, speaker: "A", text: "gim ran-chol. Kim Jong Un")])
        let out = try r.redact(t)
        #expect(out.transcript.cues[0].text == "\(P0). Kim Jong Un")
        try r.leakCheck(out.transcript)
    }

    @Test("a given-name-first spelling stops at sentence punctuation", arguments: [
        ("Ran-chol, Kim said so", "\(P0), Kim said so"),
        ("we shouted ran-chol! Kim came", "we shouted \(P0)! Kim came"),
        ("Ran-chol; Kim Jong Un", "\(P0); Kim Jong Un"),
        ("Ran-chol: Kim Jong Un", "\(P0): Kim Jong Un"),
        ("Ran-chol? Kim Jong Un", "\(P0)? Kim Jong Un"),
        ("Ran-chol… Kim Jong Un", "\(P0)… Kim Jong Un"),
        ("gim ran-chol. Kim Jong Un's people", "\(P0). Kim Jong Un's people"),
    ])
    func punctuation(_ text: String, _ expected: String) throws {
        #expect(try TestSupport.redact(text, Self.sheet) == expected)
    }

    @Test("joiners still join: space, hyphen, apostrophe, ’, middle dot, line break", arguments: [
        "Ran chol Kim", "Ran-chol Kim", "Ran'chol Kim", "Ran’chol Kim", "Ran·chol Kim", "Ran-\nchol Kim", "Kim\nRan-chol",
        "Kim Ran-chol", "KIM RANCHOL", "Gim Ranchol",
    ])
    func joiners(_ spelling: String) throws {
        #expect(try TestSupport.redact("I met \(spelling) there", Self.sheet) == "I met \(P0) there")
    }

    @Test("a full stop still follows a title or an initial")
    func abbreviations() throws {
        let sheet = [SubjectEntry(name: "김영호", aliases: ["Mr. Kim"]), SubjectEntry(name: "Robert J. Whitfield")]
        #expect(try TestSupport.redact("Mr. Gim came", sheet) == "\(P0) came")
        #expect(try TestSupport.redact("Robert J. Whitfield came", sheet) == "\(P1) came")
    }

    @Test("a Hangul name is not read across a full stop either")
    func hangulFullStop() throws {
        // "…란. 철…": 란 ends one sentence and 철 starts the next.
        #expect(try TestSupport.redact("김란. 철수가 왔다", Self.sheet) == "김란. 철수가 왔다")
        #expect(try TestSupport.redact("김란철이 왔다", Self.sheet) == "\(P0)가 왔다")
    }

    @Test("a given name right after a full stop is not 'after another surname'")
    func givenAfterSentence() throws {
        let sheet = [SubjectEntry(name: "김영호")]
        #expect(try TestSupport.redact("I met Kim. Young-ho was there", sheet) == "I met Kim. \(P0) was there")
    }

    @Test("훈 romanizes as hun/hoon, never un: 'Jong Un' is not 정훈")
    func hunIsNotUn() throws {
        let s = Set(Romanizer.classSpellings(of: "훈".unicodeScalars.first!.value))
        #expect(s.contains("hun") && s.contains("hoon"))
        #expect(!s.contains("un"))
        for (a, b) in Romanizer.assimilated(0xC815, 0xD6C8) {  // 정, 훈
            #expect(Hangul.split(b).0 != Hangul.iNull, "정훈 must not become 정\(String(UnicodeScalar(b)!))")
            _ = a
        }
        let r = try TestSupport.redactor(Self.sheet)
        #expect(try TestSupport.redact("Jong Un's regime", with: r) == "Jong Un's regime")
        #expect(try TestSupport.redact("Jeong-hun came", with: r) == "\(P1) came")
        #expect(try TestSupport.redact("In Jong-hun came", with: r) == "\(P1) came")
        #expect(try TestSupport.redact("Chonghun In came", with: r) == "\(P1) came")
    }
}

@Suite("Name boundaries: glued dots")
struct GluedDotTests {
    @Test("a dot glued between letters (a handle) still joins name parts; '. ' does not")
    func gluedDot() throws {
        let sheet = [SubjectEntry(name: "김영호")]
        #expect(try TestSupport.redact("user kim.youngho wrote", sheet) == "user \(P0) wrote")
        #expect(try TestSupport.redact("user young.ho.kim wrote", sheet) == "user \(P0) wrote")
        #expect(try TestSupport.redact("I met Kim. Young-ho was there", sheet) == "I met Kim. \(P0) was there")
    }
}
