internal import CSodium

/// X25519 Diffie-Hellman (`crypto_scalarmult`, RFC 7748), for the age format's
/// X25519 recipients. (Key slots use `crypto_box_seal`, see `SealedBox`.)
public enum X25519 {
    /// Bytes of a public key (a curve point) and of a shared secret.
    public static var publicKeyBytes: Int { Int(crypto_scalarmult_bytes()) }
    /// Bytes of a secret scalar.
    public static var secretKeyBytes: Int { Int(crypto_scalarmult_scalarbytes()) }

    /// The public key of a secret scalar (`crypto_scalarmult_base`).
    /// - Throws: `CryptoError.invalidLength` for a secret of the wrong size.
    public static func publicKey(for secret: SecureBytes) throws -> [UInt8] {
        try Sodium.ensureInitialised()
        guard secret.count == secretKeyBytes else { throw CryptoError.invalidLength(what: "X25519 secret key") }
        var pk = [UInt8](repeating: 0, count: publicKeyBytes)
        let rc = secret.withUnsafeBytes { crypto_scalarmult_base(&pk, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard rc == 0 else { throw CryptoError.invalidLength(what: "X25519 secret key") }
        return pk
    }

    /// The shared secret `X25519(secret, publicKey)`, in secure memory.
    /// - Throws: `CryptoError.invalidLength` for inputs of the wrong size, and
    ///   `CryptoError.weakPublicKey` when the result is all zero (a low-order or
    ///   identity point: the peer would learn nothing secret from it).
    public static func sharedSecret(_ secret: SecureBytes, _ publicKey: [UInt8]) throws -> SecureBytes {
        try Sodium.ensureInitialised()
        guard secret.count == secretKeyBytes else { throw CryptoError.invalidLength(what: "X25519 secret key") }
        guard publicKey.count == publicKeyBytes else { throw CryptoError.invalidLength(what: "X25519 public key") }
        let out = try SecureBytes(count: publicKeyBytes)
        // libsodium itself returns -1 for an all-zero result; the explicit check keeps
        // the rule visible and independent of the library version.
        let rc = secret.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { o in
                crypto_scalarmult(o.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                  s.baseAddress!.assumingMemoryBound(to: UInt8.self), publicKey)
            }
        }
        let zero = out.withUnsafeBytes { sodium_is_zero($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) == 1 }
        guard rc == 0, !zero else { throw CryptoError.weakPublicKey }
        return out
    }
}
