/// Generates romanized spellings of Hangul syllables from jamo tables.
///
/// Three systems feed one table per jamo: Revised Romanization (g, eo, eu …),
/// McCune–Reischauer with its diacritics and apostrophes dropped (k, o, u, ch …, which is
/// what the normalizer leaves of ŏ, ŭ and ch'), the DPRK's MR-based spelling (Ri, Jong, Un),
/// and common personal spellings (oo, ee, you …). Per-syllable extras from
/// ``CommonSpellings`` are added on top. All output is lowercase ASCII.
enum Romanizer {
    static let initials: [[String]] = [
        ["g", "k"], ["kk", "gg", "k"], ["n"], ["d", "t"], ["tt", "dd", "t"], ["r", "l"], ["m"],
        ["b", "p"], ["pp", "bb", "p"], ["s"], ["ss", "s"], [""], ["j", "ch"], ["jj", "tch", "ch"],
        ["ch", "chh"], ["k", "kh"], ["t", "th"], ["p", "ph"], ["h"],
    ]
    static let medials: [[String]] = [
        ["a", "ah"], ["ae", "ai", "e"], ["ya"], ["yae", "ye"], ["eo", "o", "u", "uh"], ["e", "ae"],
        ["yeo", "yo", "yu", "you", "yuh", "ye"], ["ye", "ie"], ["o", "oh"], ["wa"], ["wae"],
        ["oe", "oi", "we", "wae"], ["yo"], ["u", "oo", "ou"], ["wo", "weo", "wu"], ["we"],
        ["wi", "wee", "ui"], ["yu", "yoo", "you"], ["eu", "u", "ue"], ["ui", "eui", "i", "ee", "ei"],
        ["i", "ee"],
    ]
    static let finals: [[String]] = [
        [""], ["k", "g"], ["k", "kk"], ["k"], ["n"], ["n"], ["n"], ["t", "d"], ["l", "r", "ll"],
        ["k", "l"], ["m"], ["l", "p"], ["l"], ["l"], ["p"], ["l"], ["m"], ["p", "b"], ["p"],
        ["t", "s"], ["t", "ss"], ["ng"], ["t", "j"], ["t", "ch"], ["k"], ["t"], ["p"], ["t", "h"],
    ]

    /// Spellings of exactly this syllable (no initial-sound variants).
    static func spellings(of syllable: UInt32) -> [String] {
        guard Hangul.isSyllable(syllable) else { return [] }
        let (i, m, f) = Hangul.split(syllable)
        var inits = initials[i]
        if i == Hangul.iS && Hangul.isIYMedial(m) || i == Hangul.iS && m == 16 { inits.append("sh") }
        var meds = medials[m]
        if i == Hangul.iNull && m == 13 { meds += ["woo", "wu"] }
        if i == Hangul.iNull && m == 20 { meds += ["yi"] }
        var out: [String] = []
        var seen = Set<String>()
        for a in inits { for b in meds { for c in finals[f] {
            let s = a + b + c
            if seen.insert(s).inserted { out.append(s) }
        } } }
        if let extra = CommonSpellings.table[syllable] {
            for s in extra where seen.insert(s).inserted { out.append(s) }
        }
        return out
    }

