import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AtomicOutput {
    /// Writes all of `buffer` at `offset`; returns true when it went to the device
    /// with O_DIRECT (then there is nothing to write back).
    ///
    /// Direct writes need the buffer, offset and length aligned to what the file
    /// system reports (`STATX_DIOALIGN`; 4096 where it reports nothing). Writes
    /// that share a file-system block are safe only because ParallelBody has a
    /// single, synchronous writer: never issue direct writes from two threads.
    @discardableResult
    func pwrite(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws -> Bool {
        if directFD >= 0, FaultInjection.writeLimit == nil, buffer.count > 0,
           Int(bitPattern: buffer.baseAddress) % Self.directMemoryAlignment == 0,
           offset % UInt64(directBlock) == 0, buffer.count % directBlock == 0 {
            do {
                try PosixIO.write(directFD, buffer, at: offset)
                return true
            } catch where error.code == EINVAL {
                // The file system wants something else after all: buffered from here on
                // (rewriting any part that did go out is harmless: the same bytes).
                disableDirectWrites()
            } catch {
                throw VaultError.io(object: errorName, detail: error.description)
            }
        }
        try bufferedPwrite(buffer, at: offset)
        return false
    }

    private func bufferedPwrite(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws {
        let allowed = FaultInjection.allowed(buffer.count, at: offset)
        try PosixIO.write(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<allowed]), at: offset, object: errorName)
        if allowed < buffer.count { throw VaultError.io(object: errorName, detail: FaultInjection.noSpace) }
    }

    /// Buffer alignment for direct writes: a page, at least what any device asks.
    static let directMemoryAlignment = 4096

    /// The file system's direct-I/O offset alignment for `fd` (`statx` with
    /// STATX_DIOALIGN, Linux 6.1): nil when direct I/O is unsupported, 4096 when
    /// the kernel does not say.
    static func directIOAlignment(_ fd: Int32) -> Int? {
        guard let statx = statxFunction else { return 4096 }
        var buf = [UInt8](repeating: 0, count: 256)
        let rc = buf.withUnsafeMutableBytes { statx(fd, "", 0x1000 /* AT_EMPTY_PATH */, 0x2000 /* STATX_DIOALIGN */, $0.baseAddress!) }
        guard rc == 0 else { return 4096 }
        func u32(_ at: Int) -> Int { Int(buf[at]) | Int(buf[at + 1]) << 8 | Int(buf[at + 2]) << 16 | Int(buf[at + 3]) << 24 }
        guard u32(0) & 0x2000 != 0 else { return 4096 }          // stx_mask: not reported
        let memAlign = u32(152), offsetAlign = u32(156)            // stx_dio_mem_align, stx_dio_offset_align
        guard offsetAlign > 0, memAlign > 0, memAlign <= directMemoryAlignment else { return nil }
        return offsetAlign
    }

    /// Starts writing a range back to disk now (`sync_file_range`, no waiting), so
    /// the fsync at `commit` finds little left to do and disk writes overlap with
    /// encryption instead of following it.
    func startWriteback(at offset: UInt64, count: Int) {
        _ = syncFileRange?(fd, off_t(offset), off_t(count), 2 /* SYNC_FILE_RANGE_WRITE */)
    }
}

/// glibc's `sync_file_range` (Linux), looked up at run time: the Glibc module
/// does not export it. Nil where it does not exist; writeback then waits for fsync.
private let syncFileRange: (@convention(c) (Int32, off_t, off_t, UInt32) -> Int32)? = {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
    return unsafeBitCast(sym, to: (@convention(c) (Int32, off_t, off_t, UInt32) -> Int32).self)
}()

/// glibc's `statx`, looked up at run time like `sync_file_range`.
private let statxFunction: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32)? = {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "statx") else { return nil }
    return unsafeBitCast(sym, to: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32).self)
}()
