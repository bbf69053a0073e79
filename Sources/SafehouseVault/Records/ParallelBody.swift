import Foundation
import SafehouseCrypto

/// Seals and opens whole files on every core: each worker takes the next
/// batch of chunks, reads it at its own offset (`pread`) and encrypts or
/// decrypts it into a buffer from a small pool; one writer thread writes the
/// buffers at their offsets (`pwrite`) in whatever order they come. Workers
/// never wait on the file's write lock or on the disk, and the writer never
/// competes with another writer for the inode. Chunk hashes are folded into
/// the body hash in order through a small reorder window, so memory stays
/// constant whatever the file size.
enum ParallelBody {
    static var workers: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Chunks per batch: 32 of the standard 64 KiB (2 MiB), fewer for the larger
    /// chunks a header may declare, so the buffer pool stays a few MiB per thread.
    static func batchChunks(_ chunkSize: Int) -> Int { max(1, min(BodyCodec.chunksPerBatch, (2 << 20) / max(chunkSize, 1))) }

    /// Encrypts `length` bytes of `inputFD` into `output` in body format v2; returns
    /// the body hash, the chunk hashes and, when asked, the plaintext's
    /// `ContentDigest` (piece hashes taken by the workers in the same read pass).
    static func encrypt(inputFD: Int32, length: UInt64, cipher: ChunkCipher, output: AtomicOutput,
                        object: String, digest: Bool = false, progress: BodyCodec.Progress?) throws -> BodyCodec.Sealed {
        let per = batchChunks(cipher.chunkSize)
        let plainBatch = cipher.chunkSize * per
        let cipherBatch = plainBatch + per * ChunkCipher.tagBytes
        let batches = Int(max(1, (length + UInt64(plainBatch) - 1) / UInt64(plainBatch)))
        guard !digest || plainBatch == ContentDigest.pieceBytes else {
            throw VaultError.other("internal: a content digest needs \(ContentDigest.pieceBytes)-byte batches")
        }
        let pieces = digest ? PieceHashes(count: length == 0 ? 0 : batches) : nil
        // A body of one batch (a photo, a document) gets buffers of its own size: a card of
        // small files then does not map, fault in and wipe megabytes per file.
        let inCapacity = batches == 1 ? max(1, Int(length)) : plainBatch
        let outCapacity = batches == 1 ? Int(cipher.ciphertextLength(forPlaintextLength: length)) : cipherBatch
        let hasher = BodyHasher(version: RecordHeader.currentVersion)
        try run(batches: batches, inCapacity: inCapacity, outCapacity: outCapacity, output: output, hasher: hasher, progress: { done in
            progress?(min(UInt64(done) * UInt64(plainBatch), length), length)
        }) { k, inBuf, outBuf in
            let offset = UInt64(k) * UInt64(plainBatch)
            let want = Int(min(UInt64(plainBatch), length - offset))
            try PosixIO.readExactly(inputFD, into: inBuf.first(want), at: offset, object: object,
                                    truncated: .io(object: object, detail: "the file changed size while it was being sealed"))
            if want > 0 { pieces?.set(k, ContentDigest.pieceHash(UnsafeRawBufferPointer(rebasing: inBuf[0..<want]))) }
            let hashes = cipher.seal(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf,
                                     firstIndex: UInt64(k * per), containsLast: k == batches - 1, concurrently: false)
            return (hashes, UInt64(k) * UInt64(cipherBatch), want + hashes.count * ChunkCipher.tagBytes)
        }
        return BodyCodec.Sealed(bodyHash: hasher.finalize(), leaves: hasher.leaves,
                                content: pieces.map { ContentDigest.fold(pieces: $0.all, length: length) })
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
        let per = batchChunks(cipher.chunkSize)
        let plainBatch = cipher.chunkSize * per
        let cipherBatch = plainBatch + per * ChunkCipher.tagBytes
        let batches = Int(max(1, (total + UInt64(cipherBatch) - 1) / UInt64(cipherBatch)))
        let hasher = BodyHasher(version: header.version)
        try run(batches: batches, inCapacity: cipherBatch, outCapacity: plainBatch, output: output, hasher: hasher, progress: { done in
            progress?(min(UInt64(done) * UInt64(cipherBatch), total), total)
        }) { k, inBuf, outBuf in
            let offset = UInt64(k) * UInt64(cipherBatch)
            let want = Int(min(UInt64(cipherBatch), total - offset))
            try PosixIO.readExactly(inputFD, into: inBuf.first(want), at: offset, object: object,
                                    truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf,
                                         firstIndex: UInt64(k * per), containsLast: k == batches - 1, concurrently: false)
            } catch {
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            return (hashes, UInt64(k) * UInt64(plainBatch), want - hashes.count * ChunkCipher.tagBytes)
        }
        guard hasher.finalize() == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
    }

