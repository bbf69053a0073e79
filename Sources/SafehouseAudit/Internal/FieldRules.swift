/// Charset and length rules shared by audit entries, checkpoints and exports.
///
/// Everything is restricted to printable ASCII without spaces, quotes or
/// backslashes. Why so strict: (1) an entry must have exactly one byte form,
/// and Unicode text has many (Swift `String ==` even treats canonically
/// equivalent sequences as equal); (2) a field can then never smuggle a line
/// break into the line-based formats, nor need escaping in JSON; (3) entries
/// hold ids, pseudonyms and fingerprints, never names, so nothing legitimate
/// needs more — and Hangul or Latin names are rejected outright.
enum FieldRules {
    /// A token byte: printable ASCII 0x21...0x7E except `"` and `\`.
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        b >= 0x21 && b <= 0x7E && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\")
    }

    /// A code byte (actions, reasons): a-z, 0-9, '-', '.', '_'.
    @inline(__always)
    static func isCodeByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
    }

    /// Non-empty, at most `max` bytes, all token bytes.
    static func isToken(_ bytes: some Collection<UInt8>, max: Int) -> Bool {
        !bytes.isEmpty && bytes.count <= max && bytes.allSatisfy(isTokenByte)
    }

    /// Non-empty, at most `max` bytes, starting with a letter, all code bytes.
    static func isCode(_ bytes: some Collection<UInt8>, max: Int) -> Bool {
        guard let first = bytes.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
        return bytes.count <= max && bytes.allSatisfy(isCodeByte)
    }

    /// Strict decimal: digits only, no sign, no leading zero (except "0"),
    /// no overflow. One number, one spelling.
    static func parseDecimal(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard let first = bytes.first, bytes.count <= 20 else { return nil }
        if first == UInt8(ascii: "0") && bytes.count > 1 { return nil }
        var value: UInt64 = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = a
        }
        return value
    }
}
