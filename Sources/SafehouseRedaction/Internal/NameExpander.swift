/// Turns one sheet string into the patterns that find it in every spelling.
///
/// Korean names (Hangul) become syllable-key sequences for the Hangul trie and the
/// romanized-syllable trie; everything else becomes separator-free literal strings.
struct NameExpander {
    /// One Korean name split into surname and given name (both Hangul syllables).
    struct KoreanName: Equatable {
        var surname: [UInt32]
        var given: [UInt32]
    }

    static let titles = ["mr", "mrs", "ms", "miss", "mister", "dr", "doctor", "prof", "professor", "madam", "madame", "sir", "mme", "mx",
                         "pastor", "reverend", "rev", "grandpa", "grandma", "grandfather", "grandmother", "granny", "uncle",
                         "aunt", "auntie", "teacher", "old", "elder", "comrade", "deacon", "sensei"]

    /// The Hangul syllables of `folded` when it is Hangul syllables and separators only.
    static func hangulSyllables(_ folded: [UInt32]) -> [UInt32]? {
        var out: [UInt32] = []
        for u in folded {
            if Hangul.isSyllable(u) { out.append(u) }
            else if !Normalizer.isSeparator(u) { return nil }
        }
        return out.isEmpty ? nil : out
    }

    /// Readings of a Hangul personal name as surname + given name (two for ambiguous 선우진).
    static func koreanReadings(_ folded: [UInt32]) -> [KoreanName] {
        guard let syl = hangulSyllables(folded), syl.count >= 2, syl.count <= 5 else { return [] }
        // An explicit space after the surname decides the split.
        if let sp = folded.firstIndex(of: 0x20) {
            let left = folded[..<sp].filter(Hangul.isSyllable)
            let right = folded[sp...].filter(Hangul.isSyllable)
            if (1...2).contains(left.count), !right.isEmpty { return [KoreanName(surname: Array(left), given: Array(right))] }
        }
        let firstTwo = String(String.UnicodeScalarView(syl.prefix(2).compactMap(Unicode.Scalar.init)))
        var out: [KoreanName] = []
        if syl.count >= 3, Hangul.twoSyllableSurnames.contains(firstTwo) {
            out.append(KoreanName(surname: Array(syl.prefix(2)), given: Array(syl.dropFirst(2))))
            if syl.count == 3 { out.append(KoreanName(surname: [syl[0]], given: Array(syl.dropFirst()))) }
        } else if syl.count <= 4 {
            out.append(KoreanName(surname: [syl[0]], given: Array(syl.dropFirst())))
        }
        return out
    }

    /// Whether a Hangul alias reads as a personal name (starts with a known surname).
    static func looksLikeKoreanName(_ folded: [UInt32]) -> Bool {
        guard let syl = hangulSyllables(folded), (2...4).contains(syl.count) else { return false }
        return Hangul.commonSurnames.contains(syl[0]) || Hangul.commonSurnames.contains(Hangul.canonical(syl[0]))
            || (syl.count >= 3 && Hangul.twoSyllableSurnames.contains(String(String.UnicodeScalarView(syl.prefix(2).compactMap(Unicode.Scalar.init)))))
    }

    /// Alternatives per position for romanized matching: each syllable, plus the syllables that
    /// common sound changes turn it into next to its neighbour.
    static func romanizedPositions(_ syl: [UInt32]) -> [[UInt32]] {
        var pos = syl.map { [$0] }
        if syl.count >= 2 {
            for k in 0..<(syl.count - 1) {
                for (a, b) in Romanizer.assimilated(syl[k], syl[k + 1]) {
                    if !pos[k].contains(a) { pos[k].append(a) }
                    if !pos[k + 1].contains(b) { pos[k + 1].append(b) }
                }
            }
        }
        return pos
    }

    /// All key sequences of a position list (small: assimilation touches few positions).
    static func sequences(_ positions: [[UInt32]], limit: Int = 64) -> [[UInt32]] {
        var out: [[UInt32]] = [[]]
        for alts in positions {
            var next: [[UInt32]] = []
            for prefix in out { for a in alts where next.count < limit { next.append(prefix + [a]) } }
            out = next
        }
        return out
    }

    // MARK: Western and other-script names

    /// Lowercase tokens of a non-Hangul name, split at spaces and dots (hyphens stay inside).
    static func tokens(_ folded: [UInt32]) -> [[UInt32]] {
        var out: [[UInt32]] = []
        var cur: [UInt32] = []
        for u in folded {
            if u == 0x20 || u == 0x2E || u == 0x0A || u == 0x2C || u == Normalizer.middleDot {
                if !cur.isEmpty { out.append(cur); cur = [] }
            } else { cur.append(u) }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// Whether a folded name is Latin letters and separators only (a Western name).
    static func isLatin(_ folded: [UInt32]) -> Bool {
        !folded.isEmpty && folded.allSatisfy { Normalizer.isASCIILetter($0) || Normalizer.isSeparator($0) }
    }

    /// Drops separators: the form patterns and text are compared in.
    static func skeleton(_ s: [UInt32]) -> [UInt32] { s.filter { !Normalizer.isSeparator($0) } }

    static func string(_ s: [UInt32]) -> String {
        String(String.UnicodeScalarView(s.compactMap(Unicode.Scalar.init)))
    }

    /// Literal spellings of a non-Hangul name: full, without middle initials, reversed, and
    /// distinctive single tokens; with a title, every title + the surname.
    static func literalVariants(_ folded: [UInt32], isAliasOrName: Bool, western: Bool = false) -> [[UInt32]] {
        var toks = tokens(folded)
        var out: [[UInt32]] = []
        func add(_ s: [UInt32]) { let k = skeleton(s); if k.count >= 2, !out.contains(k) { out.append(k) } }
        guard !toks.isEmpty else { return [] }
        var titled = false
        if toks.count >= 2, titles.contains(string(toks[0])) { titled = true; toks.removeFirst() }
        let full = toks.flatMap { $0 }
        let cjk = full.contains { $0 >= 0x3040 }
        if cjk {  // Hanja, kana …: only exactly as given
            add(skeleton(folded))
            return out
        }
        if titled {
            for t in titles { add(Array(t.unicodeScalars.map(\.value)) + full) }
            if toks.count == 1, !WesternNames.isCommon(string(toks[0])) { add(full) }
            return out
        }
        if toks.count == 1 {
            // A lone bare common surname (Kim, Lee …) would hit every other Kim: never on its own.
            if !WesternNames.isBareCommonSurname(string(toks[0])) { add(full) }
            return out
        }
        add(full)
        let noInitials = toks.filter { $0.count > 1 }
        if !noInitials.isEmpty {
            add(noInitials.flatMap { $0 })
            if noInitials.count >= 2 {
                add(noInitials.first! + noInitials.last!)
                add(noInitials.last! + noInitials.first!)
                add(noInitials.dropFirst().flatMap { $0 } + noInitials.first!)
                for t in titles { add(Array(t.unicodeScalars.map(\.value)) + noInitials.last!) }
            }
            // A Western given name alone is added by the caller, with a capital-letter check.
            for t in noInitials.dropFirst(western ? 1 : 0) where isAliasOrName && WesternNames.isDistinctive(string(t)) { add(t) }
        }
        return out
    }
}
