/// Bech32 (BIP 173) as age uses it: no 90-character limit, all lower case or
/// all upper case, checksum always over the lower-case form.
///
/// Decoding works in secure memory throughout, so an identity
/// (`AGE-SECRET-KEY-…`) never passes through an ordinary array.
public enum Bech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
    static let checksumLength = 6

    /// Position of each ASCII byte in the charset (lower case), -1 if none.
    static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in charset.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    static func polymodStep(_ chk: UInt32, _ value: UInt8) -> UInt32 {
        let top = chk >> 25
        var c = (chk & 0x1ff_ffff) << 5 ^ UInt32(value)
        for i in 0..<5 where (top >> i) & 1 == 1 { c ^= generator[i] }
        return c
    }

    /// The checksum state after the expanded human-readable part.
    static func polymod(hrp: [UInt8]) -> UInt32 {
        var chk: UInt32 = 1
        for c in hrp { chk = polymodStep(chk, c >> 5) }
        chk = polymodStep(chk, 0)
        for c in hrp { chk = polymodStep(chk, c & 31) }
        return chk
    }

    /// Encodes `data` under a human-readable part, in lower case.
    /// - Parameter hrp: 1–83 printable ASCII characters (case is folded to lower).
    public static func encode(hrp: String, data: [UInt8]) -> String {
        let h = Array(hrp.lowercased().utf8)
        var values: [UInt8] = []
        values.reserveCapacity((data.count * 8 + 4) / 5 + checksumLength)
        var acc: UInt32 = 0, bits = 0
        for b in data {
            acc = acc << 8 | UInt32(b); bits += 8
            while bits >= 5 { bits -= 5; values.append(UInt8((acc >> UInt32(bits)) & 31)) }
        }
        if bits > 0 { values.append(UInt8((acc << UInt32(5 - bits)) & 31)) }
        var chk = polymod(hrp: h)
        for v in values { chk = polymodStep(chk, v) }
        for _ in 0..<checksumLength { chk = polymodStep(chk, 0) }
        chk ^= 1
        for i in 0..<checksumLength { values.append(UInt8((chk >> UInt32(5 * (5 - i))) & 31)) }
        return String(decoding: h + [UInt8(ascii: "1")] + values.map { charset[Int($0)] }, as: UTF8.self)
    }

    /// Decodes a Bech32 string: its human-readable part (lower case) and data.
    /// - Returns: nil for mixed case, a bad character or checksum, or padding bits that are not zero.
    public static func decode(_ text: String) -> (hrp: String, data: [UInt8])? {
        guard let decoded = try? decodeSecret(text) else { return nil }
        return (decoded.hrp, decoded.data.withUnsafeBytes { Array($0) })
    }

    /// Decodes a Bech32 string whose data is a secret, straight into secure memory.
    /// - Returns: nil when the string is not valid Bech32 (see `decode`).
    /// - Throws: `CryptoError.unavailable` when secure memory cannot be allocated.
    public static func decodeSecret(_ text: String) throws -> (hrp: String, data: SecureBytes)? {
        let utf8 = text.utf8
        guard let sep = utf8.lastIndex(of: UInt8(ascii: "1")) else { return nil }
        let hrpBytes = Array(utf8[..<sep])
        let dataPart = utf8[utf8.index(after: sep)...]
        guard (1...83).contains(hrpBytes.count), dataPart.count >= checksumLength else { return nil }
        var hasLower = false, hasUpper = false
        for c in utf8 {
            guard (33...126).contains(c) else { return nil }
            if (97...122).contains(c) { hasLower = true }
            if (65...90).contains(c) { hasUpper = true }
        }
        guard !(hasLower && hasUpper) else { return nil }
        let lowerHRP = hrpBytes.map { (65...90).contains($0) ? $0 | 0x20 : $0 }
        // The 5-bit values, then the 8-bit data, both only ever in secure memory.
        let values = try SecureBytes(count: dataPart.count)
        let valid = values.withUnsafeMutableBytes { v -> Bool in
            var chk = polymod(hrp: lowerHRP)
            for (i, c) in dataPart.enumerated() {
                let lower = (65...90).contains(c) ? c | 0x20 : c
                guard lower < 128, reverse[Int(lower)] >= 0 else { return false }
                v[i] = UInt8(reverse[Int(lower)])
                chk = polymodStep(chk, v[i])
            }
            return chk == 1
        }
        guard valid else { return nil }
        let payloadValues = dataPart.count - checksumLength
        let out = try SecureBytes(count: payloadValues * 5 / 8)
        let converted = values.withUnsafeBytes { v in
            out.withUnsafeMutableBytes { o -> Bool in
                var acc: UInt32 = 0, bits = 0, n = 0
                defer { acc = 0 }
                for i in 0..<payloadValues {
                    acc = (acc << 5 | UInt32(v[i])) & 0xfff
                    bits += 5
                    if bits >= 8 { bits -= 8; o[n] = UInt8((acc >> UInt32(bits)) & 0xff); n += 1 }
                }
                // BIP 173: at most 4 bits of zero padding.
                return bits < 5 && (acc & ((1 << UInt32(bits)) - 1)) == 0 && n == o.count
            }
        }
        guard converted else { return nil }
        return (String(decoding: lowerHRP, as: UTF8.self), out)
    }
}