    /// Runs `work` for batches 0..<batches on `workers` threads, writes what each
    /// returns (bytes `0..<count` of its output buffer at `offset`) on one writer
    /// thread, and folds the returned chunk hashes into `hasher` in batch order.
    private static func run(batches: Int, inCapacity: Int, outCapacity: Int, output: AtomicOutput, hasher: BodyHasher, progress: (Int) -> Void,
                            work: @escaping @Sendable (Int, UnsafeMutableRawBufferPointer, UnsafeMutableRawBufferPointer) throws
                                -> (hashes: [[UInt8]], offset: UInt64, count: Int)) throws {
        let threadCount = workers
        let state = FoldState(window: 2 * threadCount, hasher: hasher)
        let threads = min(threadCount, batches)
        let writer = BatchWriter(output: output, buffers: min(threads + 2, batches), capacity: outCapacity, direct: directWrites, state: state)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: inCapacity, alignment: 64)
                defer {
                    // Plaintext passed through this buffer.
                    inBuf.initializeMemory(as: UInt8.self, repeating: 0)
                    inBuf.deallocate(); group.leave()
                }
                while let k = state.next(limit: batches) {
                    guard let outBuf = writer.takeBuffer() else { return }
                    do {
                        let r = try work(k, inBuf, outBuf)
                        writer.enqueue(outBuf, offset: r.offset, count: r.count)
                        state.deliver(k, r.hashes)
                    } catch { writer.giveBack(outBuf); state.fail(error); writer.stop(); return }
                }
            }
        }
        while case .some(let folded) = state.waitForProgress(total: batches, timeout: 0.1) { progress(folded) }
        group.wait()
        writer.finish()
        if let e = state.error { throw e }
        progress(batches)
    }

    /// Writes go through the page cache, started early with `sync_file_range` so
    /// the fsync before naming finds little left. `SAFEHOUSE_DIRECT=1` writes whole
    /// batches with O_DIRECT instead. O_DIRECT was the default until issue 17: on
    /// a busy disk here it took 11–13 s for a 1 GiB seal against 5.5–6.8 s
    /// buffered (Docs/PERFORMANCE.md) — a batch of 32 × (64 KiB + 16) bytes is not
    /// a multiple of the 4 KiB block, so ext4 serializes such writes.
    static let directWrites: Bool = ProcessInfo.processInfo.environment["SAFEHOUSE_DIRECT"] == "1"
}

/// The single writer: a pool of output buffers, a queue of filled ones, and a
/// thread that writes them and returns them to the pool.
private final class BatchWriter: @unchecked Sendable {
    private let cond = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer]
    private let all: [UnsafeMutableRawBufferPointer]
    private var queue: [(UnsafeMutableRawBufferPointer, UInt64, Int)] = []
    private var stopped = false
    private var finishing = false
    private var done = false
    private let output: AtomicOutput
    private let state: FoldState

    init(output: AtomicOutput, buffers: Int, capacity: Int, direct: Bool, state: FoldState) {
        all = (0..<buffers).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 4096) }
        free = all
        self.output = output
        self.state = state
        if direct { output.enableDirectWrites() }
        Thread.detachNewThread { [self] in loop() }
    }

    /// A free buffer, or nil once writing has failed.
    func takeBuffer() -> UnsafeMutableRawBufferPointer? {
        cond.lock(); defer { cond.unlock() }
        while free.isEmpty && !stopped { cond.wait() }
        return stopped ? nil : free.removeLast()
    }

    func giveBack(_ b: UnsafeMutableRawBufferPointer) {
        cond.lock(); free.append(b); cond.broadcast(); cond.unlock()
    }

    func enqueue(_ b: UnsafeMutableRawBufferPointer, offset: UInt64, count: Int) {
        cond.lock(); queue.append((b, offset, count)); cond.broadcast(); cond.unlock()
    }

    /// Stops taking work (after an error); queued writes are dropped.
    func stop() {
        cond.lock(); stopped = true; cond.broadcast(); cond.unlock()
    }

    /// Waits until every queued buffer is written (or writing failed), then
    /// wipes and frees the buffers.
    func finish() {
        cond.lock()
        finishing = true
        cond.broadcast()
        while !done { cond.wait() }
        cond.unlock()
        for b in all { b.initializeMemory(as: UInt8.self, repeating: 0); b.deallocate() }
    }

    private func loop() {
        while true {
            cond.lock()
            while queue.isEmpty && !finishing && !stopped { cond.wait() }
            if stopped || (queue.isEmpty && finishing) {
                done = true; cond.broadcast(); cond.unlock(); return
            }
            let (b, offset, count) = queue.removeFirst()
            cond.unlock()
            do {
                if try !output.pwrite(UnsafeRawBufferPointer(rebasing: b[0..<count]), at: offset) {
                    output.startWriteback(at: offset, count: count)
                }
                giveBack(b)
            } catch {
                state.fail(error)
                stop()
            }
        }
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
    let hasher: BodyHasher
    private let window: Int

    init(window: Int, hasher: BodyHasher) { self.window = window; self.hasher = hasher }

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

    /// Nil once every batch is folded or an error occurred; else the number
    /// folded so far (read under the lock), after waiting up to `timeout`.
    func waitForProgress(total: Int, timeout: TimeInterval) -> Int? {
        cond.lock(); defer { cond.unlock() }
        if folded >= total || error != nil { return nil }
        _ = cond.wait(until: Date().addingTimeInterval(timeout))
        return folded >= total || error != nil ? nil : folded
    }
}

/// Piece hashes written by the workers at their batch index.
private final class PieceHashes: @unchecked Sendable {
    private let lock = NSLock()
    private var hashes: [[UInt8]]
    init(count: Int) { hashes = Array(repeating: [], count: count) }
    func set(_ k: Int, _ h: [UInt8]) { lock.lock(); hashes[k] = h; lock.unlock() }
    var all: [[UInt8]] { lock.lock(); defer { lock.unlock() }; return hashes }
}
