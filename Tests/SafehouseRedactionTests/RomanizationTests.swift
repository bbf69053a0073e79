import Foundation
import Testing
@testable import SafehouseRedaction

private let P0 = CorpusSupport.pseudonym(0)

/// Romanization tables checked against published spellings (RR, McCune–Reischauer, DPRK, and
/// well-known personal spellings of public figures).
@Suite("Romanization")
struct RomanizationTests {
    static func spellings(_ syllable: String) -> Set<String> {
        Set(Romanizer.classSpellings(of: syllable.unicodeScalars.first!.value))
    }

    @Test("per-syllable tables include RR, MR (diacritics dropped) and common forms", arguments: [
        ("김", ["gim", "kim"]), ("영", ["yeong", "yong", "young"]), ("호", ["ho"]), ("철", ["cheol", "chol", "chul"]),
        ("민", ["min"]), ("류", ["ryu", "yu", "yoo", "lyu"]), ("광", ["gwang", "kwang"]), ("석", ["seok", "sok", "suk"]),
        ("희", ["hui", "hee", "heui", "hi"]), ("정", ["jeong", "jong", "jung", "chung", "chong"]), ("은", ["eun", "un"]),
        ("이", ["i", "yi", "lee", "ri", "rhee"]), ("박", ["bak", "pak", "park"]), ("최", ["choe", "choi"]),
        ("회", ["hoe"]), ("령", ["ryeong", "ryong", "yeong"]), ("선", ["seon", "son", "sun"]), ("경", ["gyeong", "kyong", "kyung"]),
    ])
    func tables(_ syllable: String, _ expected: [String]) {
        let s = Self.spellings(syllable)
        for e in expected { #expect(s.contains(e), "\(syllable) should romanize as \(e)") }
    }

    @Test("initial-sound rule: North and South spellings share one key")
    func initialSound() {
        func key(_ s: String) -> UInt32 { Hangul.canonical(s.unicodeScalars.first!.value) }
        for (a, b) in [("리", "이"), ("림", "임"), ("류", "유"), ("로", "노"), ("량", "양"), ("려", "여"), ("녀", "여"), ("라", "나"),
                       ("례", "예"), ("룡", "용"), ("뢰", "뇌")] {
            #expect(key(a) == key(b), "\(a)/\(b)")
        }
        #expect(key("김") != key("이"))
        #expect(key("이") != key("미"))
    }

    @Test("assimilation across syllables (석민 → Seongmin, 신라 → Silla)")
    func assimilation() {
        let seokmin = Romanizer.assimilated(0xC11D, 0xBBFC)  // 석, 민
        #expect(seokmin.contains { $0.0 == 0xC131 })  // 성
        let silla = Romanizer.assimilated(0xC2E0, 0xB77C)  // 신, 라
        #expect(silla.contains { $0.0 == 0xC2E4 && $0.1 == 0xB77C })  // 실라
    }

    @Test("published spellings of whole names are matched", arguments: [
        ("김영호", ["Gim Yeongho", "Kim Young-ho", "Kim Yŏng-ho", "Youngho Kim", "Yeong-ho", "KIM YONG HO"]),
        ("류광석", ["Ryu Kwang-sok", "Yoo Kwang-seok", "Yu Gwangseok", "Kwang-seok Yoo", "Lyu Kwangsuk"]),
        ("철민", ["Ch'ŏlmin", "Cheolmin", "Chol-min", "Chulmin"]),
        ("박정희", ["Park Chung-hee", "Pak Chŏng-hŭi", "Bak Jeonghui"]),
        ("리설주", ["Ri Sol Ju", "Lee Seol-ju", "Yi Seolju"]),
        ("한복남", ["Han Boknam", "Han Bok-nam", "Han Pongnam"]),
        ("김석민", ["Kim Seongmin", "Kim Seok-min", "Kim Sŏngmin"]),
        ("남궁민수", ["Namgung Min-su", "Namkoong Minsoo", "Minsu Namgung"]),
        ("선우경희", ["Seonu Gyeonghui", "Sunwoo Kyung-hee", "Sŏnu Kyŏnghŭi"]),
        ("림은정", ["Rim Un-jong", "Lim Eun-jeong", "Im Eunjung", "Yim Eun-jung"]),
    ])
    func wholeNames(_ name: String, _ spellings: [String]) throws {
        let r = try TestSupport.redactor([SubjectEntry(name: name)])
        for s in spellings {
            let out = try TestSupport.redact("we met \(s) there", with: r)
            #expect(out == "we met \(P0) there", "\(name): \(s) → \(out)")
        }
    }

    @Test("places romanize too: 회령, 유선동, 아오지, 무산")
    func places() throws {
        let r = try TestSupport.redactor([SubjectEntry(name: "김영호", places: ["회령", "유선동", "아오지", "무산"])])
        for s in ["Hoeryong", "Hoeryŏng", "Hoeryeong", "Hoeryong-si", "Hoeryongsi", "Yuson-dong", "Yuseon-dong", "Yusondong", "Aoji", "Musan"] {
            let out = try TestSupport.redact("near \(s) then", with: r)
            #expect(out.hasPrefix("near [PLACE ") && out.hasSuffix("] then"), "\(s) → \(out)")
        }
        #expect(try TestSupport.redact("회령에서 무산까지", with: r) == "[PLACE 1]에서 [PLACE 2]까지")
    }

    @Test("the romanized-Korean recognizer used for review candidates")
    func recognizer() {
        for w in ["cholsu", "chol", "minho", "kwangsok", "yeong"] { #expect(Romanizer.isRomanizedKorean(Array(w.utf8), maxSyllables: 2), "\(w)") }
        for w in ["strength", "xylophone", "bread", "qq"] { #expect(!Romanizer.isRomanizedKorean(Array(w.utf8), maxSyllables: 2), "\(w)") }
    }
}
