import Foundation
import Testing
@testable import SafehouseRedaction

private let P0 = CorpusSupport.pseudonym(0)
private let P1 = CorpusSupport.pseudonym(1)

/// The general classes of names and identifiers the redactor must find beyond the sheet's own
/// spellings, each with controls that must survive. All names here are invented.
@Suite("Generalization")
struct GeneralizationTests {
    static let korean = [
        SubjectEntry(name: "문누리", relatives: ["문가람", "백옥순"], places: ["고산"]),
        SubjectEntry(name: "탁민성", identifiers: ["1987-04-05", "010-2222-3333"]),
        SubjectEntry(name: "오경태"),
    ]

    // MARK: Hangul boundaries

    @Test("a given name that is also a word stays a word", arguments: [
        "누리꾼들이", "누리집에 올렸다", "온 누리에 퍼졌다", "누리가 밝다", "가람 건너", "고산지대", "백두고산", "민성대학교", "민성궁 앞",
        "식탁 민성표", "신문 가람", "오늘 오 분만", "오른쪽",
    ])
    func wordsSurvive(_ text: String) throws {
        #expect(try TestSupport.redact(text, Self.korean) == text)
    }

    /// Checks that `name` is gone from `text`, the pseudonym stands where it was, and the text
    /// before it is unchanged (the particle after it may agree with the pseudonym).
    static func replaced(_ text: String, _ name: String, _ pseudonym: String, _ sheet: [SubjectEntry]) throws {
        let out = try TestSupport.redact(text, sheet)
        let before = String(text[..<text.range(of: name)!.lowerBound])
        #expect(out.hasPrefix(before + pseudonym), "\(text) → \(out)")
        #expect(!out.contains(name), "\(text) → \(out)")
    }

    @Test("a given name in personal use is replaced", arguments: [
        ("누리야, 밥 먹자", "누리", 0), ("누리 씨가 왔다", "누리", 0), ("동생 누리가 울었다", "누리", 0), ("누리한테 물어봐", "누리", 0),
        ("엄마는 \"우리 누리\"라고", "누리", 0), ("민성이가 왔다", "민성", 1), ("민성 씨", "민성", 1), ("민성아", "민성", 1),
        ("국군포로탁민성 귀환", "탁민성", 1), ("가람이한테", "가람", -1),
    ])
    func personalUses(_ text: String, _ name: String, _ subject: Int) throws {
        try Self.replaced(text, name, subject >= 0 ? CorpusSupport.pseudonym(subject) : "[RELATIVE 1]", Self.korean)
    }

    @Test("a subject's place matches as a word or with an administrative suffix")
    func places() throws {
        #expect(try TestSupport.redact("고산에서 왔다", Self.korean) == "[PLACE 1]에서 왔다")
        #expect(try TestSupport.redact("고산군 사람", Self.korean) == "[PLACE 1]군 사람")
        #expect(try TestSupport.redact("백두고산", Self.korean) == "백두고산")
    }

    @Test("a match never begins or ends inside another word")
    func neverInsideAWord() throws {
        let sheet = [SubjectEntry(name: "서누리")]
        try Self.replaced("미국에서 누리야", "누리", P0, sheet)
        #expect(try TestSupport.redact("시장 서누리", sheet) == "시장 \(P0)")
        #expect(try TestSupport.redact("그 질문서 누리꾼", sheet) == "그 질문서 누리꾼")
    }

    // MARK: surname + title

    @Test("surname + title not on the sheet", arguments: [
        ("오 선생님이 오셨다", "오 선생님", 2), ("다들 오 동무라고", "오 동무", 2), ("오씨 아저씨", "오씨", 2), ("Mr. Oh said", "Mr. Oh", 2),
        ("Grandpa Oh said", "Grandpa Oh", 2), ("문 여사", "문 여사", 0),
    ])
    func surnameTitles(_ text: String, _ name: String, _ subject: Int) throws {
        try Self.replaced(text, name, CorpusSupport.pseudonym(subject), Self.korean)
    }

