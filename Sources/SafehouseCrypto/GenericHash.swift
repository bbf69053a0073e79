internal import CSodium

/// BLAKE2b (`crypto_generichash`), keyed or not.
public final class GenericHash {
    // crypto_generichash_state is 64-byte aligned and opaque to Swift: keep it in
    // sodium_malloc memory (the state of a keyed hash is secret), freed in deinit.
    private let state: OpaquePointer
    private let length: Int
    private var finished = false

    public static var defaultBytes: Int { Int(crypto_generichash_bytes()) }

    /// Starts an incremental hash of `length` bytes (16…64), keyed when `key` is given.
    public init(length: Int = 32, key: SecureBytes? = nil) {
        _ = try? Sodium.ensureInitialised()
        let n = crypto_generichash_statebytes() + 64
        // From the arena when it fits (deinit returns it there), else sodium_malloc.
        guard let raw = n <= SecureArena.classes.last! ? SecureArena.allocate(n) : sodium_malloc(n) else { fatalError("out of secure memory") }
        let aligned = UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: raw) + 63) & ~UInt(63))!
        base = raw
        state = OpaquePointer(aligned)
        self.length = length
        if let key {
            key.withUnsafeBytes { k in
                _ = crypto_generichash_init(state, k.baseAddress!.assumingMemoryBound(to: UInt8.self), k.count, length)
            }
        } else {
            _ = crypto_generichash_init(state, nil, 0, length)
        }
    }
    private let base: UnsafeMutableRawPointer

    deinit {
        let n = crypto_generichash_statebytes() + 64
        if n <= SecureArena.classes.last! { SecureArena.release(base, count: n) } else { sodium_free(base) }
    }

    /// Absorbs bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        _ = crypto_generichash_update(state, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// Absorbs an array.
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Finishes and returns the digest; the hash cannot be used afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "GenericHash finalized twice")
        finished = true
        var out = [UInt8](repeating: 0, count: length)
        _ = crypto_generichash_final(state, &out, length)
        return out
    }

    /// One-shot BLAKE2b of `bytes`.
    public static func hash(_ bytes: [UInt8], length: Int = 32, key: SecureBytes? = nil) -> [UInt8] {
        // Unkeyed, nothing in the state is secret: libsodium's one-shot call.
        if key == nil { return bytes.withUnsafeBytes { hash($0, length: length) } }
        let h = GenericHash(length: length, key: key)
        h.update(bytes)
        return h.finalize()
    }

    /// One-shot BLAKE2b of a buffer.
    public static func hash(_ bytes: UnsafeRawBufferPointer, length: Int = 32) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        _ = crypto_generichash(&out, length, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count), nil, 0)
        return out
    }
}

/// SHA-256 (`crypto_hash_sha256`), used where a standard requires it (RFC 6962 audit trees).
public enum SHA256 {
    public static var bytes: Int { Int(crypto_hash_sha256_bytes()) }

    /// One-shot SHA-256.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_bytes()))
        _ = crypto_hash_sha256(&out, bytes, UInt64(bytes.count))
        return out
    }
}
