import Foundation
import SafehouseCrypto

/// Seals and opens whole files on every core: each worker takes the next
/// batch of chunks, reads it at its own offset (`pread`), encrypts or decrypts
/// it, and writes it at its own offset (`pwrite`) — no ordering between
/// workers, so two cores stay busy with crypto and I/O alike. Chunk hashes are
/// folded into the body hash in order through a small reorder window, so
/// memory stays constant whatever the file size.
enum ParallelBody {
    static var workers: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Encrypts `length` bytes of `inputFD` into `output`; returns the body hash.
    static func encrypt(inputFD: Int32, length: UInt64, cipher: ChunkCipher, output: AtomicOutput,
                        object: String, progress: BodyCodec.Progress?) throws -> [UInt8] {
        let plainBatch = cipher.chunkSize * BodyCodec.chunksPerBatch
        let cipherBatch = plainBatch + BodyCodec.chunksPerBatch * ChunkCipher.tagBytes
        let batches = Int(max(1, (length + UInt64(plainBatch) - 1) / UInt64(plainBatch)))
        let output = Unchecked(output)
        let mapped = MappedInput(fd: inputFD, length: length,
                                 onSIGBUS: "safehouse: error: I/O error on \(object): the file changed size while it was being sealed; nothing was stored\n", exitCode: 74)
        defer { mapped?.unmap() }
        let view = Unchecked(mapped)
        return try run(batches: batches, inCapacity: mapped == nil ? plainBatch : 0, outCapacity: cipherBatch, progress: { done in
            progress?(min(UInt64(done) * UInt64(plainBatch), length), length)
        }) { k, inBuf, outBuf in
            let offset = UInt64(k) * UInt64(plainBatch)
            let want = Int(min(UInt64(plainBatch), length - offset))
            let input = try batchInput(view.value, inputFD, inBuf, want, offset: offset, object: object,
                                       truncated: .io(object: object, detail: "the file changed size while it was being sealed"))
            let hashes = cipher.seal(input: input, output: outBuf,
                                     firstIndex: UInt64(k * BodyCodec.chunksPerBatch), containsLast: k == batches - 1, concurrently: false)
            view.value?.release(input)
            let n = want + hashes.count * ChunkCipher.tagBytes
            try output.value.pwrite(UnsafeRawBufferPointer(rebasing: outBuf[0..<n]), at: UInt64(k) * UInt64(cipherBatch))
            output.value.startWriteback(at: UInt64(k) * UInt64(cipherBatch), count: n)
            return hashes
        }
    }

