/// HKDF-SHA-256 (RFC 5869) built on libsodium's HMAC-SHA-256 (libsodium 1.0.18
/// has no HKDF of its own). Used by the age format for its header, payload and
/// X25519 wrap keys.
public enum HKDF {
    /// Extract then expand: `length` bytes (at most 255 × 32) of output keying material.
    /// - Parameters:
    ///   - key: the input keying material.
    ///   - salt: public salt; empty means a block of zeros, as RFC 5869 says (HMAC pads the key with zeros anyway).
    ///   - info: context and application specific information.
    public static func deriveKey(from key: SecureBytes, salt: [UInt8], info: [UInt8], length: Int) throws -> SecureBytes {
        let prk = try extract(key, salt: salt)
        return try expand(prk, info: info, length: length)
    }

    /// HKDF-Extract: `PRK = HMAC-SHA-256(salt, IKM)`.
    public static func extract(_ key: SecureBytes, salt: [UInt8]) throws -> SecureBytes {
        let mac = try HMACSHA256(key: salt)
        key.withUnsafeBytes { mac.update($0) }
        return try mac.finalizeSecret()
    }

    /// HKDF-Expand: `T(i) = HMAC-SHA-256(PRK, T(i-1) ‖ info ‖ i)`, concatenated and truncated.
    public static func expand(_ prk: SecureBytes, info: [UInt8], length: Int) throws -> SecureBytes {
        let hashBytes = HMACSHA256.bytes
        guard length >= 0, length <= 255 * hashBytes else { throw CryptoError.invalidLength(what: "HKDF output") }
        let out = try SecureBytes(count: length)
        let block = try SecureBytes(count: hashBytes)
        var done = 0
        var counter: UInt8 = 1
        while done < length {
            let mac = try HMACSHA256(key: prk)
            if counter > 1 { block.withUnsafeBytes { mac.update($0) } }
            mac.update(info)
            mac.update([counter])
            block.withUnsafeMutableBytes { mac.finalize(into: $0) }
            let n = min(hashBytes, length - done)
            block.withUnsafeBytes { b in
                out.withUnsafeMutableBytes { o in (o.baseAddress! + done).copyMemory(from: b.baseAddress!, byteCount: n) }
            }
            done += n
            counter &+= 1
        }
        return out
    }
}
