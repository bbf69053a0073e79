/// Spots name-like text the lexicon does not know, for a person to review (never redacts).
///
/// Three shapes: a Hangul surname + 1–2 given syllables before a particle or honorific
/// (박철수는, 최 씨 is not enough: one given syllable needs 씨/님); a title and a capitalised
/// word (Mr. Pak, Professor Chang); a capitalised Korean surname spelling followed by a
/// capitalised romanized given name (Pak Chol-su, Lee Min Ho).
enum CandidateFinder {
    private static let particleStarts: Set<UInt32> = Set("씨님는은이가을를의에한와과랑께도만야아동선".unicodeScalars.map(\.value))
    private static let honorificStarts: Set<UInt32> = Set("씨님동선".unicodeScalars.map(\.value))
    private static let titles: Set<String> = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Professor", "Mister", "Madam", "Comrade"]

    private static let lowerTitles = Set(titles.map { $0.lowercased() })

    /// Whether a lower-cased word is a title (Mr, Dr, Professor …).
    static func isTitle(_ word: String) -> Bool { lowerTitles.contains(word) }

    /// Whether each Hangul syllable is a common surname (table, not a hash lookup: this is hot).
    private static let surnameTable: [Bool] = {
        var t = [Bool](repeating: false, count: 11172)
        for u in Hangul.commonSurnames where Hangul.isSyllable(u) { t[Int(u - Hangul.base)] = true }
        return t
    }()

    /// Title words, lowercase ASCII packed into a UInt64 (at most 8 letters; "professor" has 9).
    private static let packedTitles: Set<UInt64> = Set(titles.compactMap { pack(Array($0.unicodeScalars.map(\.value)), 0, $0.unicodeScalars.count, lower: false) })
    /// ``Scanner/surnameWords`` packed the same way (all are at most 6 letters).
    private static let packedSurnames: Set<UInt64> = Set(Scanner.surnameWords.compactMap { pack($0, 0, $0.count, lower: false) })
    private static let professor: [UInt32] = Array("Professor".unicodeScalars.map(\.value))

    /// ASCII letters `s[a..<b]` (lowercased when `lower`) packed one per byte, or nil.
    @inline(__always)
    private static func pack(_ s: [UInt32], _ a: Int, _ b: Int, lower: Bool) -> UInt64? {
        guard b - a <= 8 else { return nil }
        var x: UInt64 = 0
        for k in a..<b {
            var v = s[k]
            guard (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) else { return nil }
            if lower && v <= 0x5A { v += 32 }
            x = x << 8 | UInt64(v)
        }
        return x
    }

    @inline(__always)
    private static func isWordChar(_ v: UInt32) -> Bool {
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D }
        return Hangul.isHangul(v) || (Unicode.Scalar(v)?.properties.isAlphabetic ?? false)
    }

    /// Whether `v` continues a word for ``word(_:_:)``: letters, digits, hyphen, apostrophe.
    @inline(__always)
    private static func continuesWord(_ v: UInt32) -> Bool {
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D || v == 0x27 }
        return Hangul.isSyllable(v) || (Unicode.Scalar(v)?.properties.isAlphabetic ?? false)
    }

    /// Appends candidates found in one field (its scalars) to `out`; the caller removes repeats.
    static func find(in s: [UInt32], cue index: Int, into out: inout [RedactionReport.Candidate]) {
        var k = 0
        let n = s.count
        while k < n {
            let v = s[k]
            let upper = v >= 0x41 && v <= 0x5A
            let surname = v >= Hangul.base && v <= Hangul.last && surnameTable[Int(v - Hangul.base)]
            guard upper || surname, k == 0 || !isWordChar(s[k - 1]) else { k += 1; continue }
            if surname {
                if let e = hangul(s, k) { out.append(.init(text: string(s, k, e), cue: index, reason: "hangul-name-before-particle")) }
                k += 1
                continue
            }
            let e = wordEnd(s, k)
            let isTitle = e - k == 9 ? Array(s[k..<e]) == professor : pack(s, k, e, lower: false).map(packedTitles.contains) ?? false
            if isTitle {
                var p = e
                if p < n, s[p] == 0x2E { p += 1 }
                if p < n, s[p] == 0x20, p + 1 < n, s[p + 1] >= 0x41, s[p + 1] <= 0x5A {
                    let x = wordEnd(s, p + 1)
                    if !s[(p + 1)..<x].contains(where: isNumber) {
                        out.append(.init(text: string(s, k, e) + " " + string(s, p + 1, x), cue: index, reason: "title-and-name"))
                    }
                }
            } else if e - k <= 6, let w = pack(s, k, e, lower: true), packedSurnames.contains(w) {
                if let last = romanized(s, end: e) { out.append(.init(text: string(s, k, last), cue: index, reason: "romanized-korean-name")) }
            }
            k = e
        }
    }

    private static func isNumber(_ v: UInt32) -> Bool {
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        return Character(Unicode.Scalar(v)!).isNumber
    }

    private static func string(_ s: [UInt32], _ a: Int, _ b: Int) -> String {
        String(String.UnicodeScalarView(s[a..<b].compactMap(Unicode.Scalar.init)))
    }

    /// The end of a word of letters, digits, hyphens and apostrophes starting at `k`.
    private static func wordEnd(_ s: [UInt32], _ k: Int) -> Int {
        var e = k
        while e < s.count, continuesWord(s[e]) { e += 1 }
        return e
    }

    /// The end of a Hangul candidate starting at `k`, or nil.
    private static func hangul(_ s: [UInt32], _ k: Int) -> Int? {
        func syl(_ i: Int) -> Bool { i < s.count && Hangul.isSyllable(s[i]) }
        // surname + two given syllables, then a particle or honorific
        if syl(k + 1), syl(k + 2), syl(k + 3), particleStarts.contains(s[k + 3]) { return k + 3 }
        // surname + given, then an honorific (glued or after one space)
        for n in [3, 2] where (1..<n).allSatisfy({ syl(k + $0) }) {
            if syl(k + n), honorificStarts.contains(s[k + n]) { return k + n }
            if k + n + 1 < s.count, s[k + n] == 0x20, honorificStarts.contains(s[k + n + 1]) { return k + n }
        }
        return nil
    }

    /// The end of the romanized given name after a surname word ending at `end`, or nil.
    private static func romanized(_ s: [UInt32], end: Int) -> Int? {
        var p = end
        var parts = 0
        var last = end
        while parts < 2, p + 1 < s.count, s[p] == 0x20, s[p + 1] >= 0x41, s[p + 1] <= 0x5A {
            let e = wordEnd(s, p + 1)
            // Each hyphen-separated piece must read as 1–2 romanized syllables.
            var pieces: [[UInt8]] = [[]]
            var ascii = true
            for v in s[(p + 1)..<e] {
                if v == 0x2D { pieces.append([]); continue }
                guard v < 0x80 else { ascii = false; break }
                pieces[pieces.count - 1].append(UInt8(v >= 0x41 && v <= 0x5A ? v + 32 : v))
            }
            pieces.removeAll { $0.isEmpty }
            guard ascii, !pieces.isEmpty, pieces.allSatisfy({ Romanizer.isRomanizedKorean($0, maxSyllables: 2) }) else { break }
            parts += 1
            last = e
            p = e
            if pieces.count >= 2 { break }
        }
        return parts == 0 ? nil : last
    }
}
