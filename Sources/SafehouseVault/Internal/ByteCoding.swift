/// Big-endian binary writer for the vault's byte formats (see Docs/FORMAT.md).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v)) }
    mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    mutating func ascii(_ s: String) { bytes.append(contentsOf: Array(s.utf8)) }
    /// A u32 length prefix followed by the bytes.
    mutating func blob(_ b: [UInt8]) { u32(UInt32(b.count)); raw(b) }
}

/// Strict big-endian reader: every read is bounds-checked and throws on short input.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0
    let object: String

    init(_ bytes: [UInt8], object: String) { self.bytes = bytes; self.object = object }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    private func fail() -> VaultError { .badData(object: object, hint: "the file is truncated or malformed") }

    mutating func take(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= remaining else { throw fail() }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    mutating func u8() throws -> UInt8 { try take(1)[0] }
    mutating func u16() throws -> UInt16 { let b = try take(2); return UInt16(b[0]) << 8 | UInt16(b[1]) }
    mutating func u32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }
    /// A u32-length-prefixed blob of at most `max` bytes.
    mutating func blob(max: Int) throws -> [UInt8] {
        let n = Int(try u32())
        guard n <= max else { throw fail() }
        return try take(n)
    }
    mutating func expect(_ magic: [UInt8]) throws {
        guard try take(magic.count) == magic else { throw fail() }
    }
    func expectEnd() throws { guard isAtEnd else { throw fail() } }
}
