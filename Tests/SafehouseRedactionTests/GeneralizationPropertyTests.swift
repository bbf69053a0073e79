import Foundation
import PropertyBased
import Testing
@testable import SafehouseRedaction

/// Random Korean/English text with subject names inserted before every particle and honorific
/// and next to every kind of neighbouring word: each name is replaced, and nothing outside the
/// replaced spans changes (except the particle right after a name, which agrees with the
/// replacement exactly as ``ParticleAgreement`` says).
@Suite("Generalization properties")
struct GeneralizationPropertyTests {
    static let sheet = [SubjectEntry(name: "탁민성"), SubjectEntry(name: "Gideon Farquhar")]

    /// (spelling, subject, may be glued to the word before it)
    static let forms: [(String, Int, Bool)] = [
        ("탁민성", 0, true), ("민성", 0, false), ("Tak Min-seong", 0, false), ("Gideon Farquhar", 1, false),
        ("Farquhar", 1, false), ("Gideon", 1, false),
    ]
    static let suffixes = [
        "", "이", "가", "은", "는", "을", "를", "에", "에서", "의", "도", "만", "와", "과", "랑", "이랑", "한테", "께", " 씨", "님",
        " 선생님", " 여사", " 할머니", " 할아버지", " 동무", " 사장", " 기사", " 목사님", "야", "아", "이가", "이는", "이에요", "처럼",
    ]
    /// Neighbouring words, including ones ending in the surname syllable (식탁, 공민). No filler is
    /// a bare surname syllable: "민 민성" reads as another person (민민성) and is left alone on purpose.
    static let fillers = [
        "시장", "신문", "공장장", "하늘색", "우리", "동생", "그", "질문", "사람", "학교에서", "어제", "오늘", "정말", "장마당", "식탁",
        "탁자", "민주주의", "성공", "the", "market", "and", "said", "yesterday", "river", "son", "gift", "미국에서", "공민",
    ]
    static let separators = [" ", ", ", ". ", " (", ") ", "! ", "? ", "… ", " - ", "\n", ": "]

    /// Builds a text and the exact expected redaction from random choices.
    static func build(_ choices: [Int]) -> (String, String) {
        var text = ""
        var expected = ""
        var pendingName: (String, String)? = nil  // (name, pseudonym) whose particle comes next
        func emit(_ piece: String) {
            text += piece
            expected += piece
        }
        func emitAfterName(_ following: String) {
            guard let (name, pseudonym) = pendingName else { emit(following); return }
            pendingName = nil
            text += following
            let scalars = Array(following.unicodeScalars.map(\.value))
            var e = 0
            while e < scalars.count, e < 4, Hangul.isSyllable(scalars[e]) { e += 1 }
            let last = name.unicodeScalars.last!.value
            let consonant = Hangul.isSyllable(last) && Hangul.hasFinal(last)
            if e > 0, let (drop, new) = ParticleAgreement.rewrite(scalars[0..<e], nameEndsInConsonant: consonant,
                                                                   replacement: ParticleAgreement.final(of: pseudonym)) {
                expected += String(String.UnicodeScalarView((new + scalars.dropFirst(drop)).compactMap(Unicode.Scalar.init)))
            } else {
                expected += following
            }
        }
        for v in choices {
            let filler = fillers[v % fillers.count]
            let sep1 = separators[(v / 31) % separators.count]
            let (name, subject, glueOK) = forms[(v / 401) % forms.count]
            let suffix = suffixes[(v / 2_503) % suffixes.count]
            let glued = glueOK && (v / 7) % 2 == 0
            emitAfterName(sep1)
            emit(filler)
            guard v % 5 != 0 else { continue }
            // A name after a word needs a boundary unless it is a glued full name.
            if !glued { emit(separators[(v / 13) % separators.count]) }
            text += name
            let pseudonym = CorpusSupport.pseudonym(subject)
            expected += pseudonym
            pendingName = (name, pseudonym)
            emitAfterName(suffix)
        }
        emitAfterName(".")
        return (text, expected)
    }

    @Test func everyInsertedNameGoesAndNothingElseChanges() async throws {
        let r = try TestSupport.redactor(Self.sheet)
        await propertyCheck(count: 300, input: Gen.int(in: 0...1_000_000).array(of: 1...12)) { choices in
            let (text, expected) = Self.build(choices)
            let out = try? TestSupport.redact(text, with: r)
            #expect(out == expected, "input: \(text)")
        }
    }

    @Test("every suffix after every spelling, one at a time")
    func exhaustiveSuffixes() throws {
        let r = try TestSupport.redactor(Self.sheet)
        for (k, _) in Self.forms.enumerated() {
            for (j, _) in Self.suffixes.enumerated() {
                for f in [0, 3, 6, 18] {
                    let v = f + 401 * k + 2_503 * j + 1
                    guard v % 5 != 0 else { continue }
                    let (text, expected) = Self.build([v])
                    #expect(try TestSupport.redact(text, with: r) == expected, "input: \(text)")
                }
            }
        }
    }
}
