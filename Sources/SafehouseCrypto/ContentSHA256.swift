internal import COpenSSL

/// SHA-256 from OpenSSL's libcrypto, which uses the CPU's SHA extensions (about
/// twice libsodium's BLAKE2b here): the hash of record body chunks (body format
/// v2, Docs/FORMAT.md) and the plaintext content digest behind seal tags and
/// `--remove-original`'s check (held in memory only; `EVP_MD_CTX_free` wipes the
/// state). libsodium remains the only library that encrypts, and `SHA256`
/// (libsodium) stays the hash of the audit Merkle tree.
public final class ContentSHA256 {
    /// Digest bytes.
    public static let bytes = 32

    // The algorithm, fetched once: `EVP_sha256()` at every init would look it up again.
    nonisolated(unsafe) private static let md: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("libcrypto has no SHA-256") }
        return md
    }()

    private let ctx: OpaquePointer
    private var finished = false

    /// Starts an incremental SHA-256.
    public init() {
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, Self.md, nil) == 1 else { fatalError("EVP_DigestInit_ex failed") }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Absorbs bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
    }

    /// Absorbs an array.
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Finishes and returns the digest; the hash cannot be used afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "ContentSHA256 finalized twice")
        finished = true
        var out = [UInt8](repeating: 0, count: Self.bytes)
        var n: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &out, &n) == 1, n == Self.bytes else { fatalError("EVP_DigestFinal_ex failed") }
        return out
    }

    /// One-shot SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let h = ContentSHA256()
        h.update(bytes)
        return h.finalize()
    }
}
