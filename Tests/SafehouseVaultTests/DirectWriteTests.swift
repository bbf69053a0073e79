import Foundation
@testable import SafehouseVault
import Testing

@Suite("AtomicOutput: O_DIRECT writes and their buffered fallback")
struct DirectWriteTests {
    @Test func alignedBatchesGoDirectTheRestBufferedAndTheBytesAreExact() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = try AtomicOutput(path: s.file("body.bin"), overwrite: false)
        out.enableDirectWrites()
        let block = out.directBlock
        let size = 1 << 20
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: AtomicOutput.directMemoryAlignment)
        defer { buf.deallocate() }
        for i in 0..<size { buf[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        let whole = UnsafeRawBufferPointer(buf)
        // Out of order, as the writer thread sees them: the second batch first.
        let second = try out.pwrite(UnsafeRawBufferPointer(rebasing: whole[0..<size]), at: UInt64(size))
        let first = try out.pwrite(UnsafeRawBufferPointer(rebasing: whole[0..<size]), at: 0)
        // An unaligned tail always goes through the page cache.
        let tail = try out.pwrite(UnsafeRawBufferPointer(rebasing: whole[0..<1000]), at: UInt64(2 * size))
        #expect(!tail)
        if out.directFD >= 0 {
            #expect(first && second, "aligned writes use O_DIRECT where the file system offers it (block \(block))")
        }
        try out.commit(overwrite: false)
        let back = try readFile(s.file("body.bin"))
        let expected = Array(whole) + Array(whole) + Array(whole[0..<1000])
        #expect(back == expected)
    }

    @Test func aBlockAlignedButNotPageAlignedOffsetIsExact() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = try AtomicOutput(path: s.file("odd.bin"), overwrite: false)
        out.enableDirectWrites()
        let block = out.directBlock
        // Two neighbouring writes that share a file-system block when block < 4096,
        // written in reverse order (a seal's cipher batches are 2 MiB + 512 bytes).
        let n = 64 * block + block
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: n, alignment: AtomicOutput.directMemoryAlignment)
        defer { buf.deallocate() }
        for i in 0..<n { buf[i] = UInt8(truncatingIfNeeded: i &* 13 &+ 1) }
        _ = try out.pwrite(UnsafeRawBufferPointer(buf), at: UInt64(n))
        for i in 0..<n { buf[i] = UInt8(truncatingIfNeeded: i &* 17 &+ 5) }
        _ = try out.pwrite(UnsafeRawBufferPointer(buf), at: 0)
        try out.commit(overwrite: false)
        let back = try readFile(s.file("odd.bin"))
        let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 5) }
        let b = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        #expect(back == a + b)
    }

    @Test func batchesStayNearTwoMiBWhateverTheChunkSize() {
        #expect(BodyEngine.batchChunks(64 << 10) == 32)
        #expect(BodyEngine.batchChunks(1 << 20) == 2)
        #expect(BodyEngine.batchChunks(16 << 20) == 1)
        #expect(BodyEngine.batchChunks(1000) == 32)
    }

    @Test func theFileSystemsAlignmentIsReadNotAssumed() throws {
        let s = try Scratch()
        defer { s.remove() }
        let fd = open(s.file("probe"), O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        defer { close(fd) }
        if let a = AtomicOutput.directIOAlignment(fd) {
            #expect(a >= 512 && a <= 65536 && a & (a - 1) == 0, "a power of two sector or block size: \(a)")
        }
    }
}
