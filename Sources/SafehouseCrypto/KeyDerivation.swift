internal import CSodium

/// Subkeys from a master key (`crypto_kdf_derive_from_key`, BLAKE2b-based).
public enum KeyDerivation {
    public static var keyBytes: Int { Int(crypto_kdf_keybytes()) }
    public static var contextBytes: Int { Int(crypto_kdf_contextbytes()) }

    /// Derives subkey `id` of `length` bytes under an 8-character `context`.
    public static func derive(from master: SecureBytes, id: UInt64, context: String, length: Int = 32) throws -> SecureBytes {
        let ctx = Array(context.utf8)
        guard ctx.count == contextBytes else { throw CryptoError.invalidLength(what: "kdf context") }
        guard master.count == keyBytes else { throw CryptoError.invalidLength(what: "kdf master key") }
        let sub = try SecureBytes(count: length)
        let rc = master.withUnsafeBytes { m in
            sub.withUnsafeMutableBytes { s in
                ctx.withUnsafeBufferPointer { c in
                    c.baseAddress!.withMemoryRebound(to: CChar.self, capacity: c.count) { cp in
                        crypto_kdf_derive_from_key(s.baseAddress!.assumingMemoryBound(to: UInt8.self), length, id, cp,
                                                   m.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        guard rc == 0 else { throw CryptoError.invalidLength(what: "kdf subkey") }
        return sub
    }
}
