/// Mutable state while compiling a ``Lexicon``.
struct LexiconBuilder {
    var hangul = KeyedTrie()
    var roman = KeyedTrie()
    var tokens = DenseTrie(width: 26)
    var literal = KeyedTrie()
    var digits = DenseTrie(width: 10)
    var identifiers: [Lexicon.IdentifierInfo] = []
    var relativeKeys: [[UInt32]: Int32] = [:]
    var placeKeys: [[UInt32]: Int32] = [:]
    private var registered = Set<UInt32>()
    private var normalizer = Normalizer()

    mutating func build(_ subjects: [RedactionSubject]) {
        for t in NameExpander.titles { addToken(t, key: Lexicon.titleKey) }
        for (word, kind) in KeywordKind.words {
            let k = NameExpander.skeleton(normalizer.fold(word))
            literal.insert(k, Target(kind: .keyword, index: kind.rawValue))
        }
        for (si, s) in subjects.enumerated() {
            let e = s.entry
            let subject = Target(kind: .subject, index: Int32(si))
            if e.consent != .named {
                // Mr./Dr. + surname in every spelling only when the sheet itself uses such a form.
                let titled = e.aliases.contains { a in
                    NameExpander.tokens(normalizer.fold(a)).first.map { NameExpander.titles.contains(NameExpander.string($0)) } ?? false
                }
                addName(e.name, subject, isSubject: titled)
                for a in e.aliases { addName(a, subject, isSubject: titled, isAlias: true) }
            }
            for r in e.relatives {
                let folded = NameExpander.skeleton(normalizer.fold(r))
                guard !folded.isEmpty else { continue }
                let key = relativeKeys[folded] ?? Int32(relativeKeys.count)
                relativeKeys[folded] = key
                addName(r, Target(kind: .relative, index: key), isSubject: false)
            }
            for p in e.places { addPlace(p) }
            for id in e.identifiers { addIdentifier(id, subject: si) }
            let pseudo = NameExpander.skeleton(normalizer.fold(s.pseudonym))
            literal.insert(pseudo, Target(kind: .exclusion, index: Int32(si)))
        }
    }

    // MARK: names

    private mutating func addName(_ raw: String, _ target: Target, isSubject: Bool, isAlias: Bool = false) {
        let folded = normalizer.fold(raw)
        let readings = NameExpander.koreanReadings(folded)
        if !readings.isEmpty && (!isAlias || NameExpander.looksLikeKoreanName(folded)) {
            for r in readings { addKoreanName(r, target, withTitle: isSubject) }
            return
        }
        if let syl = NameExpander.hangulSyllables(folded) {
            addHangulWord(syl, target)
            return
        }
        let toks = NameExpander.tokens(folded)
        var t = target
        t.viaTitle = toks.count >= 2 && NameExpander.titles.contains(NameExpander.string(toks[0]))
        for v in NameExpander.literalVariants(folded, isAliasOrName: true) { literal.insert(v, t) }
    }

    private mutating func addKoreanName(_ n: NameExpander.KoreanName, _ target: Target, withTitle: Bool) {
        let s = n.surname.map(Hangul.canonical)
        let g = n.given.map(Hangul.canonical)
        let full = s + g
        var t = target
        t.wordStartOnly = full.count < 3
        hangul.insert(full, t)
        var givenTarget = target
        givenTarget.givenOnly = true
        if g.count >= 2 {
            var tg = givenTarget
            tg.wordStartOnly = true
            hangul.insert(g, tg)
        }
        let sPos = NameExpander.romanizedPositions(n.surname)
        let gPos = NameExpander.romanizedPositions(n.given)
        for seq in NameExpander.sequences(sPos + gPos) { addRoman(seq, target) }
        for seq in NameExpander.sequences(gPos + sPos) { addRoman(seq, target) }
        if g.count >= 2 { for seq in NameExpander.sequences(gPos) { addRoman(seq, givenTarget) } }
        if withTitle {
            var tt = target
            tt.viaTitle = true
            for seq in NameExpander.sequences(sPos) { addRoman([Lexicon.titleKey] + seq, tt) }
        }
    }

