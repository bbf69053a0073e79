/// Decides which detector kind a sheet identifier belongs to, so it gets the right placeholder.
enum IdentifierClassifier {
    /// Digits with phone punctuation only (`+86 138 0013 8000`, `010-2345-6789`, `(02) 123-4567`).
    static func isDigitLike(_ folded: [UInt32]) -> Bool {
        var digits = 0
        for u in folded {
            if Normalizer.isDigit(u) { digits += 1 }
            else if ![0x20, 0x2D, 0x2E, 0x28, 0x29, 0x2B, 0x2F].contains(u) { return false }
        }
        return digits >= 5
    }

    static func classify(_ folded: [UInt32]) -> DetectorKind {
        let s = NameExpander.string(folded)
        if let at = folded.firstIndex(of: 0x40), at > 0, folded[at...].contains(0x2E) { return .email }
        if s.hasPrefix("wxid_") || folded.first == 0x40 { return .messenger }
        if isDigitLike(folded) {
            let ds = folded.filter(Normalizer.isDigit)
            if ds.count == 13, folded.first != 0x2B, !(ds.first == 0x30 && ds[1] == 0x31) { return .rrn }
            return .phone
        }
        let letters = folded.prefix { Normalizer.isASCIILetter($0) }.count
        let rest = folded.dropFirst(letters)
        if (1...2).contains(letters), (7...8).contains(rest.count), rest.allSatisfy(Normalizer.isDigit) { return .passport }
        return .identifier
    }
}
