internal import CSodium

/// ISO/IEC 7816-4 padding (`sodium_pad` / `sodium_unpad`) to a few fixed size
/// classes, so that the length of an encrypted blob tells nothing of what it
/// holds (category, consent, a file name's or a note's length).
public enum Padding {
    /// The size classes, smallest first. A blob is padded to the smallest class
    /// that holds it and at least one padding byte.
    public static let sizeClasses = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576]

    /// The padded length for `count` bytes, or nil above the largest class.
    public static func paddedLength(_ count: Int) -> Int? { sizeClasses.first { $0 > count } }

    /// `bytes` padded to its size class (0x80, then zero bytes).
    /// - Throws: `CryptoError.invalidLength` above the largest class.
    public static func pad(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let target = paddedLength(bytes.count) else { throw CryptoError.invalidLength(what: "padded blob") }
        var out = bytes + [UInt8](repeating: 0, count: target - bytes.count)
        var padded = 0
        let rc = out.withUnsafeMutableBytes { buf in
            sodium_pad(&padded, buf.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count, target, target)
        }
        guard rc == 0, padded == target else { throw CryptoError.invalidLength(what: "padded blob") }
        return out
    }

    /// The bytes before the padding; nil if the padding is not canonical or
    /// the length is not a size class.
    public static func unpad(_ bytes: [UInt8]) -> [UInt8]? {
        guard sizeClasses.contains(bytes.count) else { return nil }
        var unpadded = 0
        let rc = bytes.withUnsafeBytes { buf in
            sodium_unpad(&unpadded, buf.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count, bytes.count)
        }
        guard rc == 0, paddedLength(unpadded) == bytes.count else { return nil }
        return Array(bytes[0..<unpadded])
    }
}
