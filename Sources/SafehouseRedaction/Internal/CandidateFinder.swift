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

    /// Whether each Hangul syllable is a common surname (table, not a hash lookup: this is hot).
    private static let surnameTable: [Bool] = {
        var t = [Bool](repeating: false, count: 11172)
        for u in Hangul.commonSurnames where Hangul.isSyllable(u) { t[Int(u - Hangul.base)] = true }
        return t
    }()

    @inline(__always)
    private static func isWordChar(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D }
        return Hangul.isHangul(v) || u.properties.isAlphabetic
    }

    /// Appends candidates found in the cue's speaker and text (each distinct text once, via `seen`).
    static func find(in cue: Cue, cue index: Int, into out: inout [RedactionReport.Candidate], seen: inout Set<String>,
                     scratch s: inout [Unicode.Scalar]) {
        for field in [cue.speaker, cue.text] {
            guard let f = field else { continue }
            s.removeAll(keepingCapacity: true)
            s.append(contentsOf: f.unicodeScalars)
            var k = 0
            while k < s.count {
                let v = s[k].value
                let upper = v >= 0x41 && v <= 0x5A
                let surname = v >= Hangul.base && v <= Hangul.last && surnameTable[Int(v - Hangul.base)]
                guard upper || surname, k == 0 || !isWordChar(s[k - 1]) else { k += 1; continue }
                if surname {
                    if let text = hangul(s, k) { add(text, index, "hangul-name-before-particle", &out, &seen) }
                    k += 1
                    continue
                }
                let (w, e) = word(s, k)
                if titles.contains(w) {
                    var p = e
                    if p < s.count, s[p] == "." { p += 1 }
                    if p < s.count, s[p] == " ", p + 1 < s.count, s[p + 1].value >= 0x41, s[p + 1].value <= 0x5A {
                        let (x, _) = word(s, p + 1)
                        if !x.contains(where: { $0.isNumber }) { add(w + " " + x, index, "title-and-name", &out, &seen) }
                    }
                } else if e - k <= 6, Scanner.surnameWords.contains(w.lowercased().unicodeScalars.map(\.value)) {
                    if let text = romanized(s, k, surname: w, end: e) { add(text, index, "romanized-korean-name", &out, &seen) }
                }
                k = e
            }
        }
    }

    private static func add(_ text: String, _ cue: Int, _ reason: String, _ out: inout [RedactionReport.Candidate], _ seen: inout Set<String>) {
        if seen.insert(text).inserted { out.append(RedactionReport.Candidate(text: text, cue: cue, reason: reason)) }
    }

    /// A word of letters, digits, hyphens and apostrophes starting at `k`.
    private static func word(_ s: [Unicode.Scalar], _ k: Int) -> (String, Int) {
        var e = k
        while e < s.count, s[e].properties.isAlphabetic || s[e].value == 0x2D || s[e].value == 0x27 || (s[e].value >= 0x30 && s[e].value <= 0x39) { e += 1 }
        return (String(String.UnicodeScalarView(s[k..<e])), e)
    }

    private static func hangul(_ s: [Unicode.Scalar], _ k: Int) -> String? {
        func syl(_ i: Int) -> Bool { i < s.count && Hangul.isSyllable(s[i].value) }
        func name(_ n: Int) -> String { String(String.UnicodeScalarView(s[k..<(k + n)])) }
        // surname + two given syllables, then a particle or honorific
        if syl(k + 1), syl(k + 2), syl(k + 3), particleStarts.contains(s[k + 3].value) { return name(3) }
        // surname + given, then an honorific (glued or after one space)
        for n in [3, 2] where (1..<n).allSatisfy({ syl(k + $0) }) {
            if syl(k + n), honorificStarts.contains(s[k + n].value) { return name(n) }
            if k + n + 1 < s.count, s[k + n] == " ", honorificStarts.contains(s[k + n + 1].value) { return name(n) }
        }
        return nil
    }

    private static func romanized(_ s: [Unicode.Scalar], _ k: Int, surname: String, end: Int) -> String? {
        var p = end
        var parts: [String] = []
        var last = end
        while parts.count < 2, p + 1 < s.count, s[p] == " ", s[p + 1].value >= 0x41, s[p + 1].value <= 0x5A {
            let (w, e) = word(s, p + 1)
            let pieces = w.lowercased().split(separator: "-")
            guard !pieces.isEmpty, pieces.allSatisfy({ Romanizer.isRomanizedKorean(Array($0.utf8), maxSyllables: 2) }) else { break }
            parts.append(w)
            last = e
            p = e
            if pieces.count >= 2 { break }
        }
        guard !parts.isEmpty else { return nil }
        return String(String.UnicodeScalarView(s[k..<last]))
    }
}
