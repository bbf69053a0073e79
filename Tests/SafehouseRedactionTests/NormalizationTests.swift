import Foundation
import Testing
@testable import SafehouseRedaction

private let P0 = CorpusSupport.pseudonym(0)

@Suite("Normalization")
struct NormalizationTests {
    static let kim = SubjectEntry(name: "김영호")
    static let ryu = SubjectEntry(name: "류광석")

    @Test("folding maps every unit back to original scalars")
    func offsetMap() {
        var n = Normalizer()
        var out = NormalizedText()
        let original = "Ａ\u{200B}b\u{1100}\u{1161}\u{11A8}ŏ"
        n.normalize(original.unicodeScalars.map(\.value), into: &out)
        #expect(out.units == [0x61, 0x62, 0xAC01, 0x6F])
        #expect(out.start == [0, 2, 3, 6])
        #expect(out.end == [1, 3, 6, 7])
    }

    @Test("zero-width and other format characters inside a name", arguments: [
        "김\u{200B}영호", "김영\u{200D}호", "\u{FEFF}김영호", "김\u{00AD}영호", "김영\u{2060}호", "Kim\u{200B} Young\u{200C}-ho",
    ])
    func formatCharacters(_ text: String) throws {
        let out = try TestSupport.redact("그 사람은 \(text)입니다.", [Self.kim])
        #expect(out.contains("그 사람은 \u{FEFF}\(P0)입니다") || out == "그 사람은 \(P0)입니다.", "\(out)")
        #expect(!TestSupport.scorerNorm(out).contains("영호"))
    }

    @Test("full-width forms", arguments: ["Ｋｉｍ Ｙｏｕｎｇ－ｈｏ", "ＫＩＭ　ＹＯＵＮＧＨＯ"])
    func fullWidth(_ text: String) throws {
        let out = try TestSupport.redact("He is \(text).", [Self.kim])
        #expect(!TestSupport.scorerNorm(out).contains("young"), "\(out)")
        #expect(out.hasSuffix("."))
    }

    @Test("a line break, hyphen, middle dot or spaces inside a name", arguments: [
        "Kwang-\nsok Ryu", "Ryu Kwang-\nsok", "Ryu Kwang - sok", "류·광석", "류 광석", "류\n광석", "RYU KWANG SOK", "Ryu Kwangsok",
    ])
    func separatorsInside(_ text: String) throws {
        let out = try TestSupport.redact("I met \(text) there.", [Self.ryu])
        #expect(out == "I met \(P0) there.", "\(out)")
    }

    @Test("decomposed (NFD) Hangul and MR diacritics match")
    func decomposed() throws {
        let nfd = "김영호".decomposedStringWithCanonicalMapping
        #expect(nfd.unicodeScalars.count == 8)
        #expect(try TestSupport.redact("\(nfd)가 왔다", [Self.kim]) == "\(P0)가 왔다")
        #expect(try TestSupport.redact("Kim Yŏng-ho came", [Self.kim]) == "\(P0) came")
        let decomposedBreve = "Kim Yo\u{306}ng-ho came"
        #expect(try TestSupport.redact(decomposedBreve, [Self.kim]) == "\(P0) came")
    }

    @Test("case folding")
    func caseFolding() throws {
        for t in ["kim young-ho", "KIM YOUNG-HO", "kIm YoUnG-hO"] {
            #expect(try TestSupport.redact("said \(t).", [Self.kim]) == "said \(P0).")
        }
    }
}
