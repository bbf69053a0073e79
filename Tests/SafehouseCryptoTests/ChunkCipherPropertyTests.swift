import Foundation
import PropertyBased
import SafehouseCrypto
import Testing

@Suite("ChunkCipher properties")
struct ChunkCipherPropertyTests {
    @Test func randomLengthsRoundTripAndAnySingleFlipFails() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...300_000), Gen.int(in: 0...1_000_000_000), Gen.int(in: 1...6)) { n, flip, batch in
            let c = try ChunkCipher(key: try SecureBytes.random(count: 32))
            let plain = Random.bytes(n)
            let (ct, _) = sealBody(c, plain, batchChunks: batch)
            #expect(UInt64(ct.count) == c.ciphertextLength(forPlaintextLength: UInt64(n)))
            #expect(try openBody(c, ct, batchChunks: 7 - batch).plaintext == plain)
            var bad = ct
            let offset = flip % bad.count
            bad[offset] ^= UInt8(1 << ((flip / bad.count) % 8))
            #expect(throws: CryptoError.authenticationFailed, "flip at \(offset) of \(bad.count)") {
                _ = try openBody(c, bad, batchChunks: batch)
            }
        }
    }
}
