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
                let western = NameExpander.isLatin(normalizer.fold(e.name))
                addName(e.name, subject, isSubject: true, western: western, country: e.country)
                for a in e.aliases { addName(a, subject, isSubject: true, isAlias: true, western: western, country: e.country) }
            }
            for r in e.relatives {
                let folded = NameExpander.skeleton(normalizer.fold(r))
                guard !folded.isEmpty else { continue }
                let key = relativeKeys[folded] ?? Int32(relativeKeys.count)
                relativeKeys[folded] = key
                // A named subject's relatives share the surname: "Professor Jeong" stays the expert's.
                addName(r, Target(kind: .relative, index: key), isSubject: e.consent != .named, western: NameExpander.isLatin(folded),
                        country: e.country)
            }
            for p in e.places { addPlace(p) }
            for id in e.identifiers { addIdentifier(id, subject: si) }
            let pseudo = NameExpander.skeleton(normalizer.fold(s.pseudonym))
            literal.insert(pseudo, Target(kind: .exclusion, index: Int32(si)))
        }
    }

    // MARK: names

    private mutating func addName(_ raw: String, _ target: Target, isSubject: Bool, isAlias: Bool = false, western: Bool = false,
                                  country: String? = nil) {
        let folded = normalizer.fold(raw)
        let ideographs = NameExpander.skeleton(folded)
        if ChineseNames.isHanzi(ideographs), (2...4).contains(ideographs.count) {
            let rawIdeographs = String(raw.filter { !$0.isWhitespace && $0 != "·" && $0 != "・" })
            if country == "JP" || (country != "CN" && JapaneseNames.split(rawIdeographs) != nil) {
                addJapaneseName(rawIdeographs, target)
            } else {
                addChineseName(ideographs, target)
            }
        }
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
        for v in NameExpander.literalVariants(folded, isAliasOrName: true, western: western) { literal.insert(v, t) }
        if western, !t.viaTitle, toks.count >= 2 { addWesternForms(toks, target) }
    }

    /// A Western given name alone and its short forms (capitalised, not before another
    /// capitalised name: "Bill", not "a bill" or "Bill Clinton"), short form + surname, initials
    /// + surname (wafenwick), and the Hangul spellings of the given name and its short forms.
    private mutating func addWesternForms(_ toks: [[UInt32]], _ target: Target) {
        let names = toks.filter { $0.count > 1 }
        guard let given = names.first.map(NameExpander.string), let last = names.last, names.count >= 2 else { return }
        var alone = target
        alone.capitalized = true
        alone.givenOnly = true
        let forms = WesternNames.givenForms(given)
        for f in forms {
            let k = Array(f.unicodeScalars.map(\.value))
            literal.insert(k, alone)
            literal.insert(k + last, target)
            for h in WesternNames.hangul[f] ?? [] {
                guard let syl = NameExpander.hangulSyllables(normalizer.fold(h)) else { continue }
                var ht = target
                ht.wordStartOnly = true
                ht.rule = .name
                ht.givenOnly = true
                hangul.insert(syl.map(Hangul.canonical), ht)
            }
        }
        // The surname in Hangul (펜윅, 케슬러 목사님), alone when it is distinctive, and after the given name.
        let lastString = NameExpander.string(last)
        for h in WesternHangul.spellings(lastString) {
            if WesternNames.isDistinctive(lastString) { addHangulSpelling(h, target) }
            if let syl = NameExpander.hangulSyllables(normalizer.fold(h)) { addHangulTitles(syl, target) }
            for f in forms { for gh in WesternNames.hangul[f] ?? WesternHangul.spellings(f, limit: 2) { addHangulSpelling(gh + " " + h, target) } }
        }
        // The surname in Chinese characters (凯斯勒牧师), three characters or more.
        if WesternNames.isDistinctive(lastString) {
            for c in WesternHangul.chinese(lastString) { literal.insert(normalizer.fold(c), target) }
        }
        let initials = toks.dropLast().compactMap(\.first)
        if initials.count >= 1 {
            literal.insert(initials + last, target)
            literal.insert([initials[0]] + last, target)
            literal.insert(last + initials, target)
        }
    }

    private mutating func addKoreanName(_ n: NameExpander.KoreanName, _ target: Target, withTitle: Bool) {
        let s = n.surname.map(Hangul.canonical)
        let g = n.given.map(Hangul.canonical)
        let full = s + g
        var t = target
        t.wordStartOnly = full.count < 3
        t.rule = full.count < 3 ? .name : .none
        hangul.insert(full, t)
        var givenTarget = target
        givenTarget.givenOnly = true
        if g.count >= 2 {
            var tg = givenTarget
            tg.wordStartOnly = true
            tg.rule = Gazetteer.isWordLike(NameExpander.string(n.given)) ? .personal : .name
            hangul.insert(g, tg)
        }
        if withTitle { addHangulTitles(n.surname, target) }
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

    /// Surname + title or kinship term, glued or spaced (박 선생님, 한씨, 류 사장): whole words only.
    mutating func addHangulTitles(_ surname: [UInt32], _ target: Target) {
        guard !surname.isEmpty else { return }
        var t = target
        t.viaTitle = target.kind == .subject
        t.wordStartOnly = true
        t.rule = .name
        t.givenOnly = false
        // One pattern per surname: the scanner reads the title itself (see Scanner.hangulWord).
        hangul.insert(surname.map(Hangul.canonical) + [Lexicon.titleKey], t)
    }

    /// A Hangul string that is not a personal name (nickname, place): whole word only.
    private mutating func addHangulWord(_ syl: [UInt32], _ target: Target) {
        var t = target
        t.wordStartOnly = syl.count < 3
        if syl.count < 3 || target.kind == .place { t.rule = target.kind == .place ? .place : .name }
        hangul.insert(syl.map(Hangul.canonical), t)
        for seq in NameExpander.sequences(NameExpander.romanizedPositions(syl)) { addRoman(seq, t) }
    }

    private func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    /// Title forms of a target: never enough to prove which subject is meant.
    private func titled(_ target: Target) -> Target {
        var t = target
        t.viaTitle = target.kind == .subject
        t.givenOnly = false
        return t
    }

    /// Hangul spellings (Mandarin sound, Japanese reading …): whole words, before a particle.
    private mutating func addHangulSpelling(_ h: String, _ target: Target) {
        guard let syl = NameExpander.hangulSyllables(normalizer.fold(h)) else { return }
        var t = target
        t.wordStartOnly = true
        t.rule = .name
        hangul.insert(syl.map(Hangul.canonical), t)
    }

    /// A name in Chinese characters: the characters (simplified; the normalizer folds
    /// traditional ones), surname with 老/小/先生…, the given name, pinyin in either order,
    /// the Korean Hanja reading (劉建國 → 류건국/유건국) and the Mandarin sound in Hangul (류젠궈).
    private mutating func addChineseName(_ chars: [UInt32], _ target: Target) {
        let surname = [chars[0]]
        let given = Array(chars.dropFirst())
        var g = target
        g.givenOnly = true
        let givenString = NameExpander.string(given)
        if given.count >= 2, !ChineseNames.wordGiven.contains(givenString) { literal.insert(given, g) }
        for suf in ChineseNames.givenSuffixes where given.count >= 1 { literal.insert(given + normalizer.fold(suf), g) }
        for pre in ChineseNames.surnamePrefixes { literal.insert(normalizer.fold(pre) + surname, titled(target)) }
        for suf in ChineseNames.surnameSuffixes { literal.insert(surname + normalizer.fold(suf), titled(target)) }
        let readings = chars.map { ChineseNames.table[$0] }
        guard readings.allSatisfy({ $0 != nil }) else { return }
        let r = readings.map { $0! }
        let sp = scalars(r[0].pinyin)
        let gp = r.dropFirst().flatMap { scalars($0.pinyin) }
        literal.insert(sp + gp, target)
        literal.insert(gp + sp, target)
        if gp.count >= 5 {
            var alone = g
            alone.capitalized = true
            literal.insert(gp, alone)
        }
        for t in NameExpander.titles + ["lao", "xiao"] { literal.insert(scalars(t) + sp, titled(target)) }
        // Pinyin initials, as in handles (wxm_88): three letters or more.
        let initials = r.compactMap { $0.pinyin.unicodeScalars.first?.value }
        if initials.count >= 3 { literal.insert(initials, target) }
        addKoreanName(NameExpander.KoreanName(surname: [r[0].korean], given: r.dropFirst().map(\.korean)), target, withTitle: true)
        // Mandarin sound in Hangul.
        let sh = ChineseNames.hangul(ofPinyin: r[0].pinyin)
        var gh = [""]
        for syl in r.dropFirst() {
            let opts = ChineseNames.hangul(ofPinyin: syl.pinyin)
            guard !opts.isEmpty else { return }
            gh = gh.flatMap { a in opts.map { a + $0 } }.prefix(8).map { $0 }
        }
        for s in sh {
            for x in gh { addHangulSpelling(s + x, target) }
            if let syl = NameExpander.hangulSyllables(normalizer.fold(s)) { addHangulTitles(syl, target) }
        }
        if given.count >= 2 { for x in gh { addHangulSpelling(x, g) } }
    }

    /// A Japanese name in kanji: surname/given split by the reading table; kanji with honorifics,
    /// the given name alone, and from the readings: Hepburn variants, kana and Hangul.
    private mutating func addJapaneseName(_ raw: String, _ target: Target) {
        guard let (sur, giv) = JapaneseNames.split(raw) else { return }
        var g = target
        g.givenOnly = true
        let s = normalizer.fold(sur), gv = normalizer.fold(giv)
        for h in JapaneseNames.honorifics {
            literal.insert(s + normalizer.fold(h), titled(target))
            literal.insert(gv + normalizer.fold(h), g)
        }
        if gv.count >= 2 { literal.insert(gv, g) }
        literal.insert([gv[0]] + normalizer.fold("ちゃん"), g)
        guard let rs = JapaneseNames.readings[sur] else { return }
        let rg = JapaneseNames.readings[giv]
        var alone = target
        alone.capitalized = true
        var aloneGiven = g
        aloneGiven.capitalized = true
        for a in JapaneseNames.romanVariants(rs) {
            literal.insert(scalars(a), alone)
            for h in JapaneseNames.romanHonorifics { literal.insert(scalars(a + h), titled(target)) }
            for t in NameExpander.titles { literal.insert(scalars(t + a), titled(target)) }
            if let rg { for b in JapaneseNames.romanVariants(rg) { literal.insert(scalars(a + b), target); literal.insert(scalars(b + a), target) } }
        }
        if let rg {
            for b in JapaneseNames.romanVariants(rg) {
                literal.insert(scalars(b), aloneGiven)
                for h in JapaneseNames.romanHonorifics { literal.insert(scalars(b + h), g) }
            }
        }
        // Kana: hiragana and katakana, surname alone, given alone, both together.
        let hs = JapaneseNames.hiragana(rs).map { [$0] + JapaneseNames.katakana($0) } ?? []
        let hg = rg.flatMap(JapaneseNames.hiragana).map { [$0] + JapaneseNames.katakana($0) } ?? []
        for k in hs {
            literal.insert(normalizer.fold(k), target)
            for h in JapaneseNames.honorifics { literal.insert(normalizer.fold(k + h), titled(target)) }
            for m in hg { literal.insert(normalizer.fold(k + m), target) }
        }
        for m in hg { literal.insert(normalizer.fold(m), g) }
        // Hangul.
        let ks = JapaneseNames.hangul(rs)
        let kg = rg.map(JapaneseNames.hangul) ?? []
        for a in ks {
            if let syl = NameExpander.hangulSyllables(normalizer.fold(a)) { addHangulTitles(syl, target) }
            for b in kg { addHangulSpelling(a + b, target); addHangulSpelling(a + " " + b, target) }
        }
        for b in kg { addHangulSpelling(b, g) }
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
            // The same place in Chinese characters (신포 → 新浦), when the readings leave few choices.
            var hanja: [[UInt32]] = [[]]
            for u in syl {
                let chars = ChineseNames.byKoreanReading[Hangul.canonical(u)] ?? []
                hanja = hanja.flatMap { h in chars.map { h + [$0] } }
            }
            if syl.count >= 2, hanja.count <= 16 { for h in hanja { literal.insert(h, target) } }
            // 회령시 → also 회령; village suffixes (동, 리) stay, their bases are often common words.
            if syl.count >= 3, let last = syl.last, [0xC2DC, 0xAD70, 0xB3C4].contains(last) {
                addHangulWord(Array(syl.dropLast()), target)
            }
        } else {
            for v in NameExpander.literalVariants(folded, isAliasOrName: false) { literal.insert(v, target) }
            literal.insert(key, target)
            let readings = key.map { ChineseNames.table[$0] }
            if ChineseNames.isHanzi(key), readings.allSatisfy({ $0 != nil }) {
                addHangulWord(readings.map { $0!.korean }, target)
                literal.insert(readings.flatMap { scalars($0!.pinyin) }, target)
            }
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
        if kind == .dob {
            for ds in IdentifierClassifier.dateDigitForms(folded) { digits.insert(ds, payload: UInt32(index)) }
            for era in IdentifierClassifier.eraForms(folded) { literal.insert(normalizer.fold(era), target) }
            return
        }
        if folded.count == 18, folded.last == 0x78, folded.dropLast().allSatisfy(Normalizer.isDigit) {
            // Chinese resident ID ending in X: the digits, and the scanner takes the X along.
            digits.insert(folded.dropLast().map { Int($0) - 0x30 }, payload: UInt32(index))
            return
        }
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
