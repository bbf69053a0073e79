/// Coordinates (decimal pairs and degrees–minutes–seconds) and dates of birth.
extension PatternDetectors {
    private static func isHemisphere(_ u: UInt32) -> Bool { u == 0x6E || u == 0x73 || u == 0x65 || u == 0x77 }

    private struct Coord { var end: Int; var value: Double; var dms: Bool; var marked: Bool }

    private static func parseNumber(_ s: Units, _ p: Int, maxInt: Int) -> (Int, Double, Int)? {
        var q = p, v = 0.0
        while q < s.count, isDigit(s[q]), q - p < maxInt { v = v * 10 + Double(s[q] - 0x30); q += 1 }
        guard q > p, !isDigit(at(s, q)) else { return nil }
        var frac = 0
        if at(s, q) == 0x2E, isDigit(at(s, q + 1)) {
            q += 1
            var scale = 0.1
            while q < s.count, isDigit(s[q]) { v += Double(s[q] - 0x30) * scale; scale /= 10; q += 1; frac += 1 }
        }
        return (q, v, frac)
    }

    /// One coordinate at `p`: optional hemisphere letter, decimal degrees or D°M'S", optional hemisphere.
    private static func coordinate(_ s: Units, _ p0: Int) -> Coord? {
        var p = p0
        var marked = false
        if isHemisphere(at(s, p)), !isLetter(at(s, p - 1)) {
            p += 1; marked = true
            if at(s, p) == 0x20 { p += 1 }
        }
        if at(s, p) == 0x2D { p += 1 }
        guard let (e1, deg, frac) = parseNumber(s, p, maxInt: 3) else { return nil }
        var q = e1
        var dms = false
        var value = deg
        if at(s, q) == 0xB0 || at(s, q) == 0xBA {
            q += 1
            marked = true
            var r = q
            if at(s, r) == 0x20 { r += 1 }
            if frac == 0, let (e2, mins, _) = parseNumber(s, r, maxInt: 2), at(s, e2) == 0x27 {
                dms = true
                value += mins / 60
                q = e2 + 1
                var t = q
                if at(s, t) == 0x20 { t += 1 }
                if let (e3, secs, _) = parseNumber(s, t, maxInt: 2) {
                    if at(s, e3) == 0x22 { q = e3 + 1; value += secs / 3600 }
                    else if at(s, e3) == 0x27 && at(s, e3 + 1) == 0x27 { q = e3 + 2; value += secs / 3600 }
                }
            }
        } else if frac < 2 {
            return nil
        }
        var r = q
        if at(s, r) == 0x20 { r += 1 }
        if isHemisphere(at(s, r)), !isLetter(at(s, r + 1)) { q = r + 1; marked = true }
        return Coord(end: q, value: value, dms: dms, marked: marked)
    }

    /// Coordinates around the digit `i` (first of its run): one DMS/marked value, or a decimal pair.
    static func coordinates(_ s: Units, _ i: Int) -> (Int, Int)? {
        var start = i
        if at(s, start - 1) == 0x2D { start -= 1 }
        if isHemisphere(at(s, start - 1)), !isLetter(at(s, start - 2)) { start -= 1 }
        else if at(s, start - 1) == 0x20, isHemisphere(at(s, start - 2)), !isLetter(at(s, start - 3)) { start -= 2 }
        if start > 0, isAlnum(s[start - 1]) || s[start - 1] == 0x2E { return nil }
        guard let first = coordinate(s, start) ?? coordinate(s, i) else { return nil }
        if first.end <= i { return nil }
        let realStart = coordinate(s, start) != nil ? start : i
        var p = first.end, run = 0
        while p < s.count, run < 3, [0x2C, 0x20, 0x2F, 0x3B].contains(s[p]) { p += 1; run += 1 }
        if run > 0, isDigit(at(s, p)) || isHemisphere(at(s, p)) || at(s, p) == 0x2D, let second = coordinate(s, p),
           abs(first.value) <= 180, abs(second.value) <= 180, first.dms == second.dms {
            return (realStart, second.end)
        }
        if first.dms || (first.marked && abs(first.value) <= 180 && at(s, first.end - 1) != 0x20) { return (realStart, first.end) }
        return nil
    }

    // MARK: dates of birth