    /// Decrypts a whole body into `output`; throws `badData` on any failure or a
    /// body hash that does not match the signed header (the caller then drops the output).
    static func decrypt(inputFD: Int32, header: RecordHeader, cipher: ChunkCipher, output: AtomicOutput,
                        object: String, progress: BodyCodec.Progress?) throws {
        let total = header.ciphertextLength
        var st = stat()
        guard fstat(inputFD, &st) == 0, UInt64(st.st_size) == total else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
        let plainBatch = cipher.chunkSize * BodyCodec.chunksPerBatch
        let cipherBatch = plainBatch + BodyCodec.chunksPerBatch * ChunkCipher.tagBytes
        let batches = Int(max(1, (total + UInt64(cipherBatch) - 1) / UInt64(cipherBatch)))
        let output = Unchecked(output)
        let mapped = MappedInput(fd: inputFD, length: total,
                                 onSIGBUS: "safehouse: error: \(object): bad or tampered data\nsafehouse: hint: its encrypted body changed while it was read; nothing was written\n", exitCode: 65)
        defer { mapped?.unmap() }
        let view = Unchecked(mapped)
        let bodyHash = try run(batches: batches, inCapacity: mapped == nil ? cipherBatch : 0, outCapacity: plainBatch, progress: { done in
            progress?(min(UInt64(done) * UInt64(cipherBatch), total), total)
        }) { k, inBuf, outBuf in
            let offset = UInt64(k) * UInt64(cipherBatch)
            let want = Int(min(UInt64(cipherBatch), total - offset))
            let input = try batchInput(view.value, inputFD, inBuf, want, offset: offset, object: object,
                                       truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            let hashes: [[UInt8]]
            do {
                defer { view.value?.release(input) }
                hashes = try cipher.open(input: input, output: outBuf,
                                         firstIndex: UInt64(k * BodyCodec.chunksPerBatch), containsLast: k == batches - 1, concurrently: false)
            } catch {
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            let n = want - hashes.count * ChunkCipher.tagBytes
            try output.value.pwrite(UnsafeRawBufferPointer(rebasing: outBuf[0..<n]), at: UInt64(k) * UInt64(plainBatch))
            output.value.startWriteback(at: UInt64(k) * UInt64(plainBatch), count: n)
            return hashes
        }
        guard bodyHash == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
    }

    /// One batch of input: a view of the mapping, or (unmapped) read into `buffer`.
    static func batchInput(_ mapped: MappedInput?, _ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ count: Int,
                           offset: UInt64, object: String, truncated: VaultError) throws -> UnsafeRawBufferPointer {
        if let mapped { return mapped.range(offset: offset, count: count) }
        try preadFully(fd, buffer, count, offset: offset, object: object, truncated: truncated)
        return UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    static func preadFully(_ fd: Int32, _ buf: UnsafeMutableRawBufferPointer, _ count: Int, offset: UInt64,
                           object: String, truncated: VaultError) throws {
        var got = 0
        while got < count {
            let n = Foundation.pread(fd, buf.baseAddress! + got, count - got, off_t(offset) + off_t(got))
            if n < 0 { if errno == EINTR { continue }; throw VaultError.io(object: object, detail: String(cString: strerror(errno))) }
            if n == 0 { throw truncated }
            got += n
        }
    }

    /// Runs `work` for batches 0..<batches on `workers` threads and folds the
    /// returned chunk hashes in batch order; returns the body hash.
    private static func run(batches: Int, inCapacity: Int, outCapacity: Int, progress: (Int) -> Void,
                            work: @escaping @Sendable (Int, UnsafeMutableRawBufferPointer, UnsafeMutableRawBufferPointer) throws -> [[UInt8]]) throws -> [UInt8] {
        let state = FoldState(window: 2 * workers)
        let group = DispatchGroup()
        for _ in 0..<min(workers, batches) {
            group.enter()
            Thread.detachNewThread {
                let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(inCapacity, 1), alignment: 64)
                let outBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: outCapacity, alignment: 64)
                defer {
                    // Plaintext passed through these buffers.
                    inBuf.initializeMemory(as: UInt8.self, repeating: 0); outBuf.initializeMemory(as: UInt8.self, repeating: 0)
                    inBuf.deallocate(); outBuf.deallocate(); group.leave()
                }
                while let k = state.next(limit: batches) {
                    do { state.deliver(k, try work(k, inBuf, outBuf)) } catch { state.fail(error); return }
                }
            }
        }
        while !state.waitForProgress(total: batches, timeout: 0.1) { progress(state.folded) }
        group.wait()
        if let e = state.error { throw e }
        progress(batches)
        return state.hasher.finalize()
    }
}

/// Hands out batch numbers, folds results in order, and keeps workers within a
/// window of the fold point so pending results stay bounded.
private final class FoldState: @unchecked Sendable {
    private let cond = NSCondition()
    private var nextBatch = 0
    private(set) var folded = 0
    private var pending: [Int: [[UInt8]]] = [:]
    private(set) var error: Error?
    let hasher = BodyHasher()
    private let window: Int

    init(window: Int) { self.window = window }

    func next(limit: Int) -> Int? {
        cond.lock(); defer { cond.unlock() }
        while error == nil && nextBatch < limit && nextBatch - folded >= window { cond.wait() }
        guard error == nil, nextBatch < limit else { return nil }
        defer { nextBatch += 1 }
        return nextBatch
    }

