import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AtomicOutput {
    /// Writes all of `buffer` at `offset` (parallel writers use disjoint ranges).
    func pwrite(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws {
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