    // MARK: Western names

    static let western = [SubjectEntry(name: "William Tobias Ravenscroft"), SubjectEntry(name: "Margaret Ellen Thornbury")]

    @Test("Western given names, short forms, titles, handles and CamelCase", arguments: [
        ("everyone calls me Bill.", "everyone calls me \(P0)."), ("Billy came", "\(P0) came"), ("Bill's car", "\(P0)'s car"),
        ("Will Ravenscroft came", "\(P0) came"), ("Pastor Ravenscroft", "\(P0)"), ("Peggy and Maggie", "\(P1) and \(P1)"),
        ("#FreeMaggieThornbury now", "#Free\(P1) now"), ("see github.com/wtravenscroft", "see github.com/\(P0)"),
        ("아이들은 윌리엄! 하고", "아이들은 \(P0)! 하고"), ("그냥 빌.", "그냥 \(P0)."), ("빌 선생님", "\(P0) 선생님"),
    ])
    func westernNames(_ text: String, _ expected: String) throws {
        #expect(try TestSupport.redact(text, Self.western) == expected)
    }

    @Test("Western controls: words and public figures with the same given name", arguments: [
        "paid the bill", "you will see", "Bill Gates", "Queen Margaret", "Margaret Atwood", "빌딩 청소", "돈을 빌려서", "peggy-back",
    ])
    func westernControls(_ text: String) throws {
        #expect(try TestSupport.redact(text, Self.western) == text)
    }

    @Test("an English surname in Chinese characters")
    func westernChinese() throws {
        #expect(WesternHangul.chinese("hadwick").contains("哈德威克"))
        let out = try TestSupport.redact("大家叫他哈德威克牧师。", [SubjectEntry(name: "Thomas Hadwick")])
        #expect(out == "大家叫他\(P0)牧师。")
    }

    @Test("English names spelled in Hangul")
    func westernHangul() {
        #expect(WesternHangul.spellings("miller").contains("밀러"))
        #expect(WesternHangul.spellings("carter").contains("카터"))
        #expect(WesternHangul.spellings("ravenscroft").count >= 1)
    }

    // MARK: Chinese

    static let chinese = [SubjectEntry(name: "王晓明", places: ["八道镇"], country: "CN")]

    @Test("a Chinese name in every script", arguments: [
        "王曉明", "Wang Xiaoming", "Xiaoming Wang", "Wáng Xiǎomíng", "Wang Xiao Ming", "老王", "小王", "王老板", "王先生", "王师傅",
        "晓明也行", "왕효명", "왕샤오밍", "왕 사장", "Mr. Wang", "팔도진", "八道鎮",
    ])
    func chineseForms(_ text: String) throws {
        let out = try TestSupport.redact(text, Self.chinese)
        #expect(out != text)
        #expect(!TestSupport.scorerNorm(out).contains(TestSupport.scorerNorm(text)))
    }

    @Test("pinyin initials in a handle, and a Hangul place written in Chinese characters")
    func initialsAndHanjaPlaces() throws {
        #expect(!(try TestSupport.redact("微信是wxm_88", Self.chinese)).contains("wxm"))
        #expect(try TestSupport.redact("高山에서 왔다", Self.korean) == "[PLACE 1]에서 왔다")
    }

    @Test("Chinese controls", arguments: ["明天见", "王府井", "晓得了", "山东", "八道江"])
    func chineseControls(_ text: String) throws {
        #expect(try TestSupport.redact(text, Self.chinese) == text)
    }

    @Test("Mandarin syllables in Hangul")
    func mandarinHangul() {
        #expect(ChineseNames.hangul(ofPinyin: "xiao") == ["샤오", "사오"])
        #expect(ChineseNames.hangul(ofPinyin: "guo") == ["궈"])
        #expect(ChineseNames.hangul(ofPinyin: "liu").contains("류"))
        #expect(ChineseNames.hangul(ofPinyin: "liu").contains("리우"))
        #expect(ChineseNames.simplified(0x9673) == 0x9648)  // 陳 → 陈
    }

