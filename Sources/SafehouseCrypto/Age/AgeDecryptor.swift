/// Reads an age v1 file (c2sp.org/age) with X25519 identities, streaming in
/// constant memory: `init` reads and checks the header (stanzas, file key,
/// header MAC, payload nonce), `next()` returns the payload one verified
/// 64 KiB chunk at a time.
///
/// As strict as the reference implementation, and its outcomes are those of
/// the age testkit (`AgeFailure`). Like the reference, a chunk is released once
/// it authenticates: a failure later in the stream (truncation, trailing data)
/// surfaces from a later `next()`, so a caller must treat what it received as
/// untrusted until `next()` returns nil.
public final class AgeDecryptor {
    /// How the input is encoded.
    public enum Encoding: Sendable {
        /// The binary format.
        case binary
        /// The ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`).
        case armored
        /// Armored when the first byte is `-` or whitespace, binary otherwise.
        case detect
    }

    /// The parsed header (public: stanzas and MAC).
    public let header: AgeHeader
    private let input: AgeInput
    private let payloadKey: SecureBytes
    private var chunk: [UInt8]
    private var counter: UInt64 = 0
    private var done = false
    /// The first error of the stream (an I/O error of the source too): every later `next()` repeats it.
    private var failure: Error?

    static let payloadInfo = Array("payload".utf8)

    /// Reads the header and unlocks the payload.
    /// - Parameters:
    ///   - source: the file's bytes; errors it throws pass through unchanged.
    ///   - identities: tried in order, each against every stanza.
    /// - Throws: `AgeError.unreadable` with `.armor`, `.header`, `.noMatch` or `.hmac`.
    public init(source: @escaping AgeByteSource, identities: [AgeX25519Identity], encoding: Encoding = .detect) throws {
        let raw = AgeInput(source)
        var armored = encoding == .armored
        if encoding == .detect, let first = try raw.peek() {
            armored = first == UInt8(ascii: "-") || AgeArmorDecoder.whitespace.contains(first)
        }
        let input: AgeInput
        if armored {
            let decoder = AgeArmorDecoder(raw)
            input = AgeInput { try decoder.read($0) }
        } else {
            input = raw
        }
        self.input = input
        header = try AgeHeader.read(from: input)
        // c2sp.org/age: an scrypt stanza must be alone, whatever identities are tried.
        if header.stanzas.contains(where: { $0.type == "scrypt" }) && header.stanzas.count > 1 {
            throw AgeError.unreadable(.header)
        }
        var fileKey: SecureBytes?
        for identity in identities {
            if let k = try identity.unwrap(header.stanzas) { fileKey = k; break }
        }
        guard let fileKey else { throw AgeError.unreadable(.noMatch) }
        guard try header.verifyMAC(fileKey: fileKey) else { throw AgeError.unreadable(.hmac) }
        var nonce = [UInt8](repeating: 0, count: AgeEncryptor.nonceBytes)
        guard try nonce.withUnsafeMutableBytes({ try input.readFull($0) }) == nonce.count else {
            throw AgeError.unreadable(.header)
        }
        payloadKey = try Self.payloadKey(fileKey: fileKey, nonce: nonce)
        chunk = [UInt8](repeating: 0, count: AgeEncryptor.chunkSize + ChaCha20Poly1305.tagBytes)
    }

    static func payloadKey(fileKey: SecureBytes, nonce: [UInt8]) throws -> SecureBytes {
        try HKDF.deriveKey(from: fileKey, salt: nonce, info: payloadInfo, length: ChaCha20Poly1305.keyBytes)
    }

    /// The 12-byte STREAM nonce of chunk `counter`.
    static func chunkNonce(_ counter: UInt64, last: Bool) -> [UInt8] {
        var n = [UInt8](repeating: 0, count: ChaCha20Poly1305.nonceBytes)
        var c = counter
        for i in stride(from: 10, through: 3, by: -1) { n[i] = UInt8(truncatingIfNeeded: c); c >>= 8 }
        n[11] = last ? 1 : 0
        return n
    }

    /// The next verified chunk of plaintext, or nil after the final chunk.
    /// - Throws: `AgeError.unreadable(.payload)` (or `.armor` from the armor) once the stream is known bad.
    public func next() throws -> [UInt8]? {
        if let failure { throw failure }
        if done { return nil }
        do {
            return try readChunk()
        } catch {
            failure = error
            throw error
        }
    }

    private func readChunk() throws -> [UInt8] {
        let tag = ChaCha20Poly1305.tagBytes
        let n = try chunk.withUnsafeMutableBytes { try input.readFull($0) }
        // No final chunk, a chunk too short for its tag, or an empty final chunk after others.
        var last = n < chunk.count
        guard n >= tag, !(last && counter > 0 && n == tag) else { throw AgeError.unreadable(.payload) }
        var plain = [UInt8](repeating: 0, count: n - tag)
        var opened = open(n, into: &plain, last: last)
        if !opened && !last {
            // A full-size chunk may be the final one.
            last = true
            opened = open(n, into: &plain, last: true)
        }
        guard opened else { throw AgeError.unreadable(.payload) }
        counter += 1
        if last {
            // Nothing may follow the final chunk; this chunk is released first, as age does.
            var extra: [UInt8] = [0]
            if try extra.withUnsafeMutableBytes({ try input.readFull($0) }) != 0 {
                failure = AgeError.unreadable(.payload)
            } else {
                done = true
            }
        }
        return plain
    }

    private func open(_ n: Int, into plain: inout [UInt8], last: Bool) -> Bool {
        let nonce = Self.chunkNonce(counter, last: last)
        return chunk.withUnsafeBytes { c in
            payloadKey.withUnsafeBytes { k in
                nonce.withUnsafeBytes { nb in
                    plain.withUnsafeMutableBytes { p in
                        ChaCha20Poly1305.open(input: UnsafeRawBufferPointer(rebasing: c[0..<n]), output: p, nonce: nb, key: k)
                    }
                }
            }
        }
    }

    /// Reads the rest of the payload into memory.
    public func readAll() throws -> [UInt8] {
        var out: [UInt8] = []
        while let c = try next() { out += c }
        return out
    }

    /// Decrypts a whole age file held in memory.
    public static func decrypt(_ file: [UInt8], identities: [AgeX25519Identity], encoding: Encoding = .detect) throws -> [UInt8] {
        try AgeDecryptor(source: source(file), identities: identities, encoding: encoding).readAll()
    }

    /// A source that reads `bytes` from the start.
    public static func source(_ bytes: [UInt8]) -> AgeByteSource {
        var offset = 0
        return { out in
            let n = min(out.count, bytes.count - offset)
            bytes.withUnsafeBytes { if n > 0 { out.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) } }
            offset += n
            return n
        }
    }
}
