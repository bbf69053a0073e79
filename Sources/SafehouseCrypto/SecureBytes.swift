internal import CSodium

/// An owned secret: bytes in `sodium_malloc` memory (locked, guard pages,
/// excluded from core dumps where the OS allows), zeroed and freed on release.
/// Secrets of 512 bytes or less share guarded regions (`SecureArena`).
///
/// It has no printable form: `description` is a placeholder, and the only way to
/// the bytes is a scoped `withUnsafeBytes`. `==` is constant-time.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    private let pointer: UnsafeMutableRawPointer
    /// Number of bytes held.
    public let count: Int

    /// Allocates `count` zeroed secret bytes.
    /// - Throws: `CryptoError.unavailable` when secure memory cannot be allocated.
    public init(count: Int) throws {
        try Sodium.ensureInitialised()
        if Swift.max(count, 1) <= SecureArena.classes.last! {
            // Small secrets come only from the arena (deinit returns them there).
            guard let slot = SecureArena.allocate(Swift.max(count, 1)) else { throw CryptoError.unavailable }
            pointer = slot
        } else {
            guard let p = sodium_malloc(Swift.max(count, 1)) else { throw CryptoError.unavailable }
            sodium_memzero(p, Swift.max(count, 1))
            pointer = p
        }
        self.count = count
    }

    /// Allocates `count` random secret bytes (`randombytes_buf`).
    public static func random(count: Int) throws -> SecureBytes {
        let s = try SecureBytes(count: count)
        randombytes_buf(s.pointer, count)
        return s
    }

    /// Copies bytes from a buffer into new secret memory. The caller stays
    /// responsible for wiping its own buffer (see `SecureBytes.wipe`).
    public convenience init(copying bytes: UnsafeRawBufferPointer) throws {
        try self.init(count: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 { pointer.copyMemory(from: base, byteCount: bytes.count) }
    }

    deinit {
        // Both paths zero the bytes before the memory is reused or released.
        if Swift.max(count, 1) <= SecureArena.classes.last! { SecureArena.release(pointer, count: Swift.max(count, 1)) }
        else { sodium_free(pointer) }
    }

    /// Scoped read access to the secret bytes. Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Scoped write access to the secret bytes. Do not let the pointer escape.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// A new secret holding `range` of this one.
    public func slice(_ range: Range<Int>) throws -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return try withUnsafeBytes { try SecureBytes(copying: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// A new secret that is the concatenation of several secrets.
    public static func concatenating(_ parts: [SecureBytes]) throws -> SecureBytes {
        let out = try SecureBytes(count: parts.reduce(0) { $0 + $1.count })
        var offset = 0
        for part in parts {
            part.withUnsafeBytes { src in
                if src.count > 0 { (out.pointer + offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }
            offset += part.count
        }
        return out
    }

    /// Constant-time comparison (`sodium_memcmp`).
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return sodium_memcmp(lhs.pointer, rhs.pointer, lhs.count) == 0
    }

    public var description: String { "SecureBytes(<redacted \(count) bytes>)" }
    public var debugDescription: String { description }

    /// Zeroes an ordinary buffer that held secret material (`sodium_memzero`).
    public static func wipe(_ buffer: inout [UInt8]) {
        buffer.withUnsafeMutableBytes { if let b = $0.baseAddress { sodium_memzero(b, $0.count) } }
    }
}
