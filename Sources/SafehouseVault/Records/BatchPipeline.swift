import Dispatch
import Foundation

/// Runs batches through read → transform → write with read-ahead and
/// write-behind on two helper threads, so disk I/O overlaps with the
/// encryption, which itself uses every core (`ChunkCipher`). Memory is fixed:
/// two input and two output buffers.
final class BatchPipeline: @unchecked Sendable {
    private let inBuffers: [UnsafeMutableRawBufferPointer]
    private let outBuffers: [UnsafeMutableRawBufferPointer]

    init(inCapacity: Int, outCapacity: Int) {
        inBuffers = (0..<2).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: max(inCapacity, 1), alignment: 64) }
        outBuffers = (0..<2).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: max(outCapacity, 1), alignment: 64) }
    }

    deinit {
        // Plaintext passed through these buffers: zero before releasing.
        for b in inBuffers + outBuffers { b.initializeMemory(as: UInt8.self, repeating: 0); b.deallocate() }
    }

    /// - Parameters:
    ///   - batches: number of batches.
    ///   - read: fills the buffer with batch `k`; returns the byte count (reader thread).
    ///   - transform: turns input batch `k` into output; returns the output length (calling thread).
    ///   - write: consumes output batch `k` (writer thread, in order).
    func run(batches: Int,
             read: @escaping (Int, UnsafeMutableRawBufferPointer) throws -> Int,
             transform: (Int, UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws -> Int,
             write: @escaping (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        let inFull = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let inFree = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 1)]
        let outFree = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 1)]
        let state = PipelineState()
        var lengths = [Int](repeating: 0, count: 2)
        let lengthsBox = Unchecked(UnsafeMutablePointer<Int>.allocate(capacity: 2))
        defer { lengthsBox.value.deallocate() }
        let readFn = Unchecked(read), writeFn = Unchecked(write), ins = Unchecked(inBuffers), outs = Unchecked(outBuffers)
        let readerDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for k in 0..<batches {
                inFree[k % 2].wait()
                // Hand the slot back even when stopping: the main loop may already wait on it.
                if state.failed { inFull[k % 2].signal(); break }
                do { lengthsBox.value[k % 2] = try readFn.value(k, ins.value[k % 2]) } catch { state.fail(error) }
                inFull[k % 2].signal()
            }
            readerDone.signal()
        }
        let writer = DispatchQueue(label: "safehouse.pipeline.write")
        for k in 0..<batches {
            inFull[k % 2].wait()
            if state.failed { inFree[k % 2].signal(); break }
            outFree[k % 2].wait()
            lengths[k % 2] = lengthsBox.value[k % 2]
            let n: Int
            do {
                n = try transform(k, UnsafeRawBufferPointer(rebasing: inBuffers[k % 2][0..<lengths[k % 2]]), outBuffers[k % 2])
            } catch {
                state.fail(error); outFree[k % 2].signal(); inFree[k % 2].signal(); break
            }
            inFree[k % 2].signal()
            writer.async {
                if !state.failed {
                    do { try writeFn.value(k, UnsafeRawBufferPointer(rebasing: outs.value[k % 2][0..<n])) } catch { state.fail(error) }
                }
                outFree[k % 2].signal()
            }
        }
        // Let the reader finish (it skips work once failed), then drain the writer.
        for s in inFree { s.signal() }
        readerDone.wait()
        writer.sync {}
        if let e = state.error { throw e }
    }
}

/// First error of any stage; later stages skip their work once it is set.
private final class PipelineState: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return first != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return first }
    func fail(_ e: Error) { lock.lock(); if first == nil { first = e }; lock.unlock() }
}

/// Carries non-Sendable values into helper threads; the pipeline's semaphores
/// guarantee each buffer is touched by one stage at a time.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
