import Foundation
import SafehouseCrypto

/// The one engine every record body goes through: seal, open, random access,
/// re-keying, `--remove-original`'s check and keyless hashing (import, check).
///
/// Each worker takes the next batch of chunks, reads it at its own offset
/// (`pread`) and processes it into a buffer from a small pool; one writer
/// thread writes the buffers — at their offsets in whatever order they come
/// (`.file`), or in batch order to a sink (`.ordered`). Chunk hashes are folded
/// into the body hash in order through a small reorder window, so memory stays
/// constant whatever the size. A body of one batch (a photo, a document, an
/// identity, an excerpt) runs on the calling thread with buffers of its own
/// size: no threads to start, no megabytes to map and wipe.
enum BodyEngine {
    static var workers: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Chunks per batch: 32 of the standard 64 KiB (2 MiB), fewer for the larger
    /// chunks a header may declare, so the buffer pool stays a few MiB per thread.
    static func batchChunks(_ chunkSize: Int) -> Int { max(1, min(32, (2 << 20) / max(chunkSize, 1))) }

    /// Writes go through the page cache, started early with `sync_file_range` so
    /// the fsync before naming finds little left. `SAFEHOUSE_DIRECT=1` writes whole
    /// batches with O_DIRECT instead. O_DIRECT was the default until issue 17: on
    /// a busy disk here it took 11–13 s for a 1 GiB seal against 5.5–6.8 s
    /// buffered (Docs/PERFORMANCE.md) — a batch of 32 × (64 KiB + 16) bytes is not
    /// a multiple of the 4 KiB block, so ext4 serializes such writes.
    static let directWrites: Bool = ProcessInfo.processInfo.environment["SAFEHOUSE_DIRECT"] == "1"

    /// Where processed batches go.
    enum Output {
        /// Written at the offset each batch names, in any order.
        case file(AtomicOutput)
        /// Handed to the closure in batch order (on the writer thread).
        case ordered((UnsafeRawBufferPointer) throws -> Void)
        /// Nothing is written (hashing ciphertext).
        case none
    }

    /// What the work for one batch produced.
    struct Batch {
        /// Folded, in batch order, into the run's `hasher`.
        var hashes: [[UInt8]]
        /// Folded, in batch order, into the run's `second` hasher.
        var also: [[UInt8]] = []
        /// Where `.file` writes the batch.
        var offset: UInt64 = 0
        /// Bytes `0..<count` of the output buffer are the batch's output.
        var count: Int = 0
    }

    /// The work for batch `k`: input, output and scratch buffers of the sizes
    /// `run` was given, owned by this worker for the call.
    typealias Work = @Sendable (_ k: Int, _ input: UnsafeMutableRawBufferPointer, _ output: UnsafeMutableRawBufferPointer,
                                _ scratch: UnsafeMutableRawBufferPointer) throws -> Batch

    /// Runs `work` for batches `0..<batches`, writes what each returns to
    /// `output`, and folds its hashes into `hasher` (and `also` into `second`) in
    /// batch order. Every buffer is wiped before it is freed (plaintext passed
    /// through them). The first error stops the run and is thrown; what reached
    /// `output` by then is the caller's to discard.
    static func run(batches: Int, inCapacity: Int, outCapacity: Int, scratchCapacity: Int = 0,
                    output: Output, hasher: BodyHasher?, second: BodyHasher? = nil,
                    progress: ((Int) -> Void)? = nil, work: @escaping Work) throws {
        if batches == 1 {
            try runInline(inCapacity: inCapacity, outCapacity: outCapacity, scratchCapacity: scratchCapacity,
                          output: output, hasher: hasher, second: second, work: work)
            progress?(1)
            return
        }
        let threads = min(workers, batches)
        let state = FoldState(window: 2 * threads, hasher: hasher, second: second)
        let writer = BatchWriter(output: output, buffers: min(threads + 2, batches), capacity: outCapacity, state: state)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                let inBuf = Buffers.allocate(inCapacity), scratch = Buffers.allocate(scratchCapacity)
                defer { Buffers.wipeAndFree(inBuf); Buffers.wipeAndFree(scratch); group.leave() }
                while let k = state.next(limit: batches) {
                    guard let outBuf = writer.takeBuffer() else { return }
                    do {
                        let r = try work(k, inBuf, outBuf, scratch)
                        writer.enqueue(outBuf, batch: k, offset: r.offset, count: r.count)
                        state.deliver(k, r)
                    } catch { writer.giveBack(outBuf); state.fail(error); writer.stop(); return }
                }
            }
        }
        while case .some(let folded) = state.waitForProgress(total: batches, timeout: 0.1) { progress?(folded) }
        group.wait()
        writer.finish()
        if let e = state.error { throw e }
        progress?(batches)
    }

    private static func runInline(inCapacity: Int, outCapacity: Int, scratchCapacity: Int, output: Output,
                                  hasher: BodyHasher?, second: BodyHasher?, work: Work) throws {
        let inBuf = Buffers.allocate(inCapacity), outBuf = Buffers.allocate(outCapacity), scratch = Buffers.allocate(scratchCapacity)
        defer { Buffers.wipeAndFree(inBuf); Buffers.wipeAndFree(outBuf); Buffers.wipeAndFree(scratch) }
        let r = try work(0, inBuf, outBuf, scratch)
        hasher?.add(r.hashes)
        second?.add(r.also)
        try BatchWriter.emit(UnsafeRawBufferPointer(rebasing: outBuf[0..<r.count]), offset: r.offset, to: output)
    }
}

