/// Readings of common Japanese surnames and given names, and the spellings derived from a
/// reading: Hepburn variants (Kudō/Kudou/Kudo/Kudoh), hiragana, katakana and Hangul (구도).
///
/// Readings are written in Hepburn with long vowels spelled out (`kudou`, `ooshima`).
enum JapaneseNames {
    private static let raw = """
    佐藤:satou 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:itou 渡辺:watanabe 山本:yamamoto 中村:nakamura 小林:kobayashi \
    加藤:katou 吉田:yoshida 山田:yamada 佐々木:sasaki 山口:yamaguchi 松本:matsumoto 井上:inoue 木村:kimura 林:hayashi \
    斎藤:saitou 清水:shimizu 山崎:yamazaki 森:mori 池田:ikeda 橋本:hashimoto 阿部:abe 石川:ishikawa 山下:yamashita \
    中島:nakajima 石井:ishii 小川:ogawa 前田:maeda 岡田:okada 長谷川:hasegawa 藤田:fujita 後藤:gotou 近藤:kondou \
    村上:murakami 遠藤:endou 青木:aoki 坂本:sakamoto 工藤:kudou 大島:ooshima 横田:yokota 有本:arimoto 増元:masumoto \
    蓮池:hasuike 地村:chimura 曽我:soga 市川:ichikawa 松木:matsuki 原:hara 田口:taguchi 久米:kume 寺越:terakoshi \
    大野:oono 小野:ono 太田:oota 大田:oota 大塚:ootsuka 大西:oonishi 大川:ookawa 大山:ooyama 大谷:ootani 大久保:ookubo \
    須藤:sudou 内藤:naitou 安藤:andou 武藤:mutou 佐野:sano 菊地:kikuchi 千葉:chiba 岩崎:iwasaki 野口:noguchi 松田:matsuda \
    上田:ueda 原田:harada 和田:wada 中川:nakagawa 中野:nakano 小島:kojima 高木:takagi 福田:fukuda 西村:nishimura \
    金子:kaneko 藤井:fujii 三浦:miura 岡本:okamoto 松井:matsui 竹内:takeuchi 中山:nakayama 石田:ishida 小山:koyama \
    恭平:kyouhei 千春:chiharu 浩二:kouji 幸子:sachiko 浩:hiroshi 浩一:kouichi 健二:kenji 健一:kenichi 誠:makoto \
    大輔:daisuke 翔太:shouta 拓也:takuya 直樹:naoki 和也:kazuya 達也:tatsuya 修:osamu 茂:shigeru 隆:takashi 清:kiyoshi \
    勇:isamu 明:akira 正:tadashi 博:hiroshi 一郎:ichirou 二郎:jirou 太郎:tarou 次郎:jirou 三郎:saburou 健太:kenta \
    裕子:yuuko 恵子:keiko 洋子:youko 和子:kazuko 京子:kyouko 久美子:kumiko 由美子:yumiko 明美:akemi 美香:mika \
    直美:naomi 智子:tomoko 陽子:youko 真理子:mariko 節子:setsuko 春子:haruko 花子:hanako 恵:megumi 優子:yuuko \
    千代:chiyo 美穂:miho 明子:akiko 典子:noriko 悦子:etsuko 文子:fumiko 秀樹:hideki 秀夫:hideo 正男:masao 実:minoru \
    進:susumu 薫:kaoru 学:manabu 剛:tsuyoshi 翼:tsubasa 蓮:ren 陽翔:haruto 康夫:yasuo 信夫:nobuo 俊夫:toshio \
    恭子:kyouko 恭介:kyousuke 浩平:kouhei 修平:shuuhei 洋平:youhei 航平:kouhei 幸一:kouichi 幸男:yukio 千尋:chihiro \
    春樹:haruki 由紀:yuki 雪子:yukiko 美智子:michiko 芳子:yoshiko 勝:masaru 豊:yutaka 哲也:tetsuya 健:ken 亮:ryou
    """