    private static let months: [[UInt32]] = ["january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec"].map { $0.unicodeScalars.map(\.value) }

    private static func digitsValue(_ s: Units, _ p: Int, max: Int) -> (Int, Int)? {
        var q = p, v = 0
        while q < s.count, isDigit(s[q]), q - p < max { v = v * 10 + Int(s[q] - 0x30); q += 1 }
        guard q > p, !isDigit(at(s, q)) else { return nil }
        return (q, v)
    }

    private static func skipSpaces(_ s: Units, _ p: Int) -> Int { var q = p; while at(s, q) == 0x20 { q += 1 }; return q }

    private static func monthName(_ s: Units, _ p: Int) -> Int? {
        for m in months where p + m.count <= s.count && (0..<m.count).allSatisfy({ s[p + $0] == m[$0] }) {
            var e = p + m.count
            if isLetter(at(s, e)) { continue }
            if at(s, e) == 0x2E { e += 1 }
            return e
        }
        return nil
    }

    /// A full date starting at `p`: returns its end, the year, and whether it used 년/월/일.
    static func date(_ s: Units, _ p: Int) -> (Int, Int, Bool)? {
        let nyeon: UInt32 = 0xB144, wol: UInt32 = 0xC6D4, il: UInt32 = 0xC77C
        func validYear(_ y: Int) -> Bool { (1900...2030).contains(y) }
        if isLetter(at(s, p)), let me = monthName(s, p) {
            var q = skipSpaces(s, me)
            guard let (de, d) = digitsValue(s, q, max: 2), (1...31).contains(d) else { return nil }
            q = de
            for suf in ["st", "nd", "rd", "th"] where at(s, q) == suf.unicodeScalars.first!.value && at(s, q + 1) == suf.unicodeScalars.last!.value { q += 2 }
            if at(s, q) == 0x2C { q += 1 }
            q = skipSpaces(s, q)
            guard let (ye, y) = digitsValue(s, q, max: 4), ye - q == 4, validYear(y) else { return nil }
            return (ye, y, false)
        }
        guard let (e1, a) = digitsValue(s, p, max: 8) else { return nil }
        let len = e1 - p
        if len == 8, validYear(a / 10000), (1...12).contains(a / 100 % 100) { return (e1, a / 10000, false) }
        if len == 6, (1...12).contains(a / 100 % 100), (1...31).contains(a % 100) {
            let yy = a / 10000
            return (e1, yy <= 30 ? 2000 + yy : 1900 + yy, false)
        }
        if len == 4, validYear(a) {
            var q = e1
            let korean = at(s, q) == nyeon
            if korean { q = skipSpaces(s, q + 1) }
            else if [0x2D, 0x2E, 0x2F].contains(at(s, q)) { q += 1; q = skipSpaces(s, q) } else { return nil }
            guard let (e2, m) = digitsValue(s, q, max: 2), (1...12).contains(m) else { return korean ? nil : nil }
            q = e2
            if korean { guard at(s, q) == wol else { return nil }; q = skipSpaces(s, q + 1) }
            else if [0x2D, 0x2E, 0x2F].contains(at(s, q)) { q += 1 } else { return nil }
            guard let (e3, d) = digitsValue(s, q, max: 2), (1...31).contains(d) else { return nil }
            q = e3
            if korean, at(s, q) == il { q += 1 }
            return (q, a, korean)
        }
        if len <= 2, a >= 1 {
            var q = e1
            if at(s, q) == 0x20, let me = monthName(s, q + 1) {  // 14 March 1985
                q = skipSpaces(s, me)
                if at(s, q) == 0x2C { q = skipSpaces(s, q + 1) }
                guard let (ye, y) = digitsValue(s, q, max: 4), ye - q == 4, validYear(y) else { return nil }
                return (ye, y, false)
            }
            guard [0x2D, 0x2E, 0x2F].contains(at(s, q)) else { return nil }
            q += 1
            guard let (e2, _) = digitsValue(s, q, max: 2) else { return nil }
            q = e2
            guard [0x2D, 0x2E, 0x2F].contains(at(s, q)) else { return nil }
            q += 1
            guard let (ye, y) = digitsValue(s, q, max: 4), ye - q == 4, validYear(y) else { return nil }
            return (ye, y, false)
        }
        return nil
    }
}
