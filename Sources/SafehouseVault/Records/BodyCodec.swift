import Foundation
import SafehouseCrypto

/// Streams record bodies through `ChunkCipher` in constant memory: batches of
/// chunks are read, processed on every core, and written, so memory stays at a
/// few batches whatever the size of the recording.
/// Where a body's plaintext comes from.
enum BodySource {
    /// A file descriptor, read sequentially (recordings of any size).
    case file(Int32)
    /// Small in-memory content (subject identities, excerpts).
    case bytes([UInt8])
}

enum BodyCodec {
    /// Chunks per batch: 32 × 64 KiB = 2 MiB per read.
    static let chunksPerBatch = 32

    /// Progress callback: bytes done, bytes total.
    typealias Progress = (UInt64, UInt64) -> Void

    /// What sealing a body produced.
    struct Sealed {
        /// The signed body hash (body format v2).
        let bodyHash: [UInt8]
        /// Every chunk hash, 32 bytes each, in order (kept in `chunk_hashes` for random access).
        let leaves: [UInt8]
        /// The plaintext's `ContentDigest`, when asked for.
        let content: [UInt8]?
    }

    /// Encrypts `length` bytes from `source` into `output` (body format v2) through a
    /// read-ahead / write-behind pipeline. Returns the body hash, the chunk hashes
    /// and, when `hashPlaintext`, a `ContentDigest` of the plaintext.
    static func encrypt(from source: BodySource, length: UInt64, cipher: ChunkCipher, to output: AtomicOutput,
                        object: String, hashPlaintext: Bool = false, progress: Progress?) throws -> Sealed {
        let batchPlain = cipher.chunkSize * chunksPerBatch
        let batchCipher = batchPlain + chunksPerBatch * ChunkCipher.tagBytes
        let batches = Int(max(1, (length + UInt64(batchPlain) - 1) / UInt64(batchPlain)))
        let hasher = BodyHasher(version: RecordHeader.currentVersion)
        let plainHash = hashPlaintext ? ContentDigest() : nil
        let pipeline = BatchPipeline(inCapacity: batchPlain, outCapacity: batchCipher)
        let src = Unchecked(source), out = Unchecked(output)
        try pipeline.run(batches: batches, read: { k, buf in
            let offset = UInt64(k) * UInt64(batchPlain)
            let want = Int(min(UInt64(batchPlain), length - offset))
            let got: Int
            switch src.value {
            case .file(let fd): got = try PosixIO.read(fd, into: buf.first(want), object: object)
            case .bytes(let b):
                b.withUnsafeBytes { s in if want > 0 { buf.baseAddress!.copyMemory(from: s.baseAddress! + Int(offset), byteCount: want) } }
                got = want
            }
            guard got == want else { throw VaultError.io(object: object, detail: "the file changed size while it was being sealed") }
            return got
        }, transform: { k, input, outBuf in
            plainHash?.update(input)
            let hashes = cipher.seal(input: input, output: outBuf, firstIndex: UInt64(k * chunksPerBatch), containsLast: k == batches - 1)
            hasher.add(hashes)
            progress?(UInt64(k) * UInt64(batchPlain) + UInt64(input.count), length)
            return input.count + hashes.count * ChunkCipher.tagBytes
        }, write: { _, bytes in
            try out.value.write(bytes)
        })
        return Sealed(bodyHash: hasher.finalize(), leaves: hasher.leaves, content: plainHash?.finalize())
    }