    /// Reading of a kanji name part, or nil.
    static let readings: [String: String] = {
        var t: [String: String] = [:]
        for e in raw.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let p = e.split(separator: ":")
            if t[String(p[0])] == nil { t[String(p[0])] = String(p[1]) }
        }
        return t
    }()

    /// Surname/given split of a kanji name by the reading table (longest known surname first).
    static func split(_ name: String) -> (String, String)? {
        let c = Array(name)
        guard c.count >= 2 else { return nil }
        for n in stride(from: min(3, c.count - 1), through: 1, by: -1) {
            let s = String(c[0..<n]), g = String(c[n...])
            if readings[s] != nil, readings[g] != nil { return (s, g) }
        }
        for n in stride(from: min(3, c.count - 1), through: 1, by: -1) where readings[String(c[0..<n])] != nil {
            return (String(c[0..<n]), String(c[n...]))
        }
        return nil
    }

    /// Honorifics after a name, in kana/kanji and romanized.
    static let honorifics = ["さん", "様", "さま", "先生", "氏", "君", "くん", "ちゃん", "殿"]
    static let romanHonorifics = ["san", "sama", "sensei", "kun", "chan", "shi"]

    // MARK: spellings of a reading

    /// Romanized spellings: long vowels as ou/oo, o, oh, and (the normalizer drops macrons) plain.
    static func romanVariants(_ r: String) -> [String] {
        var out = [r]
        func add(_ s: String) { if !out.contains(s) { out.append(s) } }
        for (long, forms) in [("ou", ["o", "oh", "oo"]), ("oo", ["o", "oh", "ou"]), ("uu", ["u"]), ("ei", ["e"])] where r.contains(long) {
            for f in forms {
                add(r.replacingOccurrences(of: long, with: f))
            }
        }
        // kudou → kudoh only at the end is common; mixed forms stay few.
        return out
    }

    private static let kanaTable: [(String, String)] = [
        ("kya", "きゃ"), ("kyu", "きゅ"), ("kyo", "きょ"), ("sha", "しゃ"), ("shu", "しゅ"), ("sho", "しょ"), ("cha", "ちゃ"),
        ("chu", "ちゅ"), ("cho", "ちょ"), ("nya", "にゃ"), ("nyu", "にゅ"), ("nyo", "にょ"), ("hya", "ひゃ"), ("hyu", "ひゅ"),
        ("hyo", "ひょ"), ("mya", "みゃ"), ("myu", "みゅ"), ("myo", "みょ"), ("rya", "りゃ"), ("ryu", "りゅ"), ("ryo", "りょ"),
        ("gya", "ぎゃ"), ("gyu", "ぎゅ"), ("gyo", "ぎょ"), ("ja", "じゃ"), ("ju", "じゅ"), ("jo", "じょ"), ("bya", "びゃ"),
        ("byu", "びゅ"), ("byo", "びょ"), ("pya", "ぴゃ"), ("pyu", "ぴゅ"), ("pyo", "ぴょ"),
        ("shi", "し"), ("chi", "ち"), ("tsu", "つ"), ("fu", "ふ"), ("ji", "じ"),
        ("ka", "か"), ("ki", "き"), ("ku", "く"), ("ke", "け"), ("ko", "こ"), ("sa", "さ"), ("su", "す"), ("se", "せ"), ("so", "そ"),
        ("ta", "た"), ("te", "て"), ("to", "と"), ("na", "な"), ("ni", "に"), ("nu", "ぬ"), ("ne", "ね"), ("no", "の"),
        ("ha", "は"), ("hi", "ひ"), ("he", "へ"), ("ho", "ほ"), ("ma", "ま"), ("mi", "み"), ("mu", "む"), ("me", "め"), ("mo", "も"),
        ("ya", "や"), ("yu", "ゆ"), ("yo", "よ"), ("ra", "ら"), ("ri", "り"), ("ru", "る"), ("re", "れ"), ("ro", "ろ"),
        ("wa", "わ"), ("ga", "が"), ("gi", "ぎ"), ("gu", "ぐ"), ("ge", "げ"), ("go", "ご"), ("za", "ざ"), ("zu", "ず"), ("ze", "ぜ"),
        ("zo", "ぞ"), ("da", "だ"), ("de", "で"), ("do", "ど"), ("ba", "ば"), ("bi", "び"), ("bu", "ぶ"), ("be", "べ"), ("bo", "ぼ"),
        ("pa", "ぱ"), ("pi", "ぴ"), ("pu", "ぷ"), ("pe", "ぺ"), ("po", "ぽ"), ("a", "あ"), ("i", "い"), ("u", "う"), ("e", "え"),
        ("o", "お"), ("n", "ん"),
    ]

    /// Hiragana of a reading (`kudou` → くどう), or nil when it does not parse.
    static func hiragana(_ r: String) -> String? {
        var s = Substring(r)
        var out = ""
        while !s.isEmpty {
            if s.count >= 2, let f = s.first, f == s.dropFirst().first, !"aeioun".contains(f) { out += "っ"; s = s.dropFirst(); continue }
            guard let (roman, kana) = kanaTable.first(where: { s.hasPrefix($0.0) }) else { return nil }
            out += kana
            s = s.dropFirst(roman.count)
        }
        return out
    }

    /// Katakana of a hiragana string, plain and with ー for long vowels (キョウヘイ, キョーヘー is rare: ウ→ー only).
    static func katakana(_ h: String) -> [String] {
        let k = String(String.UnicodeScalarView(h.unicodeScalars.map { u in
            (0x3041...0x3096).contains(u.value) ? Unicode.Scalar(u.value + 0x60)! : u
        }))
        var out = [k]
        let scalars = Array(k.unicodeScalars)
        var long: [Unicode.Scalar] = []
        for (i, u) in scalars.enumerated() {
            // ウ after an o-row kana reads as a long vowel: コウジ → コージ.
            if u == "ウ", i > 0, "オコソトノホモヨロゴゾドボポョ".unicodeScalars.contains(scalars[i - 1]) { long.append("ー") } else { long.append(u) }
        }
        let l = String(String.UnicodeScalarView(long))
        if l != k { out.append(l) }
        return out
    }

    /// Hangul of a reading under the Korean orthography for Japanese (구도 교헤이, 오시마 고지),
    /// with the informal aspirated initial too (치하루 beside 지하루).
    static func hangul(_ r: String) -> [String] {
        // Long vowels are not written: drop the second vowel of ou/oo/uu (ei stays: 헤이).
        var s = r.replacingOccurrences(of: "ou", with: "o").replacingOccurrences(of: "oo", with: "o").replacingOccurrences(of: "uu", with: "u")
        var results = [""]
        var first = true
        while !s.isEmpty {
            if s.hasPrefix("n"), !(s.dropFirst().first.map { "aeiouy".contains($0) } ?? false) {
                results = results.map(addFinal(Hangul.fN))
                s.removeFirst(); continue
            }
            if s.count >= 2, let f = s.first, f == s.dropFirst().first, !"aeioun".contains(f) {
                results = results.map(addFinal(Hangul.fS))
                s.removeFirst(); continue
            }
            guard let (roman, syls) = syllable(s, first: first) else { return [] }
            var next: [String] = []
            for base in results { for y in syls where next.count < 8 { next.append(base + y) } }
            results = next
            s.removeFirst(roman.count)
            first = false
        }
        return results
    }

    private static func addFinal(_ f: Int) -> (String) -> String {
        { str in
            guard let last = str.unicodeScalars.last, Hangul.isSyllable(last.value), Hangul.split(last.value).2 == 0 else { return str }
            let (i, m, _) = Hangul.split(last.value)
            return String(str.unicodeScalars.dropLast()) + String(Character(Unicode.Scalar(Hangul.compose(i, m, f))!))
        }
    }

    /// One kana syllable in Hangul: returns the romaji consumed and the spellings.
    private static func syllable(_ s: String, first: Bool) -> (String, [String])? {
        let vowels: [Character: Int] = ["a": 0, "i": 20, "u": 13, "e": 5, "o": 8]
        let yVowels: [Character: Int] = ["a": 2, "u": 17, "o": 12]
        // (romaji onset, initial word-first, initial elsewhere, y-glide)
        let onsets: [(String, [Int], [Int], Bool)] = [
            ("ky", [Hangul.iG], [Hangul.iK], true), ("gy", [Hangul.iG], [Hangul.iG], true), ("sh", [Hangul.iS], [Hangul.iS], true),
            ("ch", [Hangul.iJ, Hangul.iCh], [Hangul.iCh], true), ("ts", [10], [10], false), ("ny", [Hangul.iN], [Hangul.iN], true),
            ("hy", [Hangul.iH], [Hangul.iH], true), ("my", [Hangul.iM], [Hangul.iM], true), ("ry", [Hangul.iR], [Hangul.iR], true),
            ("by", [Hangul.iB], [Hangul.iB], true), ("py", [Hangul.iP], [Hangul.iP], true), ("k", [Hangul.iG], [Hangul.iK], false),
            ("g", [Hangul.iG], [Hangul.iG], false), ("s", [Hangul.iS], [Hangul.iS], false), ("z", [Hangul.iJ], [Hangul.iJ], false),
            ("j", [Hangul.iJ], [Hangul.iJ], false), ("t", [Hangul.iD], [Hangul.iT], false), ("d", [Hangul.iD], [Hangul.iD], false),
            ("n", [Hangul.iN], [Hangul.iN], false), ("h", [Hangul.iH], [Hangul.iH], false), ("f", [Hangul.iH], [Hangul.iH], false),
            ("b", [Hangul.iB], [Hangul.iB], false), ("p", [Hangul.iP], [Hangul.iP], false), ("m", [Hangul.iM], [Hangul.iM], false),
            ("y", [Hangul.iNull], [Hangul.iNull], true), ("r", [Hangul.iR], [Hangul.iR], false), ("w", [Hangul.iNull], [Hangul.iNull], false),
            ("", [Hangul.iNull], [Hangul.iNull], false),
        ]
        for (on, wf, mid, glide) in onsets where s.hasPrefix(on) {
            let rest = s.dropFirst(on.count)
            guard let v = rest.first, let plainV = vowels[v] else { continue }
            var m = plainV
            let onsetPalatal = on == "sh" || on == "ch" || on == "j"
            if glide && !onsetPalatal { guard let yv = yVowels[v] else { continue }; m = yv }
            if on == "w" { m = 9 }  // わ → 와
            if on == "ts" { m = v == "u" ? 18 : plainV }  // つ → 쓰
            let inits = first ? wf : mid
            return (on + String(v), inits.map { String(Character(Unicode.Scalar(Hangul.compose($0, m, 0))!)) })
        }
        return nil
    }
}
