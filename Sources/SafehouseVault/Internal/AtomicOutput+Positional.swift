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
                guard at < limit else { throw VaultError.io(object: path, detail: FaultInjection.noSpace) }
                want = Int(min(UInt64(want), limit - at))
            }
            let n = Glibc.pwrite(fd, buffer.baseAddress! + off, want, off_t(offset) + off_t(off))
            if n < 0 {
                if errno == EINTR { continue }
                throw VaultError.io(object: path, detail: String(cString: strerror(errno)))
            }
            off += n
        }
    }
}
