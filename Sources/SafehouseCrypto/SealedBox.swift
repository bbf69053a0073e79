internal import CSodium

/// X25519 key pairs and anonymous sealed boxes (`crypto_box_seal`), used for key slots.
public enum SealedBox {
    public static var publicKeyBytes: Int { Int(crypto_box_publickeybytes()) }
    public static var secretKeyBytes: Int { Int(crypto_box_secretkeybytes()) }
    public static var overheadBytes: Int { Int(crypto_box_sealbytes()) }

    /// A new X25519 key pair: (public key, secret key).
    public static func keyPair() throws -> (publicKey: [UInt8], secretKey: SecureBytes) {
        try Sodium.ensureInitialised()
        var pk = [UInt8](repeating: 0, count: publicKeyBytes)
        let sk = try SecureBytes(count: secretKeyBytes)
        sk.withUnsafeMutableBytes { _ = crypto_box_keypair(&pk, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return (pk, sk)
    }

    /// The public key belonging to a secret key (`crypto_scalarmult_base`).
    public static func publicKey(for secretKey: SecureBytes) throws -> [UInt8] {
        guard secretKey.count == secretKeyBytes else { throw CryptoError.invalidLength(what: "box secret key") }
        var pk = [UInt8](repeating: 0, count: publicKeyBytes)
        secretKey.withUnsafeBytes { _ = crypto_scalarmult_base(&pk, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return pk
    }

    /// Seals a secret to a recipient's public key. Anyone can seal; it authenticates no sender.
    public static func seal(_ secret: SecureBytes, to publicKey: [UInt8]) throws -> [UInt8] {
        guard publicKey.count == publicKeyBytes else { throw CryptoError.invalidLength(what: "box public key") }
        var out = [UInt8](repeating: 0, count: secret.count + overheadBytes)
        let rc = secret.withUnsafeBytes { s in
            crypto_box_seal(&out, s.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(s.count), publicKey)
        }
        guard rc == 0 else { throw CryptoError.invalidLength(what: "box public key") }
        return out
    }

    /// Opens a sealed box into secure memory.
    /// - Throws: `CryptoError.authenticationFailed` for a box not sealed to this key or altered.
    public static func open(_ box: [UInt8], publicKey: [UInt8], secretKey: SecureBytes) throws -> SecureBytes {
        guard box.count >= overheadBytes, publicKey.count == publicKeyBytes, secretKey.count == secretKeyBytes else {
            throw CryptoError.authenticationFailed
        }
        let out = try SecureBytes(count: box.count - overheadBytes)
        let rc = secretKey.withUnsafeBytes { sk in
            out.withUnsafeMutableBytes { o in
                crypto_box_seal_open(o.baseAddress!.assumingMemoryBound(to: UInt8.self), box, UInt64(box.count),
                                     publicKey, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }
}