    // MARK: Japanese

    static let japanese = [SubjectEntry(name: "田中恭子", country: "JP")]

    @Test("a Japanese name in every script", arguments: [
        "田中さん", "Tanaka-san", "恭子", "きょうこ", "キョウコ", "Kyoko Tanaka", "Tanaka Kyouko", "TANAKA", "다나카 씨", "교코",
        "恭ちゃん", "たなか きょうこ",
    ])
    func japaneseForms(_ text: String) throws {
        let out = try TestSupport.redact(text, Self.japanese)
        #expect(!TestSupport.scorerNorm(out).contains(TestSupport.scorerNorm(text)))
    }

    @Test("Japanese controls", arguments: ["きょうは晴れ", "田中角栄の時代", "恭しく", "子ども"])
    func japaneseControls(_ text: String) throws {
        #expect(try TestSupport.redact(text, Self.japanese) == text)
    }

    // MARK: identifiers

    @Test("a date of birth from the sheet in other notations", arguments: [
        "1987. 4. 5.", "1987年4月5日", "昭和62年4月5日", "1987년 4월 5일", "1987-04-05",
    ])
    func dates(_ text: String) throws {
        let out = try TestSupport.redact("생 \(text)이에요", Self.korean)
        #expect(!out.contains("1987"))
        #expect(!out.contains("62年"))
    }

    @Test("a historical date stays")
    func historicalDate() throws {
        #expect(try TestSupport.redact("1953년 7월 27일", Self.korean) == "1953년 7월 27일")
    }

    @Test("Chinese resident IDs with a valid check character", arguments: ["11010519850612342X", "110105198506123411"])
    func chineseID(_ id: String) throws {
        #expect(try TestSupport.redact("号码是\(id)。", Self.korean) == "号码是[ID]。")
    }

    @Test("a phone number split across two cues is removed from both")
    func splitPhone() throws {
        let r = try TestSupport.redactor(Self.korean)
        let t = Transcript(cues: [Cue(start: 0, speaker: "A", text: "번호는 010-2222-"), Cue(start: 1000, text: "3333이에요.")])
        let out = try r.redact(t).transcript
        #expect(!out.cues[0].text.contains("2222"))
        #expect(!out.cues[1].text.contains("3333"))
        #expect(out.cues[1].text.hasSuffix("이에요."))
    }

    @Test("a name split across two cues (subtitles break lines anywhere) is removed from both, in Hangul and romanized",
          arguments: [("저는 문", "누리를 만났어요"), ("I met Mun", "Nu-ri in Gosan"), ("I met Moon", "Nuri yesterday"), ("어제 탁", "민성 씨가")])
    func splitName(_ parts: (String, String)) throws {
        let r = try TestSupport.redactor(Self.korean)
        let t = Transcript(cues: [Cue(start: 0, speaker: "A", text: parts.0), Cue(start: 2000, speaker: "B", text: parts.1)])
        let out = try r.redact(t).transcript
        let family = String(parts.0.split(separator: " ").last!), given = String(parts.1.split(separator: " ").first!)
        #expect(!out.cues[0].text.hasSuffix(family), "\(out.cues)")
        #expect(!out.cues[1].text.hasPrefix(given), "\(out.cues)")
        // The words around the name stay.
        #expect(out.cues[0].text.hasPrefix(String(parts.0.split(separator: " ").first!)), "\(out.cues)")
    }

    @Test("a cue closed by punctuation is not joined to the next, and ordinary words across a boundary stay")
    func noJoinAfterPunctuation() throws {
        let r = try TestSupport.redactor(Self.korean)
        let t = Transcript(cues: [Cue(start: 0, text: "We walked to the river"), Cue(start: 2000, text: "and waited there.")])
        #expect(try r.redact(t).transcript.cues.map(\.text) == ["We walked to the river", "and waited there."])
    }
}
