import Foundation

/// Text folded for matching, with a map from every folded unit back to the original scalars.
///
/// Folding: NFKC (per scalar, cached), format characters (Unicode Cf: zero-width space,
/// joiners, soft hyphen, BOM …) dropped, conjoining jamo composed into syllables,
/// full-width forms folded, case folded, Latin diacritics stripped (ŏ → o), and every
/// hyphen, apostrophe, middle dot and space variant mapped to one ASCII representative.
struct NormalizedText {
    /// Folded scalars.
    var units: [UInt32] = []
    /// For each folded unit, the index of the first original scalar it came from.
    var start: [Int32] = []
    /// For each folded unit, the index one past the last original scalar it came from.
    var end: [Int32] = []

    mutating func removeAll() {
        units.removeAll(keepingCapacity: true)
        start.removeAll(keepingCapacity: true)
        end.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    mutating func append(_ u: UInt32, _ s: Int, _ e: Int) {
        units.append(u); start.append(Int32(s)); end.append(Int32(e))
    }
}

/// Folds original scalars into a ``NormalizedText``; keeps a per-instance cache for rare scalars.
struct Normalizer {
    static let apostrophe: UInt32 = 0x27
    static let middleDot: UInt32 = 0xB7
    /// Inserted (covering no original scalar) between a lowercase and an uppercase ASCII letter.
    static let camelBreak: UInt32 = 0x1F
    private var cache: [UInt32: [UInt32]] = [:]

    /// Normalizes `scalars` into `out` (which is cleared first).
    mutating func normalize(_ scalars: [UInt32], into out: inout NormalizedText) {
        out.removeAll()
        scalars.withUnsafeBufferPointer { s in
            var k = 0
            let n = s.count
            while k < n {
                let u = s[k]
                if u < 0x80 {
                    var v = u
                    if v >= 0x41 && v <= 0x5A {
                        v += 32
                        // CamelCase (#BringKimHome, KimYoungho): a word break inside the token, where
                        // two letters end a word and a capital starts one of three or more letters
                        // (not "kIm YoUnG-hO").
                        if k >= 2, k + 2 < n, Normalizer.isLowerASCII(s[k - 1]), Normalizer.isASCIILetterAnyCase(s[k - 2]),
                           Normalizer.isLowerASCII(s[k + 1]), Normalizer.isLowerASCII(s[k + 2]) {
                            out.append(Normalizer.camelBreak, k, k)
                        }
                    }
                    else if v == 0x60 { v = Normalizer.apostrophe }
                    else if v == 0x09 || v == 0x0D || v == 0x0B || v == 0x0C { v = 0x20 }
                    out.append(v, k, k + 1)
                    k += 1
                } else if Hangul.isSyllable(u) {
                    // A trailing conjoining final after an open syllable (NFD-ish input) completes it.
                    if k + 1 < n, s[k + 1] >= 0x11A8 && s[k + 1] <= 0x11C2, Hangul.split(u).2 == 0 {
                        out.append(u + s[k + 1] - 0x11A7, k, k + 2)
                        k += 2
                    } else {
                        out.append(u, k, k + 1)
                        k += 1
                    }
                } else if u >= 0x4E00 && u <= 0x9FFF {
                    out.append(ChineseNames.simplified(u), k, k + 1)
                    k += 1
                } else if let (syl, used) = Hangul.composeJamo(s, at: k) {
                    out.append(syl, k, k + used)
                    k += used
                } else {
                    for v in slowMap(u) { out.append(v, k, k + 1) }
                    k += 1
                }
            }
        }
    }

    /// Normalizes a whole string for building the lexicon (no offset map needed).
    mutating func fold(_ text: String) -> [UInt32] {
        var out = NormalizedText()
        normalize(text.unicodeScalars.map(\.value), into: &out)
        return out.units
    }