private enum Buffers {
    static func allocate(_ n: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: AtomicOutput.directMemoryAlignment)
    }

    static func wipeAndFree(_ b: UnsafeMutableRawBufferPointer) {
        b.initializeMemory(as: UInt8.self, repeating: 0)
        b.deallocate()
    }
}

/// The single writer: a pool of output buffers, a queue of filled ones, and a
/// thread that writes them (in order for `.ordered`) and returns them to the pool.
private final class BatchWriter: @unchecked Sendable {
    private let cond = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer]
    private let all: [UnsafeMutableRawBufferPointer]
    private var queue: [(buffer: UnsafeMutableRawBufferPointer, batch: Int, offset: UInt64, count: Int)] = []
    /// `.ordered`: batches that arrived before their turn.
    private var waiting: [Int: (buffer: UnsafeMutableRawBufferPointer, count: Int)] = [:]
    private var nextInOrder = 0
    private var stopped = false
    private var finishing = false
    private var done = false
    private let output: BodyEngine.Output
    private let state: FoldState

    init(output: BodyEngine.Output, buffers: Int, capacity: Int, state: FoldState) {
        all = (0..<buffers).map { _ in Buffers.allocate(capacity) }
        free = all
        self.output = output
        self.state = state
        if case .file(let out) = output, BodyEngine.directWrites { out.enableDirectWrites() }
        Thread.detachNewThread { [self] in loop() }
    }

    /// Writes one batch's output.
    static func emit(_ bytes: UnsafeRawBufferPointer, offset: UInt64, to output: BodyEngine.Output) throws {
        switch output {
        case .file(let out):
            if try !out.pwrite(bytes, at: offset) { out.startWriteback(at: offset, count: bytes.count) }
        case .ordered(let sink):
            try sink(bytes)
        case .none:
            break
        }
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

    func enqueue(_ b: UnsafeMutableRawBufferPointer, batch: Int, offset: UInt64, count: Int) {
        cond.lock(); queue.append((b, batch, offset, count)); cond.broadcast(); cond.unlock()
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
        for b in all { Buffers.wipeAndFree(b) }
    }

    private func loop() {
        while true {
            cond.lock()
            while queue.isEmpty && !finishing && !stopped { cond.wait() }
            if stopped || (queue.isEmpty && finishing) {
                done = true; cond.broadcast(); cond.unlock(); return
            }
            let item = queue.removeFirst()
            cond.unlock()
            do {
                if case .ordered = output {
                    waiting[item.batch] = (item.buffer, item.count)
                    while let next = waiting.removeValue(forKey: nextInOrder) {
                        try Self.emit(UnsafeRawBufferPointer(rebasing: next.buffer[0..<next.count]), offset: 0, to: output)
                        giveBack(next.buffer)
                        nextInOrder += 1
                    }
                } else {
                    try Self.emit(UnsafeRawBufferPointer(rebasing: item.buffer[0..<item.count]), offset: item.offset, to: output)
                    giveBack(item.buffer)
                }
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
    private var pending: [Int: BodyEngine.Batch] = [:]
    private(set) var error: Error?
    private let hasher: BodyHasher?
    private let second: BodyHasher?
    private let window: Int

    init(window: Int, hasher: BodyHasher?, second: BodyHasher?) { self.window = window; self.hasher = hasher; self.second = second }

    func next(limit: Int) -> Int? {
        cond.lock(); defer { cond.unlock() }
        while error == nil && nextBatch < limit && nextBatch - folded >= window { cond.wait() }
        guard error == nil, nextBatch < limit else { return nil }
        defer { nextBatch += 1 }
        return nextBatch
    }

    func deliver(_ k: Int, _ batch: BodyEngine.Batch) {
        cond.lock(); defer { cond.unlock() }
        pending[k] = batch
        while let b = pending.removeValue(forKey: folded) { hasher?.add(b.hashes); second?.add(b.also); folded += 1 }
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

/// Carries non-Sendable values into the engine's threads; the engine's locks
/// guarantee each buffer is touched by one thread at a time.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
