/// Writes an age v1 file (c2sp.org/age) to X25519 recipients, streaming: the
/// header and payload nonce first, then the STREAM payload one 64 KiB chunk at
/// a time. Plaintext waits in secure memory until its chunk is sealed.
///
/// Payload: `payload key = HKDF-SHA-256(file key, salt: nonce, info: "payload")`;
/// chunk `i` is ChaCha20-Poly1305 under the nonce `i` (11 bytes big-endian) ‖
/// `0x01` for the last chunk, `0x00` otherwise. Every chunk but the last holds
/// exactly 64 KiB; the last holds 1…64 KiB, or 0 bytes when the whole plaintext is empty.
public final class AgeEncryptor {
    /// Plaintext bytes per payload chunk.
    public static let chunkSize = 64 * 1024
    static let nonceBytes = 16

    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private let payloadKey: SecureBytes
    private let pending: SecureBytes
    private var pendingCount = 0
    private var sealed: [UInt8]
    private var counter: UInt64 = 0
    private var finished = false

    /// Starts a file: writes the header and the payload nonce to `sink`.
    /// - Parameters:
    ///   - recipients: at least one.
    ///   - sink: receives the file's bytes in order; whatever it throws is passed on.
    public init(recipients: [AgeRecipient], sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !recipients.isEmpty else { throw CryptoError.invalidLength(what: "age recipients (none given)") }
        self.sink = sink
        let fileKey = try SecureBytes.random(count: AgeX25519Identity.fileKeyBytes)
        let header = try AgeHeader(stanzas: try recipients.map { try $0.wrap(fileKey) }, fileKey: fileKey)
        let nonce = Random.bytes(Self.nonceBytes)
        payloadKey = try AgeDecryptor.payloadKey(fileKey: fileKey, nonce: nonce)
        pending = try SecureBytes(count: Self.chunkSize)
        sealed = [UInt8](repeating: 0, count: Self.chunkSize + ChaCha20Poly1305.tagBytes)
        try (header.encoded + nonce).withUnsafeBytes { try sink($0) }
    }

    /// Adds plaintext. A full chunk is sealed only once more plaintext follows,
    /// since the last chunk carries the last-chunk flag.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "AgeEncryptor written after finish")
        var offset = 0
        while offset < bytes.count {
            if pendingCount == Self.chunkSize { try flush(last: false) }
            let n = min(bytes.count - offset, Self.chunkSize - pendingCount)
            pending.withUnsafeMutableBytes { p in
                (p.baseAddress! + pendingCount).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            }
            pendingCount += n
            offset += n
        }
    }

    /// Adds plaintext from an array.
    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Seals the last chunk. The file is complete once this returns.
    public func finish() throws {
        precondition(!finished, "AgeEncryptor finished twice")
        try flush(last: true)
        finished = true
    }

    private func flush(last: Bool) throws {
        let nonce = AgeDecryptor.chunkNonce(counter, last: last)
        let count = pendingCount
        pending.withUnsafeBytes { p in
            payloadKey.withUnsafeBytes { k in
                nonce.withUnsafeBytes { n in
                    sealed.withUnsafeMutableBytes { o in
                        ChaCha20Poly1305.seal(input: UnsafeRawBufferPointer(rebasing: p[0..<count]),
                                              output: UnsafeMutableRawBufferPointer(rebasing: o[0..<count + ChaCha20Poly1305.tagBytes]),
                                              nonce: n, key: k)
                    }
                }
            }
        }
        pending.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        pendingCount = 0
        counter += 1
        try sealed.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<count + ChaCha20Poly1305.tagBytes])) }
    }

    /// The whole age file for `plaintext`, in memory.
    public static func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(plaintext.count + plaintext.count / chunkSize * 16 + 256 + 200 * recipients.count)
        let e = try AgeEncryptor(recipients: recipients) { out += $0 }
        try e.write(plaintext)
        try e.finish()
        return out
    }
}
