import Foundation
import SafehouseCrypto

/// A member fingerprint: BLAKE2b-160 of a domain string and both public keys,
/// shown as 32 base32 letters in eight groups of four, to compare aloud
/// ("k7q2-fm3x-…"). It is the member's id in vaults, slots and audit entries.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    /// 20 raw bytes.
    public let bytes: [UInt8]

    static let byteCount = 20

    public init(signKey: [UInt8], boxKey: [UInt8]) {
        bytes = GenericHash.hash(Array("safehouse fingerprint v1\n".utf8) + signKey + boxKey, length: 20)
    }

    init?(raw: [UInt8]) {
        guard raw.count == Self.byteCount else { return nil }
        bytes = raw
    }

    /// Compact form without separators (32 characters), used in files.
    public var compact: String { Encoding.base32(bytes) }

    /// Grouped form for reading aloud.
    public var description: String {
        let c = Array(compact)
        return stride(from: 0, to: c.count, by: 4).map { String(c[$0..<min($0 + 4, c.count)]) }.joined(separator: "-")
    }

    /// Parses the compact or grouped form.
    public init?(text: String) {
        let compact = text.lowercased().replacingOccurrences(of: "-", with: "")
        guard compact.count == 32 else { return nil }
        guard let f = Fingerprint.all(from: compact) else { return nil }
        self = f
    }

    private static func all(from compact: String) -> Fingerprint? {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var buffer = 0, bits = 0
        var out = [UInt8]()
        for ch in compact {
            guard let v = alphabet.firstIndex(of: ch) else { return nil }
            buffer = (buffer << 5) | v; bits += 5
            if bits >= 8 { out.append(UInt8((buffer >> (bits - 8)) & 0xff)); bits -= 8 }
        }
        return Fingerprint(raw: out)
    }
}
