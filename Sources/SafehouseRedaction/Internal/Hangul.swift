/// Hangul syllable arithmetic: jamo decomposition, the initial-sound rule, final sounds.
enum Hangul {
    static let base: UInt32 = 0xAC00
    static let last: UInt32 = 0xD7A3
    static let initialCount = 19
    static let medialCount = 21
    static let finalCount = 28

    /// Whether the scalar is a precomposed Hangul syllable.
    @inline(__always)
    static func isSyllable(_ u: UInt32) -> Bool { u >= base && u <= last }

    /// Whether the scalar is a Hangul syllable or any kind of jamo.
    @inline(__always)
    static func isHangul(_ u: UInt32) -> Bool {
        isSyllable(u) || (u >= 0x1100 && u <= 0x11FF) || (u >= 0x3130 && u <= 0x318F)
            || (u >= 0xA960 && u <= 0xA97F) || (u >= 0xD7B0 && u <= 0xD7FF)
    }

    /// Splits a syllable into (initial, medial, final) indices; final 0 means none.
    @inline(__always)
    static func split(_ u: UInt32) -> (Int, Int, Int) {
        let s = Int(u - base)
        return (s / (medialCount * finalCount), (s % (medialCount * finalCount)) / finalCount, s % finalCount)
    }

    /// Builds a syllable from jamo indices.
    @inline(__always)
    static func compose(_ i: Int, _ m: Int, _ f: Int) -> UInt32 {
        base + UInt32((i * medialCount + m) * finalCount + f)
    }

    // Initial indices used by the rules below.
    static let iG = 0, iN = 2, iD = 3, iR = 5, iM = 6, iB = 7, iS = 9, iNull = 11, iJ = 12, iCh = 14, iK = 15, iT = 16, iP = 17, iH = 18
    // Final indices.
    static let fNone = 0, fG = 1, fN = 4, fD = 7, fL = 8, fM = 16, fB = 17, fS = 19, fNg = 21, fJ = 22, fCh = 23, fK = 24, fT = 25, fP = 26, fH = 27

    /// Medials that start with an i/y sound (ㅑ ㅒ ㅕ ㅖ ㅛ ㅠ ㅣ), which trigger the initial-sound rule.
    static func isIYMedial(_ m: Int) -> Bool { [2, 3, 6, 7, 12, 17, 20].contains(m) }

    /// The canonical member of a syllable's initial-sound class (두음법칙 applied forward).
    ///
    /// ㄹ before an i/y vowel becomes ㅇ, ㄹ before another vowel becomes ㄴ, ㄴ before i/y becomes ㅇ;
    /// so 리/니/이, 라/나, 려/녀/여, 류/뉴/유 each share one key.
    static let canonicalTable: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 11172)
        for k in 0..<11172 {
            let u = base + UInt32(k)
            let (i, m, f) = split(u)
            var ni = i
            if i == iR { ni = isIYMedial(m) ? iNull : iN }
            else if i == iN && isIYMedial(m) { ni = iNull }
            t[k] = compose(ni, m, f)
        }
        return t
    }()

    /// The canonical key of a syllable (identity for anything that is not a syllable).
    @inline(__always)
    static func canonical(_ u: UInt32) -> UInt32 {
        isSyllable(u) ? canonicalTable[Int(u - base)] : u
    }

    /// All spellings of a syllable under the initial-sound rule, in both directions (North and South).
    static func initialSoundVariants(_ u: UInt32) -> [UInt32] {
        guard isSyllable(u) else { return [u] }
        let (i, m, f) = split(u)
        var out: [UInt32] = [u]
        func add(_ ni: Int) { let v = compose(ni, m, f); if !out.contains(v) { out.append(v) } }
        if isIYMedial(m) {
            if i == iR || i == iN || i == iNull { add(iR); add(iN); add(iNull) }
        } else if i == iR || i == iN {
            add(iR); add(iN)
        }
        return out
    }

    /// Whether a syllable has a final consonant.
    static func hasFinal(_ u: UInt32) -> Bool { isSyllable(u) && split(u).2 != 0 }

    /// Well-known two-syllable surnames.
    static let twoSyllableSurnames: Set<String> = [
        "남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "어금", "망절", "장곡", "강전", "소봉",
    ]

    /// Common one-syllable surnames, used to spot candidate names the lexicon does not know.
    static let commonSurnames: Set<UInt32> = Set("김이리박최정강조윤장임림한오서신권황안송류유홍전고문양량손배백허남심노로하곽성차주우구민진지엄채원천방공현함변염여려추도소석선설마길연위표명기반왕금옥육인맹제모탁국".unicodeScalars.map { $0.value })

    /// Composes conjoining jamo (L V [T]) and syllable + T sequences into precomposed syllables.
    ///
    /// Returns the composed scalar and how many input scalars it consumed, or nil when nothing composes.
    static func composeJamo(_ s: UnsafeBufferPointer<UInt32>, at k: Int) -> (UInt32, Int)? {
        let a = s[k]
        if a >= 0x1100 && a <= 0x1112, k + 1 < s.count {
            let b = s[k + 1]
            guard b >= 0x1161 && b <= 0x1175 else { return nil }
            var syl = compose(Int(a - 0x1100), Int(b - 0x1161), 0)
            var used = 2
            if k + 2 < s.count, s[k + 2] >= 0x11A8 && s[k + 2] <= 0x11C2 {
                syl += s[k + 2] - 0x11A7
                used = 3
            }
            return (syl, used)
        }
        return nil
    }
}
