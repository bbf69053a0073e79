import Dispatch

/// The chunked body encryption of a record: a STREAM construction (as in age)
/// over ChaCha20-Poly1305-IETF under a fresh per-record key.
///
/// Chunk `i` (0-based) of `n` is encrypted with the 12-byte nonce
/// `i` as 11 bytes big-endian ‖ `0x01` if it is the last chunk else `0x00`.
/// Every chunk but the last holds exactly `chunkSize` plaintext bytes; the last
/// holds 1…chunkSize bytes (0 only when the whole body is empty). Truncation,
/// reordering, dropping or appending chunks therefore all fail authentication.
///
/// Chunks are independent, so a batch is encrypted on every core and any chunk
/// can be opened alone (random access). Each ciphertext chunk is also hashed
/// in the same pass (`ChunkHashing`): the sealer signs the hash of those hashes,
/// binding the sender to the exact ciphertext (Poly1305 binds nothing for a
/// recipient, who knows the key).
public final class ChunkCipher: @unchecked Sendable {
    /// Default plaintext bytes per chunk (64 KiB).
    public static let defaultChunkSize = 65_536
    public static var tagBytes: Int { ChaCha20Poly1305.tagBytes }
    public static let chunkHashBytes = 32

    public let chunkSize: Int
    public let hashing: ChunkHashing
    private let key: SecureBytes

    /// - Parameters:
    ///   - key: the 32-byte body key (derived from the record key).
    ///   - chunkSize: plaintext bytes per chunk.
    ///   - hashing: how each ciphertext chunk is hashed (the body format).
    public init(key: SecureBytes, chunkSize: Int = ChunkCipher.defaultChunkSize, hashing: ChunkHashing = .blake2b) throws {
        guard key.count == ChaCha20Poly1305.keyBytes else { throw CryptoError.invalidLength(what: "body key") }
        guard chunkSize >= 16, chunkSize <= 1 << 24 else { throw CryptoError.invalidLength(what: "chunk size") }
        self.key = key
        self.chunkSize = chunkSize
        self.hashing = hashing
    }

    /// Number of chunks for a body of `length` plaintext bytes (at least one).
    public func chunkCount(forPlaintextLength length: UInt64) -> UInt64 {
        length == 0 ? 1 : (length + UInt64(chunkSize) - 1) / UInt64(chunkSize)
    }

    /// Ciphertext length for a body of `length` plaintext bytes.
    public func ciphertextLength(forPlaintextLength length: UInt64) -> UInt64 {
        length + chunkCount(forPlaintextLength: length) * UInt64(Self.tagBytes)
    }

    private static func forEach(_ n: Int, concurrently: Bool, _ body: @Sendable (Int) -> Void) {
        if concurrently && n > 1 { DispatchQueue.concurrentPerform(iterations: n, execute: body) } else { for j in 0..<n { body(j) } }
    }

    static func nonce(index: UInt64, last: Bool) -> [UInt8] {
        var n = [UInt8](repeating: 0, count: 12)
        var i = index
        for b in stride(from: 10, through: 3, by: -1) { n[b] = UInt8(truncatingIfNeeded: i); i >>= 8 }
        n[11] = last ? 1 : 0
        return n
    }

