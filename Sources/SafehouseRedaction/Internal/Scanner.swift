/// One hit in folded text, before overlaps are resolved.
struct RawMatch {
    enum Source: UInt8 { case hangul, roman, literal, digits, detector, dob }
    /// Folded-unit range.
    var start: Int
    var end: Int
    var source: Source
    /// Target-list index (hangul/roman/literal), identifier index (digits), detector kind, or year (dob).
    var payload: Int32
    /// Hangul: match starts a word. Dob: date written with 년/월/일.
    var flag: Bool = false
}

/// Finds every lexicon pattern and detector hit in folded text, in one left-to-right pass.
///
/// Hangul syllables walk a syllable trie from every position; romanized words walk a trie of
/// romanized syllables and, syllable by syllable, a trie of name-syllable keys (so the cartesian
/// product of spellings is never materialized); literal strings, digit identifiers and the
/// hand-written detectors run where their first unit appears.
struct Scanner {
    let lex: Lexicon
    // Held directly so that hot paths do not copy them out of the class on every call.
    private let hangulTrie: KeyedTrie
    private let romanTrie: KeyedTrie
    private let literalTrie: KeyedTrie
    private let tokenTrie: DenseTrie
    private let digitTrie: DenseTrie
    /// The romanized-trie node reached by a title key (Mr., Dr. …), or -1.
    private let titleNode: Int32
    private var stack: [(Int, Int32)] = []

    init(_ lex: Lexicon) {
        self.lex = lex
        hangulTrie = lex.hangul
        romanTrie = lex.roman
        literalTrie = lex.literal
        tokenTrie = lex.tokens
        digitTrie = lex.digits
        titleNode = lex.roman.child(0, Lexicon.titleKey)
    }

    /// Appends all hits in `text` to `out`.
    mutating func scan(_ text: NormalizedText, into out: inout [RawMatch]) {
        text.units.withUnsafeBufferPointer { s in scan(s, into: &out) }
    }

    private mutating func scan(_ s: UnsafeBufferPointer<UInt32>, into out: inout [RawMatch]) {
        let n = s.count
        var prev: UInt32 = 0x20
        var i = 0
        while i < n {
            let u = s[i]
            if u < 0x80 {
                if Normalizer.isASCIILetter(u) {
                    if !Normalizer.isASCIIAlnum(prev) {
                        if tokenTrie.child(0, Int(u) - 0x61) >= 0 { romanWord(s, i, &out) }
                        if literalTrie.rootBMP[Int(u)] >= 0 { literal(s, i, &out) }
                        if let e = PatternDetectors.passport(s, i) {
                            out.append(RawMatch(start: i, end: e, source: .detector, payload: Int32(DetectorKind.passport.rawValue)))
                        }
                    }
                } else if Normalizer.isDigit(u) {
                    if !Normalizer.isDigit(prev) {
                        digitIdentifier(s, i, &out)
                        if let e = PatternDetectors.chineseID(s, i) {
                            out.append(RawMatch(start: i, end: e, source: .detector, payload: Int32(DetectorKind.identifier.rawValue)))
                        }
                        if prev != 0x2E || !Normalizer.isDigit(i >= 2 ? s[i - 2] : 0) {
                            if let (a, b, k) = PatternDetectors.number(s, i) {
                                out.append(RawMatch(start: a, end: b, source: .detector, payload: Int32(k.rawValue)))
                            }
                            if let (a, b) = PatternDetectors.coordinates(s, i) {
                                out.append(RawMatch(start: a, end: b, source: .detector, payload: Int32(DetectorKind.coordinates.rawValue)))
                            }
                        }
                    }
                } else if u == 0x40 {
                    if let (a, b, k) = PatternDetectors.atSign(s, i) {
                        out.append(RawMatch(start: a, end: b, source: .detector, payload: Int32(k.rawValue)))
                    }
                    literal(s, i, &out)
                } else if u != 0x20 {
                    literal(s, i, &out)
                }
            } else if Hangul.isSyllable(u) {
                if hangulTrie.rootBMP[Int(Hangul.canonical(u))] >= 0 { hangulWord(s, i, atWordStart: !Hangul.isHangul(prev), &out) }
                if literalTrie.rootBMP[Int(u)] >= 0 { literal(s, i, &out) }
            } else if u < 0x10000 {
                if literalTrie.rootBMP[Int(u)] >= 0 { literal(s, i, &out) }
            } else {
                literal(s, i, &out)
            }
            prev = u
            i += 1
        }
    }

