import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one loop around POSIX `read`/`pread`/`write`/`pwrite`: EINTR is retried,
/// short reads and writes are continued, and a failure keeps its `errno` (its
/// text goes into the error; nothing of the data does).
public enum PosixIO {
    /// A failed call: the `errno` it left.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let code: Int32
        public var description: String { String(cString: strerror(code)) }
    }

    /// Reads into all of `buffer` unless the file ends first (then fewer bytes);
    /// returns how many were read. `offset` nil reads at the file position.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64? = nil) throws(Failure) -> Int {
        var got = 0
        while got < buffer.count {
            let base = buffer.baseAddress! + got, want = buffer.count - got
            let n = offset.map { Glibc.pread(fd, base, want, off_t($0) + off_t(got)) } ?? Glibc.read(fd, base, want)
            if n < 0 { if errno == EINTR { continue }; throw Failure(code: errno) }
            if n == 0 { break }
            got += n
        }
        return got
    }

    /// Writes all of `buffer`; `offset` nil writes at the file position. A call
    /// that writes nothing counts as ENOSPC rather than spinning.
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: UInt64? = nil) throws(Failure) {
        var done = 0
        while done < buffer.count {
            let base = buffer.baseAddress! + done, want = buffer.count - done
            let n = offset.map { Glibc.pwrite(fd, base, want, off_t($0) + off_t(done)) } ?? Glibc.write(fd, base, want)
            if n < 0 { if errno == EINTR { continue }; throw Failure(code: errno) }
            if n == 0 { throw Failure(code: ENOSPC) }
            done += n
        }
    }

    // MARK: - With the vault's errors

    /// `read` that throws `VaultError.io(object:)` with the errno's text.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64? = nil, object: String) throws -> Int {
        do { return try read(fd, into: buffer, at: offset) } catch { throw VaultError.io(object: object, detail: error.description) }
    }

    /// Reads exactly `buffer.count` bytes; a file that ends first throws `truncated`.
    static func readExactly(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64? = nil, object: String,
                            truncated: @autoclosure () -> VaultError) throws {
        guard try read(fd, into: buffer, at: offset, object: object) == buffer.count else { throw truncated() }
    }

    /// `write` that throws `VaultError.io(object:)` with the errno's text.
    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: UInt64? = nil, object: String) throws {
        do { try write(fd, buffer, at: offset) } catch { throw VaultError.io(object: object, detail: error.description) }
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Its first `count` bytes.
    func first(_ count: Int) -> UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: self[0..<count]) }
}
