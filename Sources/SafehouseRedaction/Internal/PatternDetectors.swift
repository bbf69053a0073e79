/// Hand-written scanners for identifiers that need no lexicon: phones, RRNs, e-mail,
/// passports, messenger ids, coordinates and dates of birth.
///
/// All work on folded units (``NormalizedText/units``): lowercase ASCII, ASCII digits
/// (full-width already folded), one hyphen and one apostrophe.
enum PatternDetectors {
    typealias Units = UnsafeBufferPointer<UInt32>

    @inline(__always) static func isDigit(_ u: UInt32) -> Bool { u >= 0x30 && u <= 0x39 }
    @inline(__always) static func isLetter(_ u: UInt32) -> Bool { u >= 0x61 && u <= 0x7A }
    /// Letters, digits, and the CamelCase break (which only ever sits between two letters).
    @inline(__always) static func isAlnum(_ u: UInt32) -> Bool { isDigit(u) || isLetter(u) || u == Normalizer.camelBreak }
    @inline(__always) static func at(_ s: Units, _ k: Int) -> UInt32 { k >= 0 && k < s.count ? s[k] : 0 }

    // MARK: numbers: phones and resident registration numbers

    /// A phone number or RRN starting at the digit `i` (the first digit of a run).
    static func number(_ s: Units, _ i: Int) -> (Int, Int, DetectorKind)? {
        var start = i
        var plus = false
        if at(s, i - 1) == 0x2B { plus = true; start = i - 1 }
        else if at(s, i - 1) == 0x28 { start = i - 1; if at(s, i - 2) == 0x2B { plus = true; start = i - 2 } }
        if start > 0, isAlnum(s[start - 1]) { return nil }
        var groups: [Int] = []
        var ends: [Int] = []
        var seps: [UInt32] = []
        var p = i
        var total = 0
        while true {
            var g = 0
            while p < s.count, isDigit(s[p]) { g += 1; p += 1 }
            groups.append(g); ends.append(p); total += g
            if total > 16 || groups.count > 6 { break }
            var q = p, run = 0
            var sep: UInt32 = 0
            while q < s.count, run < 2, [0x20, 0x2D, 0x2E, 0x28, 0x29, 0x2F].contains(s[q]) { sep = s[q]; q += 1; run += 1 }
            guard q > p, q < s.count, isDigit(s[q]) else { break }
            seps.append(sep)
            p = q
        }
        if isLetter(at(s, ends[0])) { return nil }
        var k = groups.count
        while k >= 1 {
            let g = Array(groups[0..<k])
            let end = ends[k - 1]
            if !isLetter(at(s, end)) {
                if !plus, isRRN(s, i, g, Array(seps.prefix(k - 1))) { return (start, end, .rrn) }
                if isPhone(s, i, g, plus: plus) { return (start, end, .phone) }
            }
            k -= 1
        }
        return nil
    }

    /// A Chinese resident ID at the digit `i`: 17 digits and a check character (digit or X) that
    /// the ISO 7064 MOD 11-2 checksum confirms, as a whole word.
    static func chineseID(_ s: Units, _ i: Int) -> Int? {
        guard i + 18 <= s.count, !isAlnum(at(s, i - 1)) else { return nil }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for k in 0..<17 {
            let u = s[i + k]
            guard isDigit(u) else { return nil }
            sum += Int(u - 0x30) * weights[k]
        }
        let c = (12 - sum % 11) % 11
        let last = s[i + 17]
        guard c == 10 ? last == 0x78 : last == 0x30 + UInt32(c), !isAlnum(at(s, i + 18)) else { return nil }
        return i + 18
    }

    private static func digit(_ s: Units, _ i: Int, _ n: Int) -> Int {
        var k = i, seen = -1
        while k < s.count {
            if isDigit(s[k]) { seen += 1; if seen == n { return Int(s[k] - 0x30) } }
            k += 1
        }
        return -1
    }

    private static func isRRN(_ s: Units, _ i: Int, _ g: [Int], _ seps: [UInt32]) -> Bool {
        guard g == [13] || (g == [6, 7] && (seps[0] == 0x2D || seps[0] == 0x20)) else { return false }
        let mm = digit(s, i, 2) * 10 + digit(s, i, 3)
        let dd = digit(s, i, 4) * 10 + digit(s, i, 5)
        return (1...12).contains(mm) && (1...31).contains(dd)
    }

    private static func isPhone(_ s: Units, _ i: Int, _ g: [Int], plus: Bool) -> Bool {
        let d = g.reduce(0, +)
        let first = digit(s, i, 0), second = digit(s, i, 1)
        if plus { return (8...15).contains(d) && g.count >= 1 }
        if first == 0 && (9...11).contains(d) && (g.count >= 2 || d >= 10) { return g.allSatisfy { $0 >= 1 } }
        if d == 11 && first == 1 && (3...9).contains(second) && (g.count == 1 || g == [3, 4, 4] || g == [3, 8]) { return true }
        if d == 10 && g == [3, 3, 4] { return true }
        if d == 11 && g == [1, 3, 3, 4] && first == 1 { return true }
        return false
    }

