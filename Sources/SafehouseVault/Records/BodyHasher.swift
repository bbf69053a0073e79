import SafehouseCrypto

/// Folds ciphertext chunk hashes, in order, into a body's signed hash, and keeps
/// them (32 bytes a chunk) so random access can check single chunks later.
///
/// - body format v1 (header version 2): BLAKE2b-256("safehouse body v1" ‖ h₀ ‖ h₁ ‖ …)
/// - body format v2 (header version 3): SHA-256("safehouse body v2" ‖ h₀ ‖ h₁ ‖ …)
final class BodyHasher {
    private let v1: GenericHash?
    private let v2: ContentSHA256?
    /// The chunk hashes added so far, back to back.
    private(set) var leaves: [UInt8] = []

    init(version: UInt8) {
        if version == RecordHeader.legacyVersion {
            v1 = GenericHash(length: 32); v2 = nil
            v1!.update(Array("safehouse body v1".utf8))
        } else {
            v1 = nil; v2 = ContentSHA256()
            v2!.update(Self.v2Domain)
        }
    }

    static let v2Domain = Array("safehouse body v2".utf8)

    func add(_ chunkHashes: [[UInt8]]) {
        for h in chunkHashes {
            if let v1 { v1.update(h) } else { v2!.update(h) }
            leaves.append(contentsOf: h)
        }
    }

    func finalize() -> [UInt8] { v1?.finalize() ?? v2!.finalize() }

    /// Whether `leaves` (32 bytes per chunk) fold to `header`'s signed body hash.
    static func leavesMatch(_ leaves: [UInt8], _ header: RecordHeader) -> Bool {
        guard UInt64(leaves.count) == header.chunkCount * 32 else { return false }
        let h = BodyHasher(version: header.version)
        if let v1 = h.v1 { v1.update(leaves) } else { h.v2!.update(leaves) }
        return h.finalize() == header.bodyHash
    }
}
