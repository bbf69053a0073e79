import Foundation
import SafehouseCrypto
import Testing

@Suite("ChunkCipher")
struct ChunkCipherTests {
    static let chunk = ChunkCipher.defaultChunkSize
    static let tag = ChunkCipher.tagBytes
    static let full = chunk + tag
    /// 0, 1, chunk−1, chunk, chunk+1, 2×chunk+k.
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk + 4321]

    func cipher(_ key: SecureBytes? = nil) throws -> ChunkCipher { try ChunkCipher(key: key ?? (try SecureBytes.random(count: 32))) }

    @Test(arguments: sizes)
    func roundTripOverSeveralBatchSplits(size: Int) throws {
        let c = try cipher()
        let plain = patternBytes(size, seed: size)
        let (reference, refHashes) = sealBody(c, plain, batchChunks: 1000)
        #expect(UInt64(reference.count) == c.ciphertextLength(forPlaintextLength: UInt64(size)))
        #expect(refHashes.count == Int(c.chunkCount(forPlaintextLength: UInt64(size))))
        // Each chunk hash is BLAKE2b-256 of that ciphertext chunk.
        for (i, h) in refHashes.enumerated() {
            let chunkBytes = Array(reference[(i * Self.full)..<min(reference.count, (i + 1) * Self.full)])
            #expect(h == GenericHash.hash(chunkBytes, length: 32))
        }
        for sealBatch in [1, 2, 3] {
            let (ct, hashes) = sealBody(c, plain, batchChunks: sealBatch)
            #expect(ct == reference, "sealing must not depend on how the body is batched")
            #expect(hashes == refHashes)
        }
        for openBatch in [1, 2, 3, 1000] {
            let (opened, hashes) = try openBody(c, reference, batchChunks: openBatch)
            #expect(opened == plain)
            #expect(hashes == refHashes)
        }
        if size > 0 { #expect(!reference.starts(with: plain.prefix(16)), "ciphertext must not start with the plaintext") }
    }

    @Test func sameKeySameBodyIsDeterministicAndKeysMatter() throws {
        let key = try knownKey()
        let plain = patternBytes(Self.chunk + 10)
        let a = sealBody(try cipher(key), plain, batchChunks: 4).ciphertext
        let b = sealBody(try cipher(try knownKey()), plain, batchChunks: 4).ciphertext
        #expect(a == b)
        let other = sealBody(try cipher(try knownKey(start: 1)), plain, batchChunks: 4).ciphertext
        #expect(a != other)
        #expect(openOnce(try cipher(try knownKey(start: 1)), a).error as? CryptoError == .authenticationFailed)
    }

    /// A three-chunk body (chunk, chunk, 4321) used by the tamper tests.
    func threeChunks() throws -> (ChunkCipher, [UInt8], [UInt8]) {
        let c = try cipher()
        let plain = patternBytes(2 * Self.chunk + 4321)
        return (c, plain, sealBody(c, plain, batchChunks: 8).ciphertext)
    }

    func expectRejected(_ c: ChunkCipher, _ ct: [UInt8], firstIndex: UInt64 = 0, containsLast: Bool = true,
                        zeroed: Bool = true, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        let asWholeBody = firstIndex == 0 && containsLast
        let (error, output) = openOnce(c, ct, firstIndex: firstIndex, containsLast: containsLast)
        #expect(error as? CryptoError == .authenticationFailed, comment, sourceLocation: sourceLocation)
        if zeroed {
            #expect(output.allSatisfy { $0 == 0 }, "the output buffer must be zeroed on failure (\(comment))", sourceLocation: sourceLocation)
        }
        // Opened chunk by chunk as a whole body, it must fail as well.
        guard asWholeBody else { return }
        #expect(throws: CryptoError.authenticationFailed, comment, sourceLocation: sourceLocation) {
            _ = try openBody(c, ct, batchChunks: 1)
        }
    }

    @Test func flippedByteInEveryChunkAndTagFails() throws {
        let (c, _, ct) = try threeChunks()
        let lastLen = ct.count - 2 * Self.full
        // first, middle and last byte of each chunk's ciphertext, and each tag's first and last byte
        var offsets: [Int] = []
        for i in 0..<3 {
            let start = i * Self.full
            let len = i < 2 ? Self.full : lastLen
            let bodyLen = len - Self.tag
            offsets += [start, start + bodyLen / 2, start + bodyLen - 1, start + bodyLen, start + len - 1]
        }
        for off in offsets {
            for mask: UInt8 in [0x01, 0x80] {
                var bad = ct
                bad[off] ^= mask
                expectRejected(c, bad, "flip at offset \(off) mask \(mask)")
            }
        }
    }

    @Test func truncationAtEveryChunkBorderFails() throws {
        let (c, _, ct) = try threeChunks()
        // keep only chunk 0; keep chunks 0 and 1 (the last chunk dropped)
        expectRejected(c, Array(ct[0..<Self.full]), "truncated after chunk 0")
        expectRejected(c, Array(ct[0..<2 * Self.full]), "last chunk dropped")
        // a cut inside the last chunk's tag
        expectRejected(c, Array(ct.dropLast(1)), zeroed: true, "last byte cut")
        // an empty or tag-less body never opens
        #expect(openOnce(c, []).error as? CryptoError == .authenticationFailed)
        #expect(openOnce(c, Array(ct[0..<Self.tag - 1])).error as? CryptoError == .authenticationFailed)
    }

    @Test func droppingTheLastChunkOfAnExactMultipleFails() throws {
        let c = try cipher()
        let ct = sealBody(c, patternBytes(2 * Self.chunk), batchChunks: 8).ciphertext
        #expect(ct.count == 2 * Self.full)
        expectRejected(c, Array(ct[0..<Self.full]), "one of two full chunks dropped")
        // and the full body opened as if more followed fails: its last chunk carries the last flag
        expectRejected(c, ct, containsLast: false, "last chunk opened as a middle chunk")
    }

    @Test func reorderedChunksFail() throws {
        let (c, _, ct) = try threeChunks()
        let c0 = Array(ct[0..<Self.full]), c1 = Array(ct[Self.full..<2 * Self.full]), c2 = Array(ct[(2 * Self.full)...])
        expectRejected(c, c1 + c0 + c2, "chunks 0 and 1 swapped")
        expectRejected(c, c0 + c0 + c2, "chunk 0 repeated")
        // chunk 1 alone opened at index 0, and chunk 0 opened at index 1
        #expect(openOnce(c, c1, firstIndex: 0, containsLast: false).error as? CryptoError == .authenticationFailed)
        #expect(openOnce(c, c0, firstIndex: 1, containsLast: false).error as? CryptoError == .authenticationFailed)
        // but each opens at its own index (random access)
        #expect(openOnce(c, c1, firstIndex: 1, containsLast: false).error == nil)
        #expect(openOnce(c, c2, firstIndex: 2, containsLast: true).error == nil)
    }

    @Test func nonLastChunkMarkedLastFails() throws {
        let (c, _, ct) = try threeChunks()
        let c0 = Array(ct[0..<Self.full]), c1 = Array(ct[Self.full..<2 * Self.full])
        expectRejected(c, c0, containsLast: true, "chunk 0 claimed to be last")
        #expect(openOnce(c, c1, firstIndex: 1, containsLast: true).error as? CryptoError == .authenticationFailed)
        #expect(openOnce(c, c0 + c1, firstIndex: 0, containsLast: true).error as? CryptoError == .authenticationFailed)
        // an extra chunk appended after the real last one fails too
        let extra = sealBody(c, patternBytes(10), batchChunks: 1).ciphertext
        expectRejected(c, ct + extra, "chunk appended after the last")
    }

    @Test func oneBadChunkZeroesTheWholeBatchOutput() throws {
        let (c, plain, ct) = try threeChunks()
        var bad = ct
        bad[bad.count - 1] ^= 1 // only the last chunk is bad; the first two would authenticate
        let (error, output) = openOnce(c, bad)
        #expect(error as? CryptoError == .authenticationFailed)
        #expect(output.count == plain.count)
        #expect(output.allSatisfy { $0 == 0 }, "no plaintext of the good chunks may remain in the batch")
    }

    @Test func invalidKeysAndChunkSizesAreRejected() throws {
        #expect(throws: CryptoError.self) { _ = try ChunkCipher(key: try SecureBytes.random(count: 31)) }
        #expect(throws: CryptoError.self) { _ = try ChunkCipher(key: try SecureBytes.random(count: 32), chunkSize: 8) }
        #expect(throws: CryptoError.self) { _ = try ChunkCipher(key: try SecureBytes.random(count: 32), chunkSize: (1 << 24) + 1) }
        // A small chunk size works the same way.
        let small = try ChunkCipher(key: try SecureBytes.random(count: 32), chunkSize: 1024)
        let plain = patternBytes(5000)
        let ct = sealBody(small, plain, batchChunks: 2).ciphertext
        #expect(ct.count == 5000 + 5 * Self.tag)
        #expect(try openBody(small, ct, batchChunks: 3).plaintext == plain)
    }
}
