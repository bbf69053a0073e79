/// FNV-1a 64-bit: a stable, non-cryptographic fingerprint.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Adds a string, length-prefixed so that concatenations stay distinct.
    mutating func add(_ s: String) {
        let bytes = Array(s.utf8)
        addBytes(withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) })
        addBytes(bytes)
    }

    private mutating func addBytes(_ bytes: [UInt8]) {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
