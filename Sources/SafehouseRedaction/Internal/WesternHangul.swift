/// Spells an English name in Hangul roughly the way Korean speakers and papers do
/// (Kessler → 케슬러, Fenwick → 펜윅, Harrow → 해로우), with a few variants for the vowels and
/// final consonants that are written more than one way.
///
/// Rule-based and approximate: it covers ordinary spellings, not every English irregularity. The
/// output is used only for a subject's distinctive surname, so a miss leaves the Latin matching
/// untouched and an extra variant costs nothing.
enum WesternHangul {
    private enum Unit: Equatable {
        case consonant(String)
        case vowel([Int])  // Hangul medial alternatives
        case rVowel([Int])  // a vowel coloured by a following r (Carter, Kessler)
    }

    private static let digraphs: [(String, String)] = [("tch", "ch"), ("ck", "k"), ("ch", "ch"), ("sh", "sh"), ("th", "th"), ("ph", "f"),
                                                        ("wh", "w"), ("ng", "ng"), ("qu", "kw"), ("x", "ks")]
    // Medials: ㅏ0 ㅐ1 ㅓ4 ㅔ5 ㅗ8 ㅜ13 ㅡ18 ㅣ20 ㅑ2 ㅖ7 ㅛ12 ㅠ17 ㅘ9 ㅝ14 ㅞ15 ㅟ16
    private static let vowelGroups: [(String, [Int], String)] = [
        ("ee", [20], ""), ("ea", [20], ""), ("ie", [20], ""), ("oo", [13], ""), ("ou", [8], "우"), ("ow", [8], "우"),
        ("ai", [5], "이"), ("ay", [5], "이"), ("ey", [20], ""), ("oa", [8], ""), ("au", [8], ""), ("aw", [8], ""),
        ("a", [1, 0], ""), ("e", [5], ""), ("i", [20], ""), ("o", [8, 4], ""), ("u", [4, 13], ""), ("y", [20], ""),
    ]

    /// Phonemes of a lowercase ASCII word: consonants (digraphs merged, doubles collapsed) and
    /// vowel groups with the Hangul syllable a diphthong adds (ow → 오우).
    private static func phonemes(_ word: String) -> [(Unit, String)] {
        var w = Substring(word)
        var units: [(Unit, String)] = []
        while let c = w.first {
            if let (g, m, tail) = vowelGroups.first(where: { w.hasPrefix($0.0) }), !(c == "y" && units.isEmpty) {
                // r after a vowel and before a consonant or the end colours the vowel (Carter, Turner).
                let rest = w.dropFirst(g.count)
                if rest.first == "r", !(rest.drop(while: { $0 == "r" }).first.map { "aeiouy".contains($0) } ?? false) {
                    let colored: [Int] = g == "a" ? [0] : g == "o" ? [8] : [4]
                    units.append((.rVowel(colored), ""))
                    w = rest.dropFirst()
                    while w.first == "r" { w = w.dropFirst() }
                    continue
                }
                // A silent final e (Blake, Hume).
                if g == "e", rest.isEmpty, !units.isEmpty { w = rest; continue }
                units.append((.vowel(m), tail))
                w = rest
                continue
            }
            var cons = String(c)
            if let (d, r) = digraphs.first(where: { w.hasPrefix($0.0) }) { cons = r; w = w.dropFirst(d.count) } else { w = w.dropFirst() }
            if cons == "c" { cons = (w.first.map { "eiy".contains($0) } ?? false) ? "s" : "k" }
            if cons.count == 2, cons == "kw" { units.append((.consonant("k"), "")); cons = "w" }
            if cons == "ks" { units.append((.consonant("k"), "")); cons = "s" }
            if case .consonant(let prev)? = units.last?.0, prev == cons { continue }  // ss, rr, ll
            units.append((.consonant(cons), ""))
        }
        return units
    }

    // MARK: Chinese characters (英汉译音, the usual characters for each sound)

