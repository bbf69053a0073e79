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

    /// `YYYY-MM-DD`, the sheet's form for dates of birth.
    static func isISODate(_ f: [UInt32]) -> Bool {
        f.count == 10 && f[4] == 0x2D && f[7] == 0x2D && f.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || Normalizer.isDigit($0.element) }
    }

    /// The digit runs a date is written with: padded and unpadded month/day (1994. 3. 27.,
    /// 1959年10月18日) and the Japanese era year (昭和34年 → 34, Heisei, Reiwa, Taisho).
    static func dateDigitForms(_ f: [UInt32]) -> [[Int]] {
        let d = f.filter(Normalizer.isDigit).map { Int($0) - 0x30 }
        let year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]
        let month = Array(d[4...5]), day = Array(d[6...7])
        let months = month[0] == 0 ? [month, [month[1]]] : [month]
        let days = day[0] == 0 ? [day, [day[1]]] : [day]
        var years = [Array(d[0...3])]
        for (from, to, base) in [(1912, 1926, 1911), (1926, 1989, 1925), (1989, 2019, 1988), (2019, 2100, 2018)] where (from...to).contains(year) {
            let e = year - base
            years.append(e >= 10 ? [e / 10, e % 10] : [e])
        }
        var out: [[Int]] = []
        for y in years { for m in months { for dd in days where y.count + m.count + dd.count >= 5 { out.append(y + m + dd) } } }
        return out
    }

    /// A date in the Japanese era notation (昭和34年10月18日), padded and unpadded.
    static func eraForms(_ f: [UInt32]) -> [String] {
        let d = f.filter(Normalizer.isDigit).map { Int($0) - 0x30 }
        let year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]
        let month = d[4] * 10 + d[5], day = d[6] * 10 + d[7]
        var out: [String] = []
        for (era, from, to, base) in [("大正", 1912, 1926, 1911), ("昭和", 1926, 1989, 1925), ("平成", 1989, 2019, 1988), ("令和", 2019, 2100, 2018)]
        where (from...to).contains(year) {
            let e = year - base
            for m in Set([String(month), month < 10 ? "0\(month)" : String(month)]) {
                for dd in Set([String(day), day < 10 ? "0\(day)" : String(day)]) {
                    out.append("\(era)\(e)年\(m)月\(dd)日")
                    if e == 1 { out.append("\(era)元年\(m)月\(dd)日") }
                }
            }
        }
        return out
    }

    static func classify(_ folded: [UInt32]) -> DetectorKind {
        let s = NameExpander.string(folded)
        if let at = folded.firstIndex(of: 0x40), at > 0, folded[at...].contains(0x2E) { return .email }
        if s.hasPrefix("wxid_") || folded.first == 0x40 { return .messenger }
        if isISODate(folded) { return .dob }
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
