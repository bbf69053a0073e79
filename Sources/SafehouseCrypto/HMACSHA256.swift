internal import CSodium

/// HMAC-SHA-256 (`crypto_auth_hmacsha256_init/update/final`, RFC 2104) with a
/// key of any length. The state holds key material, so it lives in secure
/// memory and is wiped when the object is released.
public final class HMACSHA256 {
    /// Bytes of a MAC.
    public static var bytes: Int { Int(crypto_auth_hmacsha256_bytes()) }

    // The state needs 8-byte alignment; secure memory slots need not give it.
    private let storage: SecureBytes
    private let state: UnsafeMutableRawPointer
    private var finished = false

    /// Starts a MAC under a secret key (any length; longer than a block is hashed first, as RFC 2104 says).
    public init(key: SecureBytes) throws {
        (storage, state) = try key.withUnsafeBytes { try Self.start(key: $0) }
    }

    /// Starts a MAC under a public key (a salt).
    public init(key: [UInt8]) throws {
        (storage, state) = try key.withUnsafeBytes { try Self.start(key: $0) }
    }

    private static func start(key: UnsafeRawBufferPointer) throws -> (SecureBytes, UnsafeMutableRawPointer) {
        try Sodium.ensureInitialised()
        let storage = try SecureBytes(count: crypto_auth_hmacsha256_statebytes() + 64)
        let state = storage.withUnsafeMutableBytes { raw in
            UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: raw.baseAddress!) + 63) & ~UInt(63))!
        }
        // A valid pointer even for an empty key (HKDF's default salt).
        var none: UInt8 = 0
        let rc = withUnsafeMutablePointer(to: &none) { fallback in
            crypto_auth_hmacsha256_init(state.assumingMemoryBound(to: crypto_auth_hmacsha256_state.self),
                                        key.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(fallback), key.count)
        }
        guard rc == 0 else { throw CryptoError.unavailable }
        return (storage, state)
    }

    private var typedState: UnsafeMutablePointer<crypto_auth_hmacsha256_state> {
        state.assumingMemoryBound(to: crypto_auth_hmacsha256_state.self)
    }

    /// Absorbs bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "HMACSHA256 used after finalize")
        guard bytes.count > 0 else { return }
        _ = crypto_auth_hmacsha256_update(typedState, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// Absorbs an array.
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Writes the MAC into `out` (exactly `bytes` long); the object cannot be used afterwards.
    func finalize(into out: UnsafeMutableRawBufferPointer) {
        precondition(!finished, "HMACSHA256 finalized twice")
        precondition(out.count == Self.bytes)
        finished = true
        _ = crypto_auth_hmacsha256_final(typedState, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// The MAC, for a value that is published (a header MAC).
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.bytes)
        out.withUnsafeMutableBytes { finalize(into: $0) }
        return out
    }

    /// The MAC in secure memory, for a value that is itself a key (HKDF).
    public func finalizeSecret() throws -> SecureBytes {
        let out = try SecureBytes(count: Self.bytes)
        out.withUnsafeMutableBytes { finalize(into: $0) }
        return out
    }

    /// Whether `mac` is the MAC of what was absorbed, compared in constant time.
    public func verify(_ mac: [UInt8]) -> Bool {
        let expected = finalize()
        return mac.count == expected.count && sodium_memcmp(expected, mac, expected.count) == 0
    }
}