    private static let hanzi: [String: [String]] = {
        let raw = """
        b:布 p:普 d:德 t:特 g:格 k:克 f:夫 v:夫 s:斯 z:兹 sh:什 ch:奇 j:吉 l:尔 r:尔 m:姆 n:恩 h:赫 th:斯 w:乌 y:伊 ng:恩 \
        ba:巴 pa:帕 da:达 ta:塔 ga:加 ka:卡 fa:法 va:瓦 sa:萨 za:扎 sha:沙 cha:查 ja:贾 la:拉 ra:拉 ma:马 na:纳 ha:哈 wa:瓦 ya:亚 a:阿 tha:萨 \
        be:贝 pe:佩 de:德 te:特 ge:格 ke:凯,克 fe:费 ve:维 se:塞 ze:泽 she:谢 che:切 je:杰 le:莱 re:雷 me:梅 ne:内 he:赫 we:韦 ye:耶 e:埃 the:瑟 \
        bi:比 pi:皮 di:迪 ti:蒂 gi:吉 ki:基 fi:菲 vi:维 si:西 zi:齐 shi:希 chi:奇 ji:吉 li:利 ri:里 mi:米 ni:尼 hi:希 wi:威 yi:伊 i:伊 thi:西 \
        bo:博 po:波 do:多 to:托 go:戈 ko:科 fo:福 vo:沃 so:索 zo:佐 sho:肖 cho:乔 jo:乔 lo:洛 ro:罗 mo:莫 no:诺 ho:霍 wo:沃 yo:约 o:奥 tho:索 \
        bu:布 pu:普 du:杜 tu:图 gu:古 ku:库 fu:富 vu:武 su:苏 zu:祖 shu:舒 chu:丘 ju:朱 lu:卢 ru:鲁 mu:穆 nu:努 hu:胡 wu:伍 yu:尤 u:乌 \
        br:伯 pr:珀 dr:德 tr:特 gr:格 kr:克 fr:弗 vr:弗 sr:瑟 zr:泽 shr:舍 chr:彻 jr:杰 lr:勒 rr:勒 mr:默 nr:纳 hr:赫 wr:沃 r:尔 \
        ban:班 pan:潘 dan:丹 tan:坦 gan:甘 kan:坎 fan:凡 van:万 san:桑 lan:兰 ran:兰 man:曼 nan:南 han:汉 wan:万 an:安 \
        ben:本 pen:彭 den:登 ten:滕 gen:根 ken:肯 fen:芬 ven:文 sen:森 len:伦 ren:伦 men:门 nen:嫩 hen:亨 wen:温 en:恩 \
        bin:宾 pin:平 din:丁 tin:廷 gin:金 kin:金 fin:芬 vin:文 sin:辛 lin:林 rin:林 min:明 nin:宁 hin:欣 win:温 in:因 \
        bon:邦 pon:庞 don:唐 ton:顿 gon:贡 kon:康 fon:丰 von:冯 son:森,逊 lon:朗 ron:朗 mon:蒙 non:农 hon:洪 won:温 on:翁
        """
        var t: [String: [String]] = [:]
        for e in raw.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let p = e.split(separator: ":")
            t[String(p[0])] = p[1].split(separator: ",").map(String.init)
        }
        return t
    }()

    private static func vowelClass(_ m: [Int]) -> String {
        switch m.first ?? 0 {
        case 0, 1, 2, 9: return "a"
        case 5, 7, 15: return "e"
        case 4, 6, 14: return "e"
        case 8, 12: return "o"
        case 13, 17, 18: return "u"
        default: return "i"
        }
    }

    /// Chinese characters for an English name (Kessler → 凯斯勒/克斯勒, Fenwick → 芬威克).
    static func chinese(_ word: String, limit: Int = 4) -> [String] {
        let units = phonemes(word)
        var results = [""]
        func add(_ key: String) -> Bool {
            guard let opts = hanzi[key] else { return false }
            var next: [String] = []
            for r in results { for o in opts where next.count < limit { next.append(r + o) } }
            results = next
            return true
        }
        var k = 0
        while k < units.count {
            var onset = ""
            if case .consonant(let c) = units[k].0 {
                onset = c
                guard k + 1 < units.count else { guard add(c) else { return [] }; k += 1; continue }
            }
            let vi = onset.isEmpty ? k : k + 1
            var cls = ""
            switch units[vi].0 {
            case .vowel(let m): cls = vowelClass(m)
            case .rVowel: cls = "r"
            case .consonant: guard add(onset) else { return [] }; k += 1; continue
            }
            // A nasal that closes the syllable (Fenwick → 芬, Clinton → 顿).
            if cls != "r", vi + 1 < units.count, units[vi + 1].0 == .consonant("n") {
                let nextIsVowel: Bool = { if vi + 2 < units.count, case .consonant = units[vi + 2].0 { return false }; return vi + 2 < units.count }()
                if !nextIsVowel, add(onset + cls + "n") { k = vi + 2; continue }
            }
            guard add(onset + cls) else { return [] }
            k = vi + 1
        }
        return results.filter { $0.unicodeScalars.count >= 3 }
    }

    /// Hangul spellings of one lowercase ASCII word (at most `limit`).
    static func spellings(_ word: String, limit: Int = 8) -> [String] {
        let units = phonemes(word).map { u -> (Unit, String) in
            if case .rVowel(let m) = u.0 { return (.vowel(m), u.1) }
            return u
        }
        var results = [[UInt32]()]
        func addSyllables(_ options: [[UInt32]]) {
            var next: [[UInt32]] = []
            for r in results { for o in options where next.count < limit { next.append(r + o) } }
            results = next
        }
        func setFinal(_ f: Int) {
            results = results.map { r in
                guard let last = r.last, Hangul.split(last).2 == 0 else { return r + [Hangul.compose(Hangul.iNull, 18, f)] }
                let (i, m, _) = Hangul.split(last)
                return Array(r.dropLast()) + [Hangul.compose(i, m, f)]
            }
        }
        let onsets: [String: Int] = ["b": 7, "k": 15, "d": 3, "f": 17, "g": 0, "h": 18, "j": 12, "l": 5, "m": 6, "n": 2, "p": 17,
                                     "r": 5, "s": 9, "t": 16, "v": 7, "z": 12, "th": 9, "sh": 9, "ch": 14, "ng": 11, "w": 11, "y": 11]
        var k = 0
        while k < units.count {
            let (u, tail) = units[k]
            switch u {
            case .vowel(let meds), .rVowel(let meds):
                addSyllables(meds.map { m in [Hangul.compose(Hangul.iNull, m, 0)] + tail.unicodeScalars.map(\.value) })
                k += 1
            case .consonant(let c):
                let nextVowel: [Int]? = { if k + 1 < units.count, case .vowel(let m) = units[k + 1].0 { return m }; return nil }()
                if let meds = nextVowel {
                    let tail = units[k + 1].1
                    var ms = meds
                    if c == "w" { ms = meds.map { [20: 16, 5: 15, 1: 9, 0: 9, 8: 14, 4: 14, 13: 14][$0] ?? $0 } }
                    if c == "y" { ms = meds.map { [0: 2, 1: 7, 4: 6, 5: 7, 8: 12, 13: 17][$0] ?? $0 } }
                    if c == "sh" { ms = meds.map { [0: 2, 1: 7, 4: 6, 5: 7, 8: 12, 13: 17][$0] ?? $0 } }
                    // An l before a vowel doubles into the syllable before (Kessler 케슬러, Miller 밀러).
                    if c == "l", k > 0 { setFinal(Hangul.fL) }
                    let ini = onsets[c] ?? Hangul.iNull
                    addSyllables(ms.map { [Hangul.compose(ini, $0, 0)] + tail.unicodeScalars.map(\.value) })
                    k += 2
                    continue
                }
                let afterVowel: Bool = { if k > 0, case .vowel = units[k - 1].0 { return true }; return false }()
                switch c {
                case "m": afterVowel ? setFinal(Hangul.fM) : addSyllables([[Hangul.compose(6, 18, 0)]])
                case "n": afterVowel ? setFinal(Hangul.fN) : addSyllables([[Hangul.compose(2, 18, 0)]])
                case "ng": setFinal(Hangul.fNg)
                case "l": setFinal(Hangul.fL)
                case "r": if !afterVowel { addSyllables([[Hangul.compose(5, 18, 0)]]) }
                case "k", "p", "t":
                    let final = c == "k" ? Hangul.fG : c == "p" ? Hangul.fB : Hangul.fS
                    let ini = onsets[c]!
                    if afterVowel {
                        let before = results
                        setFinal(final)
                        let closed = results
                        results = before
                        addSyllables([[Hangul.compose(ini, 18, 0)]])
                        results = Array((closed + results).prefix(limit))
                    } else {
                        addSyllables([[Hangul.compose(ini, 18, 0)]])
                    }
                case "sh": addSyllables([[Hangul.compose(9, 20, 0)], [Hangul.compose(9, 17, 0)]])
                case "ch": addSyllables([[Hangul.compose(14, 20, 0)]])
                case "j": addSyllables([[Hangul.compose(12, 20, 0)]])
                default: addSyllables([[Hangul.compose(onsets[c] ?? Hangul.iNull, 18, 0)]])
                }
                k += 1
            }
        }
        return results.filter { !$0.isEmpty }.map { String(String.UnicodeScalarView($0.compactMap(Unicode.Scalar.init))) }
    }
}