    /// A Hangul string that is not a personal name (nickname, place): whole word only.
    private mutating func addHangulWord(_ syl: [UInt32], _ target: Target) {
        var t = target
        t.wordStartOnly = syl.count < 3
        hangul.insert(syl.map(Hangul.canonical), t)
        for seq in NameExpander.sequences(NameExpander.romanizedPositions(syl)) { addRoman(seq, t) }
    }

    private mutating func addPlace(_ raw: String) {
        let folded = normalizer.fold(raw)
        let key = NameExpander.skeleton(folded)
        guard !key.isEmpty else { return }
        let idx = placeKeys[key] ?? Int32(placeKeys.count)
        placeKeys[key] = idx
        var target = Target(kind: .place, index: idx)
        target.allowsPlaceSuffix = true
        if let syl = NameExpander.hangulSyllables(folded) {
            addHangulWord(syl, target)
            // 회령시 → also 회령; village suffixes (동, 리) stay, their bases are often common words.
            if syl.count >= 3, let last = syl.last, [0xC2DC, 0xAD70, 0xB3C4].contains(last) {
                addHangulWord(Array(syl.dropLast()), target)
            }
        } else {
            for v in NameExpander.literalVariants(folded, isAliasOrName: false) { literal.insert(v, target) }
            literal.insert(key, target)
        }
    }

    private mutating func addRoman(_ seq: [UInt32], _ target: Target) {
        var keys: [UInt32] = []
        for syl in seq {
            if syl == Lexicon.titleKey { keys.append(syl); continue }
            let key = Hangul.canonical(syl)
            if registered.insert(syl).inserted {
                for spelling in Romanizer.classSpellings(of: syl) { addToken(spelling, key: key) }
            }
            keys.append(key)
        }
        var t = target
        t.wordStartOnly = false
        roman.insert(keys, t)
    }

    private mutating func addToken(_ spelling: String, key: UInt32) {
        let symbols = spelling.utf8.map { Int($0) - 0x61 }
        guard !symbols.isEmpty, symbols.allSatisfy({ (0..<26).contains($0) }) else { return }
        tokens.insert(symbols, payload: key)
    }

    // MARK: identifiers

    private mutating func addIdentifier(_ raw: String, subject: Int) {
        let folded = normalizer.fold(raw)
        let kind = IdentifierClassifier.classify(folded)
        let index = Int32(identifiers.count)
        identifiers.append(Lexicon.IdentifierInfo(kind: kind, subject: subject))
        let target = Target(kind: .identifier, index: index)
        if kind == .phone || kind == .rrn || IdentifierClassifier.isDigitLike(folded) {
            let ds = folded.filter(Normalizer.isDigit).map { Int($0) - 0x30 }
            guard ds.count >= 5 else { literal.insert(NameExpander.skeleton(folded), target); return }
            digits.insert(ds, payload: UInt32(index))
            if folded.first == 0x2B {  // +CC …: also the national forms with and without trunk 0
                for cc in 1...3 where ds.count - cc >= 7 {
                    let national = Array(ds.dropFirst(cc))
                    digits.insert(national, payload: UInt32(index))
                    if national.first != 0 { digits.insert([0] + national, payload: UInt32(index)) }
                }
            } else if ds.first == 0, ds.count >= 9 {
                let national = Array(ds.dropFirst())
                digits.insert(national, payload: UInt32(index))
                for cc in [[8, 2], [8, 1], [8, 6], [1]] { digits.insert(cc + national, payload: UInt32(index)) }
            }
        } else {
            literal.insert(NameExpander.skeleton(folded), target)
            if kind == .messenger, folded.first == 0x40 {
                literal.insert(NameExpander.skeleton(Array(folded.dropFirst())), target)
            }
        }
    }
}
