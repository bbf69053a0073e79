internal import CSodium

/// Ed25519 signatures (`crypto_sign_detached`).
public enum Signature {
    public static var publicKeyBytes: Int { Int(crypto_sign_publickeybytes()) }
    public static var secretKeyBytes: Int { Int(crypto_sign_secretkeybytes()) }
    public static var seedBytes: Int { Int(crypto_sign_seedbytes()) }
    public static var bytes: Int { Int(crypto_sign_bytes()) }

    /// A key pair from a 32-byte seed (the seed is what key files store).
    public static func keyPair(seed: SecureBytes) throws -> (publicKey: [UInt8], secretKey: SecureBytes) {
        guard seed.count == seedBytes else { throw CryptoError.invalidLength(what: "sign seed") }
        var pk = [UInt8](repeating: 0, count: publicKeyBytes)
        let sk = try SecureBytes(count: secretKeyBytes)
        seed.withUnsafeBytes { s in
            sk.withUnsafeMutableBytes { k in
                _ = crypto_sign_seed_keypair(&pk, k.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                             s.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return (pk, sk)
    }

    /// Signs `message` with a 64-byte secret key.
    public static func sign(_ message: [UInt8], secretKey: SecureBytes) throws -> [UInt8] {
        guard secretKey.count == secretKeyBytes else { throw CryptoError.invalidLength(what: "sign secret key") }
        var sig = [UInt8](repeating: 0, count: bytes)
        secretKey.withUnsafeBytes { k in
            _ = crypto_sign_detached(&sig, nil, message, UInt64(message.count), k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return sig
    }

    /// True when `signature` is a valid signature of `message` by `publicKey`.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == bytes, publicKey.count == publicKeyBytes else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
