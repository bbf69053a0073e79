/// The strict base64 of the age format (RFC 4648 §4 alphabet): canonical
/// encodings only (unused bits zero), unpadded in the header, padded in the
/// ASCII armor. Nothing else is accepted: no whitespace, no line breaks.
enum AgeBase64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// Encodes without padding (header arguments, bodies and MAC).
    static func encode(_ bytes: [UInt8], padded: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            for k in 0...n { out.append(alphabet[Int((v >> UInt32(18 - 6 * k)) & 63)]) }
            if padded { for _ in n..<3 { out.append(UInt8(ascii: "=")) } }
            i += 3
        }
        return out
    }

    /// Decodes canonical unpadded base64; nil for any other input.
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        guard decode(text, into: &out) else { return nil }
        return out
    }

    /// Decodes canonical base64, padded when `padded`, appending to `out`; false for any other input.
    static func decode<C: Collection>(_ text: C, padded: Bool = false, into out: inout [UInt8]) -> Bool where C.Element == UInt8 {
        var chars = Array(text)
        if padded {
            guard chars.count % 4 == 0 else { return false }
            var pad = 0
            while pad < 2, chars.last == UInt8(ascii: "=") { chars.removeLast(); pad += 1 }
        }
        guard chars.count % 4 != 1 else { return false }
        var acc: UInt32 = 0, bits = 0
        for c in chars {
            let v = reverse[Int(c)]
            guard v >= 0 else { return false }
            acc = (acc << 6 | UInt32(v)) & 0xffff
            bits += 6
            if bits >= 8 { bits -= 8; out.append(UInt8((acc >> UInt32(bits)) & 0xff)) }
        }
        // Canonical: the bits left over after the last whole byte are zero.
        return acc & ((1 << UInt32(bits)) - 1) == 0
    }
}
