/// Strict standard base64 (RFC 4648 §4, with padding).
///
/// Hand-written rather than Foundation's because audit formats must be
/// canonical: decoding rejects whitespace, missing or extra padding and
/// non-zero trailing bits, so every accepted string has exactly one byte
/// value and re-encodes to itself.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let reverse: [Int16] = {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int16(i) }
        return table
    }()

    /// Encodes bytes as padded base64 ASCII bytes.
    static func encodeBytes(_ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var it = data.makeIterator()
        while let b0 = it.next() {
            let b1 = it.next()
            let b2 = it.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
        }
        return out
    }

    /// Encodes bytes as a padded base64 string.
    static func encode(_ data: some Collection<UInt8>) -> String {
        String(decoding: encodeBytes(data), as: UTF8.self)
    }

    /// Decodes canonical padded base64; nil for anything else.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let chars = Array(text)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            let last = i + 4 == chars.count
            let c0 = reverse[Int(chars[i])], c1 = reverse[Int(chars[i + 1])]
            guard c0 >= 0, c1 >= 0 else { return nil }
            let pad2 = chars[i + 2] == UInt8(ascii: "="), pad3 = chars[i + 3] == UInt8(ascii: "=")
            // Padding only at the very end, and "x=" followed by a symbol is invalid.
            guard last || (!pad2 && !pad3), !(pad2 && !pad3) else { return nil }
            let c2 = pad2 ? 0 : reverse[Int(chars[i + 2])]
            let c3 = pad3 ? 0 : reverse[Int(chars[i + 3])]
            guard c2 >= 0, c3 >= 0 else { return nil }
            let n = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
            out.append(UInt8(n >> 16 & 0xFF))
            if pad2 {
                guard n & 0xFFFF == 0 else { return nil } // non-canonical trailing bits
            } else {
                out.append(UInt8(n >> 8 & 0xFF))
                if pad3 {
                    guard n & 0xFF == 0 else { return nil }
                } else {
                    out.append(UInt8(n & 0xFF))
                }
            }
            i += 4
        }
        return out
    }

    /// Decodes a canonical base64 string; nil for anything else.
    static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }
}
