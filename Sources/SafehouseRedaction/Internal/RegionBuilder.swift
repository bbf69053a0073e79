/// Turns raw scanner hits into non-overlapping ``Region``s of the original text.
struct RegionBuilder {
    let lex: Lexicon

    /// Resolves targets, drops what a pseudonym covers, maps to original offsets and merges overlaps.
    func regions(_ raw: [RawMatch], _ text: NormalizedText, original: [UInt32]) -> [Region] {
        guard !raw.isEmpty else { return [] }
        var out: [Region] = []
        out.reserveCapacity(raw.count)
        for m in raw {
            if m.source == .literal, lex.literal.targetLists[Int(m.payload)].allSatisfy({ $0.capitalized }),
               !RegionBuilder.capitalizedAlone(m, text, original) { continue }
            guard let action = action(m) else { continue }
            out.append(Region(start: Int(text.start[m.start]), end: Int(text.end[m.end - 1]), action: action))
        }
        let exclusions = out.filter { $0.action == .exclusion }
        if !exclusions.isEmpty {
            out.removeAll { r in r.action != .exclusion && exclusions.contains { $0.start < r.end && r.start < $0.end } }
            out.removeAll { $0.action == .exclusion }
        }
        guard out.count > 1 else { return out }
        out.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var merged: [Region] = []
        var cur = out[0]
        var curLen = cur.end - cur.start
        for r in out.dropFirst() {
            if r.start < cur.end {
                let len = r.end - r.start
                if len > curLen || (len == curLen && r.action.priority > cur.action.priority) {
                    cur.action = r.action
                    curLen = len
                }
                cur.end = max(cur.end, r.end)
            } else {
                merged.append(cur)
                cur = r
                curLen = r.end - r.start
            }
        }
        merged.append(cur)
        return merged
    }

    /// A given name alone: capitalised in the original, not followed by another capitalised word
    /// (Bill Clinton, Robert King) and not after a public title (Queen Elizabeth).
    static func capitalizedAlone(_ m: RawMatch, _ text: NormalizedText, _ original: [UInt32]) -> Bool {
        let u = text.units
        func upper(_ k: Int) -> Bool {
            let o = Int(text.start[k])
            return o < original.count && original[o] >= 0x41 && original[o] <= 0x5A
        }
        guard upper(m.start) else { return false }
        if m.end + 1 < u.count, u[m.end] == 0x20, Normalizer.isASCIILetter(u[m.end + 1]), upper(m.end + 1) { return false }
        var e = m.start
        while e > 0, u[e - 1] == 0x20 || u[e - 1] == 0x2E { e -= 1 }
        guard e < m.start else { return true }
        var b = e
        while b > 0, Normalizer.isASCIILetter(u[b - 1]) { b -= 1 }
        return !WesternNames.publicTitles.contains(Array(u[b..<e]))
    }

    private func action(_ m: RawMatch) -> Region.Action? {
        switch m.source {
        case .detector: return .detector(DetectorKind(rawValue: UInt8(m.payload))!)
        case .dob: return .dob(year: m.payload, korean: m.flag)
        case .digits: return .identifier(m.payload)
        case .hangul, .roman, .literal:
            let trie = m.source == .hangul ? lex.hangul : m.source == .roman ? lex.roman : lex.literal
            var subjects: [Int32] = []
            var allTitle = true
            var relative: Int32? = nil, place: Int32? = nil, ident: Int32? = nil
            var exclusion = false
            for t in trie.targetLists[Int(m.payload)] {
                if m.source == .hangul && t.wordStartOnly && !m.flag { continue }
                switch t.kind {
                case .subject:
                    if !subjects.contains(t.index) { subjects.append(t.index) }
                    if !t.viaTitle { allTitle = false }
                case .relative: relative = relative ?? t.index
                case .place: place = place ?? t.index
                case .identifier: ident = ident ?? t.index
                case .exclusion: exclusion = true
                case .keyword: break
                }
            }
            if exclusion { return .exclusion }
            if !subjects.isEmpty { return .subject(subjects.sorted(), viaTitle: allTitle) }
            if let r = relative { return .relative(r) }
            if let p = place { return .place(p) }
            if let i = ident { return .identifier(i) }
            return nil
        }
    }
}
