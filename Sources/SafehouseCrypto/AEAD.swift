internal import CSodium

/// XChaCha20-Poly1305-IETF (`crypto_aead_xchacha20poly1305_ietf`): for small
/// blobs (key files, metadata) where a random 24-byte nonce is safe.
public enum XChaCha20Poly1305 {
    public static var keyBytes: Int { Int(crypto_aead_xchacha20poly1305_ietf_keybytes()) }
    public static var nonceBytes: Int { Int(crypto_aead_xchacha20poly1305_ietf_npubbytes()) }
    public static var tagBytes: Int { Int(crypto_aead_xchacha20poly1305_ietf_abytes()) }

    /// Encrypts `plaintext` (ciphertext ‖ tag).
    public static func seal(_ plaintext: UnsafeRawBufferPointer, key: SecureBytes, nonce: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        guard key.count == keyBytes else { throw CryptoError.invalidLength(what: "aead key") }
        guard nonce.count == nonceBytes else { throw CryptoError.invalidLength(what: "aead nonce") }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var outLen: UInt64 = 0
        key.withUnsafeBytes { k in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                &out, &outLen,
                plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plaintext.count),
                ad, UInt64(ad.count), nil, nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return out
    }

    /// Encrypts a byte array.
    public static func seal(_ plaintext: [UInt8], key: SecureBytes, nonce: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try seal($0, key: key, nonce: nonce, ad: ad) }
    }

    /// Decrypts into secure memory (for secret payloads such as key files).
    /// - Throws: `CryptoError.authenticationFailed` on any failure.
    public static func openSecret(_ ciphertext: [UInt8], key: SecureBytes, nonce: [UInt8], ad: [UInt8]) throws -> SecureBytes {
        guard key.count == keyBytes, nonce.count == nonceBytes, ciphertext.count >= tagBytes else {
            throw CryptoError.authenticationFailed
        }
        let out = try SecureBytes(count: ciphertext.count - tagBytes)
        var outLen: UInt64 = 0
        let rc = key.withUnsafeBytes { k in
            out.withUnsafeMutableBytes { o in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    o.baseAddress!.assumingMemoryBound(to: UInt8.self), &outLen, nil,
                    ciphertext, UInt64(ciphertext.count), ad, UInt64(ad.count), nonce,
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    /// Decrypts into an ordinary array (for non-key content such as metadata).
    public static func open(_ ciphertext: [UInt8], key: SecureBytes, nonce: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        guard key.count == keyBytes, nonce.count == nonceBytes, ciphertext.count >= tagBytes else {
            throw CryptoError.authenticationFailed
        }
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagBytes)
        var outLen: UInt64 = 0
        let rc = key.withUnsafeBytes { k in
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                &out, &outLen, nil, ciphertext, UInt64(ciphertext.count), ad, UInt64(ad.count), nonce,
                k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }
}

/// ChaCha20-Poly1305-IETF (`crypto_aead_chacha20poly1305_ietf`, 12-byte nonce),
/// used per chunk by `ChunkCipher` with a counter nonce under a fresh key.
public enum ChaCha20Poly1305 {
    public static var keyBytes: Int { Int(crypto_aead_chacha20poly1305_ietf_keybytes()) }
    public static var nonceBytes: Int { Int(crypto_aead_chacha20poly1305_ietf_npubbytes()) }
    public static var tagBytes: Int { Int(crypto_aead_chacha20poly1305_ietf_abytes()) }

    /// Encrypts `input` into `output` (which must hold input.count + tag bytes).
    static func seal(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
                     nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) {
        var outLen: UInt64 = 0
        _ = crypto_aead_chacha20poly1305_ietf_encrypt(
            output.baseAddress!.assumingMemoryBound(to: UInt8.self), &outLen,
            input.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(input.count),
            nil, 0, nil,
            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
            key.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// Encrypts a secret (an age file key) with an explicit 12-byte nonce: ciphertext ‖ tag.
    public static func seal(_ secret: SecureBytes, key: SecureBytes, nonce: [UInt8]) throws -> [UInt8] {
        guard key.count == keyBytes else { throw CryptoError.invalidLength(what: "aead key") }
        guard nonce.count == nonceBytes else { throw CryptoError.invalidLength(what: "aead nonce") }
        var out = [UInt8](repeating: 0, count: secret.count + tagBytes)
        secret.withUnsafeBytes { s in
            key.withUnsafeBytes { k in
                nonce.withUnsafeBytes { n in out.withUnsafeMutableBytes { seal(input: s, output: $0, nonce: n, key: k) } }
            }
        }
        return out
    }

    /// Decrypts a secret sealed by `seal(_:key:nonce:)` into secure memory.
    /// - Throws: `CryptoError.authenticationFailed` on any failure.
    public static func openSecret(_ ciphertext: [UInt8], key: SecureBytes, nonce: [UInt8]) throws -> SecureBytes {
        guard key.count == keyBytes, nonce.count == nonceBytes, ciphertext.count >= tagBytes else {
            throw CryptoError.authenticationFailed
        }
        let out = try SecureBytes(count: ciphertext.count - tagBytes)
        let ok = key.withUnsafeBytes { k in
            nonce.withUnsafeBytes { n in
                ciphertext.withUnsafeBytes { c in out.withUnsafeMutableBytes { open(input: c, output: $0, nonce: n, key: k) } }
            }
        }
        guard ok else { throw CryptoError.authenticationFailed }
        return out
    }

    /// Decrypts `input` (ciphertext ‖ tag) into `output`; false on authentication failure.
    static func open(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
                     nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) -> Bool {
        var outLen: UInt64 = 0
        // libsodium needs a non-nil output pointer even for empty plaintext.
        var dummy: UInt8 = 0
        let outPtr = output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? withUnsafeMutablePointer(to: &dummy) { $0 }
        return crypto_aead_chacha20poly1305_ietf_decrypt(
            outPtr, &outLen, nil,
            input.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(input.count),
            nil, 0,
            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
            key.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
    }
}