    private mutating func slowMap(_ u: UInt32) -> [UInt32] {
        if let hit = cache[u] { return hit }
        let mapped = Normalizer.compute(u)
        cache[u] = mapped
        return mapped
    }

    private static func special(_ u: UInt32) -> UInt32? {
        switch u {
        case 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D, 0x2043: return 0x2D
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x2035, 0x02BC, 0x02BB, 0x02B9, 0x00B4, 0xFF07, 0x0060: return apostrophe
        case 0x201C, 0x201D, 0x201E, 0x2033, 0x2036, 0x3003, 0xFF02: return 0x22
        case 0x00B7, 0x30FB, 0x2027, 0x2219, 0x22C5, 0xFF65, 0x318D, 0x16EB: return middleDot
        case 0x2028, 0x2029, 0x0085: return 0x0A
        default: return nil
        }
    }

    private static func compute(_ u: UInt32) -> [UInt32] {
        guard let scalar = Unicode.Scalar(u) else { return [] }
        if let sp = special(u) { return [sp] }
        let props = scalar.properties
        if props.generalCategory == .format { return [] }
        if props.generalCategory == .spaceSeparator { return [0x20] }
        if props.generalCategory == .lineSeparator || props.generalCategory == .paragraphSeparator { return [0x0A] }
        if u >= 0x0300 && u <= 0x036F { return [] }
        let nfkc = String(Character(scalar)).precomposedStringWithCompatibilityMapping.lowercased()
        var out: [UInt32] = []
        for c in nfkc.decomposedStringWithCanonicalMapping.unicodeScalars {
            let v = c.value
            if v >= 0x0300 && v <= 0x036F { continue }
            if let sp = special(v) { out.append(sp); continue }
            if c.properties.generalCategory == .format { continue }
            if c.properties.generalCategory == .spaceSeparator { out.append(0x20); continue }
            out.append(v)
        }
        // Decomposition split Hangul syllables into jamo: put them back together.
        if out.contains(where: { $0 >= 0x1100 && $0 <= 0x11FF }) {
            var composed: [UInt32] = []
            out.withUnsafeBufferPointer { b in
                var k = 0
                while k < b.count {
                    if let (syl, used) = Hangul.composeJamo(b, at: k) { composed.append(syl); k += used }
                    else { composed.append(b[k]); k += 1 }
                }
            }
            out = composed
        }
        return out
    }

    /// Whether a folded unit is dropped from patterns when the lexicon is built (space, line
    /// break, hyphen, apostrophe, dot, middle dot): `Robert J. Whitfield` → `robertjwhitfield`.
    @inline(__always)
    static func isSeparator(_ u: UInt32) -> Bool {
        isNameJoiner(u) || u == 0x2E
    }

    /// Whether a folded unit may join two parts of one name in running text: space, line break,
    /// hyphen, apostrophe (’ ` ´ … fold to it) or middle dot. Never sentence punctuation
    /// (. , ; : ! ? …): "… ran-chol. Kim Jong Un" is not the name "Ran-chol Kim".
    @inline(__always)
    static func isNameJoiner(_ u: UInt32) -> Bool {
        u == 0x20 || u == 0x0A || u == 0x2D || u == apostrophe || u == middleDot || u == camelBreak
    }

    @inline(__always)
    static func isASCIILetter(_ u: UInt32) -> Bool { u >= 0x61 && u <= 0x7A }

    @inline(__always)
    static func isDigit(_ u: UInt32) -> Bool { u >= 0x30 && u <= 0x39 }

    @inline(__always)
    static func isLowerASCII(_ u: UInt32) -> Bool { u >= 0x61 && u <= 0x7A }

    @inline(__always)
    static func isASCIILetterAnyCase(_ u: UInt32) -> Bool { (u >= 0x61 && u <= 0x7A) || (u >= 0x41 && u <= 0x5A) }

    @inline(__always)
    static func isASCIIAlnum(_ u: UInt32) -> Bool { isASCIILetter(u) || isDigit(u) }
}