    /// Decrypts a body, handing plaintext batches to `sink`; throws
    /// `badData` on any authentication failure or a body hash that does not
    /// match the signed header. The caller must not release what `sink` got
    /// before this returns.
    static func decrypt(from fd: Int32, header: RecordHeader, cipher: ChunkCipher, object: String,
                        progress: Progress?, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        let total = header.ciphertextLength
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_size) == total else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
        let full = cipher.chunkSize + ChunkCipher.tagBytes
        let batchCipher = full * chunksPerBatch
        let batches = Int(max(1, (total + UInt64(batchCipher) - 1) / UInt64(batchCipher)))
        let hasher = BodyHasher(version: header.version)
        if batches == 1 {
            // A small body (an identity, an excerpt, a transcript): one read and one
            // pass in this thread, in buffers of its own size — no pipeline threads.
            let n = Int(total)
            let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 64)
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 64)
            defer {
                input.deallocate()
                output.initializeMemory(as: UInt8.self, repeating: 0)  // plaintext does not linger
                output.deallocate()
            }
            try PosixIO.readExactly(fd, into: input.first(n), object: object, truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: input[0..<n]), output: output, firstIndex: 0, containsLast: true)
            } catch {
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            hasher.add(hashes)
            guard hasher.finalize() == header.bodyHash else {
                throw VaultError.badData(object: object, hint: "the body does not match its signed header")
            }
            progress?(total, total)
            try sink(UnsafeRawBufferPointer(rebasing: output[0..<(n - hashes.count * ChunkCipher.tagBytes)]))
            return
        }
        let pipeline = BatchPipeline(inCapacity: batchCipher, outCapacity: cipher.chunkSize * chunksPerBatch)
        let sinkBox = Unchecked(sink)
        try pipeline.run(batches: batches, read: { k, buf in
            let want = Int(min(UInt64(batchCipher), total - UInt64(k) * UInt64(batchCipher)))
            try PosixIO.readExactly(fd, into: buf.first(want), object: object, truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            return want
        }, transform: { k, input, outBuf in
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: input, output: outBuf, firstIndex: UInt64(k * chunksPerBatch), containsLast: k == batches - 1)
            } catch {
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            hasher.add(hashes)
            progress?(UInt64(k) * UInt64(batchCipher) + UInt64(input.count), total)
            return input.count - hashes.count * ChunkCipher.tagBytes
        }, write: { _, bytes in
            try sinkBox.value(bytes)
        })
        guard hasher.finalize() == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
    }

    /// Decrypts only the chunks covering plaintext bytes `[start, start+length)`
    /// (random access: minute 95 of a three-hour recording without the rest).
    /// Each chunk read is authenticated and its hash compared with `leaves`, the
    /// chunk hashes already checked against the signed header (`verifiedLeaves`),
    /// before any of its plaintext reaches `sink`: a chunk re-encrypted by another
    /// holder of the record key is refused like any damaged one.
    static func decryptRange(from fd: Int32, header: RecordHeader, cipher: ChunkCipher, leaves: [UInt8], start: UInt64, length: UInt64,
                             object: String, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard cipher.hashing == header.chunkHashing, UInt64(leaves.count) == header.chunkCount * 32 else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
        guard start <= header.plaintextLength, length <= header.plaintextLength - start else {
            throw VaultError.usage("--bytes \(start):\(length) is outside the record (\(header.plaintextLength) bytes)")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_size) == header.ciphertextLength else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
        guard length > 0 else { return }
        let cs = UInt64(cipher.chunkSize), full = cs + UInt64(ChunkCipher.tagBytes)
        let total = cipher.chunkCount(forPlaintextLength: header.plaintextLength)
        let first = start / cs, last = (start + length - 1) / cs
        let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(full) * chunksPerBatch, alignment: 64)
        let outBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(cs) * chunksPerBatch, alignment: 64)
        defer { outBuf.initializeMemory(as: UInt8.self, repeating: 0); inBuf.deallocate(); outBuf.deallocate() }
        var c = first
        while c <= last {
            let n = min(UInt64(chunksPerBatch), last - c + 1)
            let off = c * full
            let want = Int(min(n * full, header.ciphertextLength - off))
            try PosixIO.readExactly(fd, into: inBuf.first(want), at: off, object: object,
                                    truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            let containsLast = c + n == total
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf, firstIndex: c,
                                         containsLast: containsLast)
            } catch {
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            for (j, h) in hashes.enumerated() where !Self.equal(h, leaves, at: Int(c) + j) {
                outBuf.initializeMemory(as: UInt8.self, repeating: 0)
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            let plainLen = UInt64(want) - n * UInt64(ChunkCipher.tagBytes)
            let batchStart = c * cs
            let from = max(start, batchStart) - batchStart
            let to = min(start + length, batchStart + plainLen) - batchStart
            try sink(UnsafeRawBufferPointer(rebasing: outBuf[Int(from)..<Int(to)]))
            c += n
        }
    }

    /// Whether chunk hash `h` equals entry `index` of `leaves`.
    private static func equal(_ h: [UInt8], _ leaves: [UInt8], at index: Int) -> Bool {
        h.count == 32 && leaves[(32 * index)..<(32 * index + 32)].elementsEqual(h)
    }

    /// The body's chunk hashes, checked against its signed header: `stored` (the
    /// vault's `chunk_hashes` row) when it folds to the signed hash, else
    /// recomputed from the ciphertext (body format v1, or a row that is missing or
    /// was edited). Throws `badData` when the ciphertext does not match either.
    static func verifiedLeaves(from fd: Int32, header: RecordHeader, stored: [UInt8]?, object: String) throws -> [UInt8] {
        if let stored, BodyHasher.leavesMatch(stored, header) { return stored }
        let (bodyHash, leaves) = try hashCiphertext(from: fd, header: header, object: object)
        guard bodyHash == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
        }
        return leaves
    }

    /// Recomputes the body hash and chunk hashes from ciphertext alone (no key needed): for import and check.
    static func hashCiphertext(from fd: Int32, header: RecordHeader, object: String) throws -> (bodyHash: [UInt8], leaves: [UInt8]) {
        let total = header.ciphertextLength
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_size) == total else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
        let full = Int(header.chunkSize) + ChunkCipher.tagBytes
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: full * chunksPerBatch, alignment: 64)
        defer { buf.deallocate() }
        let hasher = BodyHasher(version: header.version)
        let hashing = header.chunkHashing, chunks = header.chunkCount
        var done: UInt64 = 0, index: UInt64 = 0
        while done < total {
            let want = Int(min(UInt64(buf.count), total - done))
            try PosixIO.readExactly(fd, into: buf.first(want), object: object, truncated: .badData(object: object, hint: "the encrypted body is truncated"))
            var off = 0
            var hashes: [[UInt8]] = []
            while off < want {
                let len = min(full, want - off)
                hashes.append(hashing.hash(UnsafeRawBufferPointer(rebasing: buf[off..<off + len]), index: index, last: index == chunks - 1))
                off += len; index += 1
            }
            hasher.add(hashes)
            done += UInt64(want)
        }
        return (hasher.finalize(), hasher.leaves)
    }
}
