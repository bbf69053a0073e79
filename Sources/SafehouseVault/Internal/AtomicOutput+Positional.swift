import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AtomicOutput {
    /// Writes all of `buffer` at `offset` (parallel writers use disjoint ranges).
    func pwrite(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws {
        // Whole aligned blocks from an aligned buffer skip the page cache (O_DIRECT);
        // the rest (a file's unaligned last batch) is written through it.
        if directFD >= 0, FaultInjection.writeLimit == nil, buffer.count > 0,
           Int(bitPattern: buffer.baseAddress) % Self.directAlignment == 0,
           offset % UInt64(Self.directBlock) == 0, buffer.count % Self.directBlock == 0 {
            var off = 0
            while off < buffer.count {
                let n = Glibc.pwrite(directFD, buffer.baseAddress! + off, buffer.count - off, off_t(offset) + off_t(off))
                if n < 0, errno == EINTR { continue }
                if n < 0, errno == EINVAL, off == 0 { break }  // the file system wants other alignment: buffered
                if n < 0 { throw VaultError.io(object: errorName, detail: String(cString: strerror(errno))) }
                off += n
            }
            if off == buffer.count { return }
            if off > 0 { return try pwrite(UnsafeRawBufferPointer(rebasing: buffer[off...]), at: offset + UInt64(off)) }
        }
        var off = 0
        while off < buffer.count {
            var want = buffer.count - off
            if let limit = FaultInjection.writeLimit {
                let at = offset + UInt64(off)
                guard at < limit else { throw VaultError.io(object: errorName, detail: FaultInjection.noSpace) }
                want = Int(min(UInt64(want), limit - at))
            }
            let n = Glibc.pwrite(fd, buffer.baseAddress! + off, want, off_t(offset) + off_t(off))
            if n < 0 {
                if errno == EINTR { continue }
                throw VaultError.io(object: errorName, detail: String(cString: strerror(errno)))
            }
            off += n
        }
    }

    /// Buffer alignment for direct writes (a page, enough for any device), and
    /// the offset and length granularity (a 512-byte sector; the STREAM batch
    /// sizes are multiples of it).
    static let directAlignment = 4096
    static let directBlock = 512

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
