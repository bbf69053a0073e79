internal import CSodium

/// Argon2id passphrase hashing (`crypto_pwhash`, ALG_ARGON2ID13).
public enum PasswordHash {
    /// Cost levels offered to users; the chosen limits are stored in the key file.
    public enum Cost: String, CaseIterable, Sendable {
        case interactive, moderate, sensitive

        public var opsLimit: UInt64 {
            switch self {
            case .interactive: return UInt64(crypto_pwhash_opslimit_interactive())
            case .moderate: return UInt64(crypto_pwhash_opslimit_moderate())
            case .sensitive: return UInt64(crypto_pwhash_opslimit_sensitive())
            }
        }
        public var memLimit: UInt64 {
            switch self {
            case .interactive: return UInt64(crypto_pwhash_memlimit_interactive())
            case .moderate: return UInt64(crypto_pwhash_memlimit_moderate())
            case .sensitive: return UInt64(crypto_pwhash_memlimit_sensitive())
            }
        }
    }

    public static var algorithmArgon2id: Int32 { crypto_pwhash_alg_argon2id13() }
    public static var saltBytes: Int { Int(crypto_pwhash_saltbytes()) }
    public static var opsLimitMax: UInt64 { UInt64(crypto_pwhash_opslimit_max()) }
    public static var opsLimitMin: UInt64 { UInt64(crypto_pwhash_argon2id_opslimit_min()) }
    public static var memLimitMin: UInt64 { UInt64(crypto_pwhash_memlimit_min()) }

    /// Derives a key of `length` bytes from a passphrase held in secure memory.
    public static func deriveKey(length: Int, passphrase: SecureBytes, salt: [UInt8], opsLimit: UInt64, memLimit: UInt64) throws -> SecureBytes {
        guard salt.count == saltBytes else { throw CryptoError.invalidLength(what: "salt") }
        let key = try SecureBytes(count: length)
        let rc = passphrase.withUnsafeBytes { p in
            key.withUnsafeMutableBytes { k in
                crypto_pwhash(k.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(length),
                              p.baseAddress!.assumingMemoryBound(to: CChar.self), UInt64(p.count),
                              salt, opsLimit, Int(memLimit), crypto_pwhash_alg_argon2id13())
            }
        }
        guard rc == 0 else { throw CryptoError.kdfFailed }
        return key
    }
}
