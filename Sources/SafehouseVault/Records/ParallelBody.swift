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
        return try run(batches: batches, inCapacity: plainBatch, outCapacity: cipherBatch, progress: { done in
            progress?(min(UInt64(done) * UInt64(plainBatch), length), length)
        }) { k, inBuf, outBuf in
            let offset = UInt64(k) * UInt64(plainBatch)
            let want = Int(min(UInt64(plainBatch), length - offset))
            try preadFully(inputFD, inBuf, want, offset: offset, object: object, truncated: .io(object: object, detail: "the file changed size while it was being sealed"))
            let hashes = cipher.seal(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf,
                                     firstIndex: UInt64(k * BodyCodec.chunksPerBatch), containsLast: k == batches - 1, concurrently: false)
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
        let bodyHash = try run(batches: batches, inCapacity: cipherBatch, outCapacity: plainBatch, progress: { done in
            progress?(min(UInt64(done) * UInt64(cipherBatch), total), total)
        }) { k, inBuf, outBuf in
            let offset = UInt64(k) * UInt64(cipherBatch)
            let want = Int(min(UInt64(cipherBatch), total - offset))
            try preadFully(inputFD, inBuf, want, offset: offset, object: object, truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf,
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
                let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: inCapacity, alignment: 64)
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