    // MARK: e-mail and handles

    private static func isLocal(_ u: UInt32) -> Bool { isAlnum(u) || u == 0x2E || u == 0x5F || u == 0x25 || u == 0x2B || u == 0x2D }

    /// An e-mail address or a messenger handle around the `@` at `i`.
    static func atSign(_ s: Units, _ i: Int) -> (Int, Int, DetectorKind)? {
        var ls = i
        while ls > 0, isLocal(s[ls - 1]) { ls -= 1 }
        while ls < i, !isAlnum(s[ls]) { ls += 1 }
        var de = i + 1
        var lastDot = -1
        while de < s.count, isAlnum(s[de]) || s[de] == 0x2E || s[de] == 0x2D {
            if s[de] == 0x2E { lastDot = de }
            de += 1
        }
        while de > i + 1, s[de - 1] == 0x2E || s[de - 1] == 0x2D { de -= 1 }
        if lastDot >= de - 1 { lastDot = -1; for k in (i + 1)..<de where s[k] == 0x2E { lastDot = k } }
        if ls < i, lastDot > i + 1, de - lastDot - 1 >= 2, (lastDot + 1..<de).allSatisfy({ isLetter(s[$0]) }) {
            return (ls, de, .email)
        }
        // Telegram-style handle: @name, not glued to a word.
        if i == 0 || !isAlnum(s[i - 1]) {
            var e = i + 1
            while e < s.count, isAlnum(s[e]) || s[e] == 0x5F { e += 1 }
            if e - i - 1 >= 3 && e - i - 1 <= 32 { return (i, e, .messenger) }
        }
        return nil
    }

    // MARK: passports

    /// One or two letters then 7–8 digits, as a whole word (M12345678).
    static func passport(_ s: Units, _ i: Int) -> Int? {
        var p = i
        while p < s.count, isLetter(s[p]), p - i < 3 { p += 1 }
        let letters = p - i
        guard (1...2).contains(letters) else { return nil }
        let ds = p
        while p < s.count, isDigit(s[p]) { p += 1 }
        guard (7...8).contains(p - ds), !isAlnum(at(s, p)) else { return nil }
        return p
    }

    // MARK: messenger ids after a keyword

    private static let fillers: [[UInt32]] = ["id", "아이디", "은", "는", "이", "가", "is", "으로", "로", "계정", "닉네임",
                                               "handle", "account", "number", "번호", "도", "my", "me", "at", "on"]
        .map { $0.unicodeScalars.map(\.value) }

    /// The id after a messenger keyword ending at `k` (`카톡 아이디: kimyh85`).
    static func messengerID(_ s: Units, after k: Int) -> (Int, Int)? {
        var p = k
        var strong = false
        var steps = 0
        outer: while p < s.count, steps < 8 {
            steps += 1
            let u = s[p]
            if u == 0x20 || u == 0x0A || u == 0x2D || u == 0x28 || u == 0x29 || u == 0x2C || u == 0x22 || u == 0x27 { p += 1; continue }
            if u == 0x3A || u == 0x3D { strong = true; p += 1; continue }
            for f in fillers where p + f.count <= s.count && (0..<f.count).allSatisfy({ s[p + $0] == f[$0] }) {
                let after = at(s, p + f.count)
                if isAlnum(after) && isLetter(f[0]) { continue }
                if f == fillers[0] || f == fillers[1] { strong = true }
                p += f.count
                continue outer
            }
            break
        }
        guard p < s.count, isAlnum(s[p]) || s[p] == 0x40 else { return nil }
        let st = p
        if s[p] == 0x40 { p += 1 }
        var hasMark = false
        while p < s.count, isAlnum(s[p]) || s[p] == 0x5F || s[p] == 0x2E || s[p] == 0x2D {
            if isDigit(s[p]) || s[p] == 0x5F { hasMark = true }
            p += 1
        }
        while p > st, s[p - 1] == 0x2E || s[p - 1] == 0x2D { p -= 1 }
        guard p - st >= 3, p - st <= 40, strong || hasMark || s[st] == 0x40 else { return nil }
        return (st, p)
    }

    /// The id after `wxid_` (the keyword span is `ks..<k`).
    static func wxid(_ s: Units, keywordStart ks: Int, end k: Int) -> (Int, Int)? {
        var p = k
        while p < s.count, isAlnum(s[p]) || s[p] == 0x5F || s[p] == 0x2D { p += 1 }
        return p - k >= 2 ? (ks, p) : nil
    }
}