    /// Encrypts consecutive chunks in parallel.
    /// - Parameters:
    ///   - input: plaintext of chunks `firstIndex…`; all full except possibly the final one.
    ///   - output: room for `input.count + chunks × tag` bytes.
    ///   - firstIndex: index of the first chunk in `input`.
    ///   - containsLast: whether the last chunk of `input` is the body's last chunk.
    /// - Returns: the hash of each ciphertext chunk (`hashing`), in order.
    ///   - concurrently: spread the chunks over every core (false when the caller
    ///     already runs one batch per core).
    public func seal(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
                     firstIndex: UInt64, containsLast: Bool, concurrently: Bool = true) -> [[UInt8]] {
        let n = input.count == 0 ? 1 : (input.count + chunkSize - 1) / chunkSize
        precondition(containsLast || input.count % chunkSize == 0, "only the last chunk may be short")
        precondition(output.count >= input.count + n * Self.tagBytes)
        var hashes = [[UInt8]](repeating: [], count: n)
        let cs = chunkSize, tag = Self.tagBytes, hashing = hashing
        key.withUnsafeBytes { kb in
            hashes.withUnsafeMutableBufferPointer { hb in
                let p = Unchecked((input, output, kb, hb))
                Self.forEach(n, concurrently: concurrently) { j in
                    let (input, output, k, hashesOut) = p.value
                    let start = j * cs
                    let len = min(cs, input.count - start)
                    let src = UnsafeRawBufferPointer(rebasing: input[start..<start + len])
                    let outStart = j * (cs + tag)
                    let dst = UnsafeMutableRawBufferPointer(rebasing: output[outStart..<outStart + len + tag])
                    let nonce = Self.nonce(index: firstIndex + UInt64(j), last: containsLast && j == n - 1)
                    nonce.withUnsafeBytes { nb in ChaCha20Poly1305.seal(input: src, output: dst, nonce: nb, key: k) }
                    hashesOut[j] = hashing.hash(UnsafeRawBufferPointer(dst), index: firstIndex + UInt64(j), last: containsLast && j == n - 1)
                }
            }
        }
        return hashes
    }

    /// Decrypts and authenticates consecutive ciphertext chunks in parallel.
    /// - Parameters:
    ///   - input: ciphertext chunks (each plaintext + tag), all full but possibly the final one.
    ///   - output: room for `input.count - chunks × tag` bytes.
    /// - Returns: the hash of each ciphertext chunk (`hashing`).
    /// - Throws: `CryptoError.authenticationFailed` if any chunk fails.
    ///   - hashChunks: also hash each ciphertext chunk (needed to check the body
    ///     hash; random access skips it).
    public func open(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
                     firstIndex: UInt64, containsLast: Bool, concurrently: Bool = true, hashChunks: Bool = true) throws -> [[UInt8]] {
        let full = chunkSize + Self.tagBytes
        let n = max(1, (input.count + full - 1) / full)
        guard input.count >= Self.tagBytes,
              containsLast || input.count % full == 0,
              (input.count - (n - 1) * full) >= Self.tagBytes,
              output.count >= input.count - n * Self.tagBytes else { throw CryptoError.authenticationFailed }
        var hashes = [[UInt8]](repeating: [], count: n)
        var ok = [Bool](repeating: false, count: n)
        let tag = Self.tagBytes, cs = chunkSize, hashing = hashing
        key.withUnsafeBytes { kb in
            hashes.withUnsafeMutableBufferPointer { hb in
                ok.withUnsafeMutableBufferPointer { okb in
                    let p = Unchecked((input, output, kb, hb, okb))
                    Self.forEach(n, concurrently: concurrently) { j in
                        let (input, output, k, hashesOut, okOut) = p.value
                        let start = j * full
                        let len = min(full, input.count - start)
                        let src = UnsafeRawBufferPointer(rebasing: input[start..<start + len])
                        let outStart = j * cs
                        let dst = UnsafeMutableRawBufferPointer(rebasing: output[outStart..<outStart + len - tag])
                        let nonce = Self.nonce(index: firstIndex + UInt64(j), last: containsLast && j == n - 1)
                        okOut[j] = nonce.withUnsafeBytes { nb in ChaCha20Poly1305.open(input: src, output: dst, nonce: nb, key: k) }
                        if hashChunks { hashesOut[j] = hashing.hash(src, index: firstIndex + UInt64(j), last: containsLast && j == n - 1) }
                    }
                }
            }
        }
        guard ok.allSatisfy({ $0 }) else {
            output.initializeMemory(as: UInt8.self, repeating: 0)
            throw CryptoError.authenticationFailed
        }
        return hashes
    }
}

/// Carries buffer pointers into `concurrentPerform`; each worker touches disjoint ranges.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