    /// Skips up to three name joiners (space, line break, hyphen, apostrophe, middle dot) from `p`;
    /// never sentence punctuation, so a name cannot be read across a full stop or a comma. A
    /// lone dot glued between two letters (`kim.youngho`, a handle, not the end of a sentence)
    /// still joins.
    @inline(__always)
    private func skipJoiners(_ s: UnsafeBufferPointer<UInt32>, _ p: Int) -> Int {
        guard p < s.count else { return p }
        if s[p] == 0x2E, p > 0, p + 1 < s.count, isLetter(s[p - 1]), isLetter(s[p + 1]) { return p + 1 }
        var q = p
        while q < s.count, q - p < 3, Normalizer.isNameJoiner(s[q]) { q += 1 }
        return q
    }

    @inline(__always)
    private func isLetter(_ u: UInt32) -> Bool { Normalizer.isASCIILetter(u) || Hangul.isSyllable(u) }

    /// Like ``skipJoiners(_:_:)``, but a full stop right after an abbreviation (a word of at most
    /// four letters ending at `p`: an initial, Mr, Dr, Prof …) may come first: "Mr. Kim",
    /// "Robert J. Whitfield". "… chol. Kim" is a sentence end, not an abbreviation.
    @inline(__always)
    private func skipAbbreviationGap(_ s: UnsafeBufferPointer<UInt32>, _ p: Int) -> Int {
        guard p < s.count, s[p] == 0x2E else { return skipJoiners(s, p) }
        var b = p
        while b > 0, p - b <= 4, Normalizer.isASCIILetter(s[b - 1]) { b -= 1 }
        let letters = p - b
        guard letters >= 1, letters <= 4, b == 0 || !Normalizer.isASCIILetter(s[b - 1]) else { return p }
        var q = p + 1
        while q < s.count, q - p < 3, Normalizer.isNameJoiner(s[q]) { q += 1 }
        return q
    }

    private func valid(_ list: [Target], atWordStart: Bool) -> Bool {
        atWordStart || list.contains { !$0.wordStartOnly }
    }

    // MARK: Hangul

    private func hangulValid(_ list: [Target], _ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ p: Int, atWordStart: Bool) -> Bool {
        list.contains { t in (atWordStart || !t.wordStartOnly) && KoreanBoundary.accepts(t.rule, s, start: i, end: p) }
    }

    private func hangulWord(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, atWordStart: Bool, _ out: inout [RawMatch]) {
        let trie = hangulTrie
        var node = trie.child(0, Hangul.canonical(s[i]))
        guard node >= 0 else { return }
        var p = i + 1
        var best: (Int, Int32)? = nil
        var joined = false
        var depth = 1
        while true {
            // Surname + title (박 선생님, 한씨, 오시마 씨): a title key under a surname of up to four syllables.
            if depth <= 4, atWordStart, !joined {
                let tn = trie.child(node, Lexicon.titleKey)
                if tn >= 0, trie.terminal[Int(tn)] >= 0, let e = KoreanBoundary.longest(s, skipJoiners(s, p), KoreanBoundary.surnameTitles),
                   best == nil || e > best!.0, hangulValid(trie.targetLists[Int(trie.terminal[Int(tn)])], s, i, e, atWordStart: true) {
                    best = (e, trie.terminal[Int(tn)])
                }
            }
            let t = trie.terminal[Int(node)]
            // A match across a space must start a word: "시장 덕수네" is not 장덕수.
            if t >= 0, best == nil || p > best!.0, atWordStart || !joined, hangulValid(trie.targetLists[Int(t)], s, i, p, atWordStart: atWordStart) {
                best = (p, t)
            }
            let q = skipJoiners(s, p)
            guard q < s.count, Hangul.isSyllable(s[q]) else { break }
            let c = trie.child(node, Hangul.canonical(s[q]))
            guard c >= 0 else { break }
            if q > p { joined = true }
            node = c
            depth += 1
            p = q + 1
        }
        if let (e, t) = best, !onlyGivenAfterSurname(trie.targetLists[Int(t)], s, i, hangul: true) {
            out.append(RawMatch(start: i, end: e, source: .hangul, payload: t, flag: atWordStart))
        }
    }

    // MARK: romanized names

