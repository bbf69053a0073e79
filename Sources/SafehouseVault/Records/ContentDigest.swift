import SafehouseCrypto

/// A digest of a file's plaintext that the parallel sealer computes in its one
/// read pass: SHA-256 of each 2 MiB piece (on the worker that encrypts it;
/// OpenSSL's, with the CPU's SHA extensions), folded in order as
/// `SHA-256("safehouse content v2" ‖ u64be length ‖ h₀ ‖ h₁ ‖ …)`.
/// (v1 used BLAKE2b-256, a second pass as slow as the encryption; issue 17.)
///
/// Two uses, never stored: it proves a sealed body decrypts to the original
/// before `--remove-original` deletes it, and it is the input of a sealer's
/// duplicate tag (`Vault+SealTags`). It is an unkeyed hash of plaintext, so it
/// stays in memory.
final class ContentDigest {
    /// Plaintext bytes per piece; equal to a sealing batch (32 chunks of 64 KiB).
    static let pieceBytes = 2 << 20

    private var pieces: [[UInt8]] = []
    private var current = ContentSHA256()
    private var inPiece = 0
    private var length: UInt64 = 0

    /// The hash of one whole piece (or the final, shorter one).
    static func pieceHash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let h = ContentSHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// Streams bytes in, in any split.
    func update(_ bytes: UnsafeRawBufferPointer) {
        var off = 0
        while off < bytes.count {
            let n = min(Self.pieceBytes - inPiece, bytes.count - off)
            current.update(UnsafeRawBufferPointer(rebasing: bytes[off..<off + n]))
            inPiece += n; off += n; length += UInt64(n)
            if inPiece == Self.pieceBytes { pieces.append(current.finalize()); current = ContentSHA256(); inPiece = 0 }
        }
    }

    /// The digest of everything streamed in.
    func finalize() -> [UInt8] {
        if inPiece > 0 { pieces.append(current.finalize()) }
        return Self.fold(pieces: pieces, length: length)
    }

    /// The digest from piece hashes computed elsewhere (in order).
    static func fold(pieces: [[UInt8]], length: UInt64) -> [UInt8] {
        let h = ContentSHA256()
        h.update(Array("safehouse content v2".utf8))
        h.update((0..<8).map { UInt8(truncatingIfNeeded: length >> (56 - 8 * $0)) })
        for p in pieces { h.update(p) }
        return h.finalize()
    }
}
