/// How a ciphertext chunk (with its tag) is hashed for the signed body hash.
public enum ChunkHashing: Sendable, Equatable {
    /// Body format v1: BLAKE2b-256 of the chunk alone.
    case blake2b
    /// Body format v2: SHA-256("safehouse chunk v2" ‖ object id ‖ u64be index ‖
    /// u8 last ‖ chunk), so a chunk's hash names its record and place and no
    /// chunk can be moved, reordered or re-marked as last without its hash changing.
    case sha256(objectID: [UInt8])

    static let v2Domain = Array("safehouse chunk v2".utf8)

    /// The hash of ciphertext chunk `index` (`last`: whether it is the body's last).
    public func hash(_ chunk: UnsafeRawBufferPointer, index: UInt64, last: Bool) -> [UInt8] {
        switch self {
        case .blake2b:
            return GenericHash.hash(chunk, length: ChunkCipher.chunkHashBytes)
        case .sha256(let id):
            let h = ContentSHA256()
            var prefix = Self.v2Domain + id
            for s in stride(from: 56, through: 0, by: -8) { prefix.append(UInt8(truncatingIfNeeded: index >> UInt64(s))) }
            prefix.append(last ? 1 : 0)
            h.update(prefix)
            h.update(chunk)
            return h.finalize()
        }
    }
}