    private mutating func romanWord(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ out: inout [RawMatch]) {
        let tokens = tokenTrie
        let roman = romanTrie
        guard tokens.child(0, Int(s[i]) - 0x61) >= 0 else { return }
        var best: (Int, Int32)? = nil
        stack.removeAll(keepingCapacity: true)
        stack.append((i, 0))
        var steps = 0
        while let (pos, node) = stack.popLast() {
            steps += 1
            if steps > 256 { break }
            // Parts of a name are joined by joiners only; a title alone may be followed by a
            // full stop ("Mr. Kim").
            let start = pos == i ? i : node == titleNode ? skipAbbreviationGap(s, pos) : skipJoiners(s, pos)
            var t: Int32 = 0
            var p = start
            while p < s.count {
                let u = s[p]
                if u == Normalizer.apostrophe && p > start && p + 1 < s.count && Normalizer.isASCIILetter(s[p + 1]) { p += 1; continue }
                guard Normalizer.isASCIILetter(u) else { break }
                t = tokens.child(t, Int(u) - 0x61)
                if t < 0 { break }
                p += 1
                let term = tokens.terminal[Int(t)]
                guard term >= 0 else { continue }
                for key in tokens.payloads[Int(term)] {
                    let c = roman.child(node, key)
                    guard c >= 0 else { continue }
                    let tl = roman.terminal[Int(c)]
                    if tl >= 0 {
                        let endOK = p >= s.count || !Normalizer.isASCIILetter(s[p])
                        if endOK, best == nil || p > best!.0 { best = (p, tl) }
                        let sufStart = endOK && p < s.count && s[p] == 0x2D ? p + 1 : p
                        if !endOK || sufStart > p, let e = placeSuffix(s, sufStart, roman.targetLists[Int(tl)]), best == nil || e > best!.0 {
                            best = (e, tl)
                        }
                    }
                    stack.append((p, c))
                }
            }
        }
        if let (e, t) = best, !onlyGivenAfterSurname(roman.targetLists[Int(t)], s, i, hangul: false),
           !(roman.targetLists[Int(t)].allSatisfy { $0.givenOnly } && Scanner.beforeInstitution(s, e)) {
            out.append(RawMatch(start: i, end: e, source: .roman, payload: t))
        }
    }