    /// Spellings of a syllable and of its North/South initial-sound variants.
    static func classSpellings(of syllable: UInt32) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for v in Hangul.initialSoundVariants(syllable) {
            for s in spellings(of: v) where seen.insert(s).inserted { out.append(s) }
        }
        return out
    }

    /// Sound changes across a syllable boundary that romanizations often transcribe
    /// (석민 → Seongmin, 신라 → Silla, 종로 → Jongno, 백현 → Baekhyeon/Baekyeon).
    ///
    /// Returns the alternative (left, right) syllable pairs, without the original pair.
    static func assimilated(_ a: UInt32, _ b: UInt32) -> [(UInt32, UInt32)] {
        guard Hangul.isSyllable(a), Hangul.isSyllable(b) else { return [] }
        let (ai, am, af) = Hangul.split(a)
        let (bi, bm, bf) = Hangul.split(b)
        var out: [(UInt32, UInt32)] = []
        func add(_ nf: Int, _ ni: Int) {
            let pair = (Hangul.compose(ai, am, nf), Hangul.compose(ni, bm, bf))
            if pair != (a, b), !out.contains(where: { $0 == pair }) { out.append(pair) }
        }
        let velar: Set<Int> = [1, 2, 3, 9, 24]
        let dental: Set<Int> = [7, 19, 20, 22, 23, 25, 27]
        let labial: Set<Int> = [10, 14, 17, 18, 26]
        let nasalInitial = bi == Hangul.iN || bi == Hangul.iM
        if nasalInitial {
            if velar.contains(af) { add(Hangul.fNg, bi) }
            if dental.contains(af) { add(Hangul.fN, bi) }
            if labial.contains(af) { add(Hangul.fM, bi) }
        }
        if bi == Hangul.iR {
            if af == Hangul.fN { add(Hangul.fL, Hangul.iR) }
            if af == Hangul.fM || af == Hangul.fNg { add(af, Hangul.iN) }
            if velar.contains(af) { add(Hangul.fNg, Hangul.iN) }
            if labial.contains(af) { add(Hangul.fM, Hangul.iN) }
        }
        if af == Hangul.fL && bi == Hangul.iN { add(Hangul.fL, Hangul.iR) }
        if af == Hangul.fH {
            if bi == Hangul.iG { add(0, Hangul.iK) }
            if bi == Hangul.iD { add(0, Hangul.iT) }
            if bi == Hangul.iJ { add(0, Hangul.iCh) }
        }
        if bi == Hangul.iH {
            if velar.contains(af) { add(0, Hangul.iK) }
            if af == Hangul.fD { add(0, Hangul.iT) }
            if labial.contains(af) { add(0, Hangul.iP) }
            if af == Hangul.fJ { add(0, Hangul.iCh) }
            // No "weakened ㅎ" reading (정훈 → 정운 "Jong Un"): neither RR (Jeonghun) nor MR
            // (Chŏnghun) drops the ㅎ, and the reading turned "Kim Jong Un" into a subject's name.
        }
        return out
    }

    /// Whether a lowercase ASCII word reads as a sequence of 1…`maxSyllables` romanized syllables.
    static func isRomanizedKorean(_ word: [UInt8], maxSyllables: Int = 3) -> Bool {
        let n = word.count
        guard n > 0, n <= 16 else { return false }
        // reach[k] = fewest syllables needed to read word[0..<k]
        var reach = [Int](repeating: Int.max, count: n + 1)
        reach[0] = 0
        for k in 0..<n where reach[k] < maxSyllables {
            for end in genericSyllableEnds(word, from: k) where reach[k] + 1 < reach[end] {
                reach[end] = reach[k] + 1
            }
        }
        return reach[n] <= maxSyllables
    }

    private static let genericInitials: [[UInt8]] = Array(Set(initials.joined())).map { Array($0.utf8) }
    private static let genericMedials: [[UInt8]] = Array(Set(medials.joined() + ["woo"])).map { Array($0.utf8) }
    private static let genericFinals: [[UInt8]] = Array(Set(finals.joined())).map { Array($0.utf8) }

    private static func genericSyllableEnds(_ w: [UInt8], from k: Int) -> [Int] {
        var ends = Set<Int>()
        for a in genericInitials where w.hasPrefix(a, at: k) {
            let k1 = k + a.count
            for b in genericMedials where !b.isEmpty && w.hasPrefix(b, at: k1) {
                let k2 = k1 + b.count
                for c in genericFinals where w.hasPrefix(c, at: k2) { ends.insert(k2 + c.count) }
            }
        }
        return Array(ends)
    }
}

extension Array where Element == UInt8 {
    /// Whether `prefix` occurs at offset `k`.
    func hasPrefix(_ prefix: [UInt8], at k: Int) -> Bool {
        guard k + prefix.count <= count else { return false }
        for (j, b) in prefix.enumerated() where self[k + j] != b { return false }
        return true
    }
}