    func deliver(_ k: Int, _ hashes: [[UInt8]]) {
        cond.lock(); defer { cond.unlock() }
        pending[k] = hashes
        while let h = pending.removeValue(forKey: folded) { hasher.add(h); folded += 1 }
        cond.broadcast()
    }

    func fail(_ e: Error) {
        cond.lock(); if error == nil { error = e }; cond.broadcast(); cond.unlock()
    }

    /// True once every batch is folded or an error occurred.
    func waitForProgress(total: Int, timeout: TimeInterval) -> Bool {
        cond.lock(); defer { cond.unlock() }
        if folded >= total || error != nil { return true }
        _ = cond.wait(until: Date().addingTimeInterval(timeout))
        return folded >= total || error != nil
    }
}

/// A read-only mapping of a whole input file, so batches are encrypted or
/// decrypted straight from the page cache instead of being copied into a
/// buffer first (on this project's VM that copy cost up to a third of a seal).
/// A file truncated underneath a mapping raises SIGBUS on access; the handler
/// prints the given one-line error and exits with the given code — the
/// output is an unnamed O_TMPFILE file, so nothing is left behind, and nothing
/// was recorded in the vault yet.
final class MappedInput: @unchecked Sendable {
    let base: UnsafeRawPointer
    let length: Int

    /// Nil when mapping is off (`SAFEHOUSE_MMAP=0`), the file is empty or
    /// cannot be mapped (then the caller reads with pread).
    init?(fd: Int32, length: UInt64, onSIGBUS message: String, exitCode: Int32) {
        guard length > 0, length <= UInt64(Int.max), ProcessInfo.processInfo.environment["SAFEHOUSE_MMAP"] != "0" else { return nil }
        guard let p = mmap(nil, Int(length), PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else { return nil }
        base = UnsafeRawPointer(p)
        self.length = Int(length)
        SigbusGuard.arm(message: message, exitCode: exitCode)
    }

    /// The bytes of one batch, faulted in with one call where the kernel can
    /// (MADV_POPULATE_READ, Linux 5.14), instead of a page fault per 64 KiB.
    func range(offset: UInt64, count: Int) -> UnsafeRawBufferPointer {
        let buffer = UnsafeRawBufferPointer(start: base + Int(offset), count: count)
        advise(buffer, 22 /* MADV_POPULATE_READ */)
        return buffer
    }

    /// Unmaps a processed batch's pages from this process (they stay in the page
    /// cache), so resident memory stays flat however large the file is.
    func release(_ buffer: UnsafeRawBufferPointer) {
        advise(buffer, MADV_DONTNEED)
    }

    private func advise(_ buffer: UnsafeRawBufferPointer, _ advice: Int32) {
        guard let start = buffer.baseAddress, buffer.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = Int(bitPattern: start) / page * page
        let end = Int(bitPattern: start) + buffer.count
        // A page shared with the neighbouring batch may be dropped while another
        // worker reads it: harmless for a read-only file mapping (the next access
        // faults it back in from the page cache).
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, advice)
    }

    func unmap() {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
        SigbusGuard.disarm()
    }
}

/// The SIGBUS handler for MappedInput: async-signal-safe (write and _exit only).
enum SigbusGuard {
    nonisolated(unsafe) static var message: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var messageLength = 0
    nonisolated(unsafe) static var code: Int32 = 74

    static func arm(message text: String, exitCode: Int32) {
        disarm()
        message = strdup(text)
        messageLength = strlen(message!)
        code = exitCode
        signal(SIGBUS) { _ in
            if let m = SigbusGuard.message { _ = write(2, m, SigbusGuard.messageLength) }
            _exit(SigbusGuard.code)
        }
    }

    static func disarm() {
        signal(SIGBUS, SIG_DFL)
        if let m = message { free(m); message = nil }
    }
}