    /// Surname spellings that, right before a given name, make it someone else's full name.
    /// Common English words (you, so, an, son …) are left out on purpose: "thank you Young-ho".
    static let surnameWords: Set<[UInt32]> = Set("""
    kim gim lee yi ri rhee park pak bak choi choe jung jeong chung jong cheong kang gang cho yoon yun jang chang lim rim \
    shin sin han seo suh kwon gwon hwang ahn hong jeon jun chun chon koh mun yang ryang sohn bae pae baek paek baik heo \
    huh nam noh roh kwak gwak sung seong cha joo koo jin chin uhm eom chae cheon hyun hyeon hyon byun byeon pyon yeom \
    yeo choo seok seon seol gil kil pyo myung myeong wang keum geum maeng tak kook ryu yoo nahm whang
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.unicodeScalars.map(\.value)) })

    /// Whether every target is a lone given name and the word before is a (different) surname.
    private func onlyGivenAfterSurname(_ list: [Target], _ s: UnsafeBufferPointer<UInt32>, _ i: Int, hangul: Bool) -> Bool {
        guard list.allSatisfy({ $0.givenOnly }) else { return false }
        var p = i - 1
        var gap = 0
        while p >= 0, Normalizer.isNameJoiner(s[p]) { p -= 1; gap += 1 }
        guard gap >= 1 || hangul == false, p >= 0 else { return false }
        if hangul {
            guard gap >= 1, Hangul.commonSurnames.contains(s[p]) || Hangul.commonSurnames.contains(Hangul.canonical(s[p])) else { return false }
            return p == 0 || !Hangul.isHangul(s[p - 1])
        }
        var b = p
        while b >= 0, Normalizer.isASCIILetter(s[b]) { b -= 1 }
        guard b < p, gap >= 1 else { return false }
        return Scanner.surnameWords.contains(Array(s[(b + 1)...p]))
    }

    /// Words after a name that make it the name of an institution or a place (Minjoo Party,
    /// Kyungnam University): a given name alone is not read as a person there.
    static let institutionWords: Set<[UInt32]> = Set("""
    party university college school province river street station palace park city county district mountain temple hall \
    bank hospital airport road bridge island lake sea church company group foundation institute center centre museum gate \
    square market hotel line movement uprising democracy
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.unicodeScalars.map(\.value)) })

    static func beforeInstitution(_ s: UnsafeBufferPointer<UInt32>, _ e: Int) -> Bool {
        guard e + 1 < s.count, s[e] == 0x20 else { return false }
        var p = e + 1
        while p < s.count, Normalizer.isASCIILetter(s[p]), p - e < 14 { p += 1 }
        return p > e + 1 && institutionWords.contains(Array(s[(e + 1)..<p]))
    }

    private static let placeSuffixes: [[UInt32]] = ["si", "shi", "gun", "kun", "dong", "tong", "ri", "ni", "do", "to", "eup", "up",
                                                    "myeon", "myon", "gu", "ku", "ro", "gil", "kil", "city", "county"]
        .map { $0.unicodeScalars.map(\.value) }

    /// A joined administrative suffix (Hoeryongsi) after a place spelling ending at `p`.
    private func placeSuffix(_ s: UnsafeBufferPointer<UInt32>, _ p: Int, _ list: [Target]) -> Int? {
        guard list.contains(where: { $0.allowsPlaceSuffix }) else { return nil }
        for suf in Scanner.placeSuffixes where p + suf.count <= s.count {
            if (0..<suf.count).allSatisfy({ s[p + $0] == suf[$0] }) {
                let e = p + suf.count
                if e >= s.count || !Normalizer.isASCIILetter(s[e]) { return e }
            }
        }
        return nil
    }

    // MARK: literal strings and keywords

    private func literal(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ out: inout [RawMatch]) {
        let trie = literalTrie
        var node = trie.child(0, s[i])
        guard node >= 0 else { return }
        if Normalizer.isASCIIAlnum(s[i]), i > 0, Normalizer.isASCIIAlnum(s[i - 1]) { return }
        var p = i + 1
        var best: (Int, Int32)? = nil
        while true {
            let t = trie.terminal[Int(node)]
            if t >= 0 {
                let list = trie.targetLists[Int(t)]
                let endOK = !Normalizer.isASCIIAlnum(s[p - 1]) || p >= s.count || !Normalizer.isASCIIAlnum(s[p])
                if list.contains(where: { $0.kind == .keyword }) { keyword(s, i, p, list, &out) }
                if endOK, list.contains(where: { $0.kind != .keyword }) { best = (p, t) }
            }
            var q = p
            if q < s.count, trie.child(node, s[q]) < 0 { q = skipAbbreviationGap(s, p) }
            guard q < s.count else { break }
            let c = trie.child(node, s[q])
            guard c >= 0 else { break }
            node = c
            p = q + 1
        }
        if let (e, t) = best { out.append(RawMatch(start: i, end: e, source: .literal, payload: t)) }
    }

    private func keyword(_ s: UnsafeBufferPointer<UInt32>, _ ks: Int, _ ke: Int, _ list: [Target], _ out: inout [RawMatch]) {
        for t in list where t.kind == .keyword {
            switch KeywordKind(rawValue: t.index) {
            case .dob:
                let lo = max(0, ks - 30), hi = min(s.count, ke + 40)
                var p = lo
                while p < hi {
                    let u = s[p]
                    let startsRun = (Normalizer.isDigit(u) && (p == 0 || !Normalizer.isDigit(s[p - 1])))
                        || (Normalizer.isASCIILetter(u) && (p == 0 || !Normalizer.isASCIILetter(s[p - 1])))
                    if startsRun, let (e, year, korean) = PatternDetectors.date(s, p) {
                        out.append(RawMatch(start: p, end: e, source: .dob, payload: Int32(year), flag: korean))
                        p = e
                        continue
                    }
                    p += 1
                }
            case .messenger:
                if let (a, b) = PatternDetectors.messengerID(s, after: ke) {
                    out.append(RawMatch(start: a, end: b, source: .detector, payload: Int32(DetectorKind.messenger.rawValue)))
                }
            case .wxid:
                if let (a, b) = PatternDetectors.wxid(s, keywordStart: ks, end: ke) {
                    out.append(RawMatch(start: a, end: b, source: .detector, payload: Int32(DetectorKind.messenger.rawValue)))
                }
            case nil: break
            }
        }
    }

    // MARK: digit identifiers from the sheet

    /// What may stand between the digit groups of a sheet number or date: phone punctuation and
    /// the date units 年 月 년 월.
    private static let digitSeparators: Set<UInt32> = [0x20, 0x2D, 0x2E, 0x28, 0x29, 0x2F, 0x2B, 0x5E74, 0x6708, 0xB144, 0xC6D4]

    private func digitIdentifier(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ out: inout [RawMatch]) {
        let trie = digitTrie
        var node = trie.child(0, Int(s[i]) - 0x30)
        guard node >= 0 else { return }
        var start = i
        if i > 0, s[i - 1] == 0x2B || s[i - 1] == 0x28 { start = i - 1 }
        var p = i + 1
        var best: (Int, Int32)? = nil
        while true {
            let t = trie.terminal[Int(node)]
            if t >= 0, p >= s.count || !Normalizer.isDigit(s[p]) { best = (p, t) }
            var q = p, run = 0
            while q < s.count, run < 2, Scanner.digitSeparators.contains(s[q]) { q += 1; run += 1 }
            guard q < s.count, Normalizer.isDigit(s[q]) else { break }
            let c = trie.child(node, Int(s[q]) - 0x30)
            guard c >= 0 else { break }
            node = c
            p = q + 1
        }
        if var (e, t) = best {
            // A resident ID's check character X (22240119790824157X).
            if e < s.count, s[e] == 0x78, e + 1 >= s.count || !Normalizer.isASCIIAlnum(s[e + 1]) { e += 1 }
            out.append(RawMatch(start: start, end: e, source: .digits, payload: Int32(trie.payloads[Int(t)][0])))
        }
    }
}
