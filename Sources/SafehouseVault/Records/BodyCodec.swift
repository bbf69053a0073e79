import Foundation
import SafehouseCrypto

/// Where a body's plaintext comes from.
enum BodySource {
    /// A regular file, read at offsets (recordings of any size).
    case file(Int32)
    /// Small in-memory content (subject identities, excerpts).
    case bytes([UInt8])
}

/// Every operation on a record body, each a work function for `BodyEngine`:
/// batches of `BodyEngine.batchChunks` chunks, read at their offsets, processed
/// on every core, written by one writer — constant memory whatever the size.
enum BodyCodec {
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

    /// Batch geometry of a body: chunks per batch, plaintext and ciphertext bytes per batch.
    private struct Geometry {
        let per: Int, plain: Int, cipher: Int
        init(chunkSize: Int) {
            per = BodyEngine.batchChunks(chunkSize)
            plain = chunkSize * per
            cipher = plain + per * ChunkCipher.tagBytes
        }
        func batches(_ total: UInt64, of size: Int) -> Int { Int(max(1, (total + UInt64(size) - 1) / UInt64(size))) }
    }

    private static func tampered(_ object: String) -> VaultError {
        .badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
    }

    private static func truncated(_ object: String) -> VaultError { .badData(object: object, hint: "the encrypted body is truncated") }

    private static func requireLength(_ fd: Int32, _ total: UInt64, object: String) throws {
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_size) == total else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
    }

    /// Encrypts `length` bytes of `source` into `output` in body format v2; returns
    /// the body hash, the chunk hashes and, when `digest`, the plaintext's
    /// `ContentDigest` (piece hashes taken by the workers in the same read pass).
    static func encrypt(from source: BodySource, length: UInt64, cipher: ChunkCipher, to output: AtomicOutput,
                        object: String, digest: Bool = false, progress: Progress?) throws -> Sealed {
        let g = Geometry(chunkSize: cipher.chunkSize)
        let batches = g.batches(length, of: g.plain)
        guard !digest || g.plain == ContentDigest.pieceBytes else {
            throw VaultError.other("internal: a content digest needs \(ContentDigest.pieceBytes)-byte batches")
        }
        let pieces = digest ? PieceHashes(count: length == 0 ? 0 : batches) : nil
        let hasher = BodyHasher(version: RecordHeader.currentVersion)
        let src = Unchecked(source)
        try BodyEngine.run(batches: batches, inCapacity: batches == 1 ? Int(length) : g.plain,
                           outCapacity: batches == 1 ? Int(cipher.ciphertextLength(forPlaintextLength: length)) : g.cipher,
                           output: .file(output), hasher: hasher,
                           progress: { progress?(min(UInt64($0) * UInt64(g.plain), length), length) }) { k, inBuf, outBuf, _ in
            let offset = UInt64(k) * UInt64(g.plain)
            let want = Int(min(UInt64(g.plain), length - offset))
            switch src.value {
            case .file(let fd):
                try PosixIO.readExactly(fd, into: inBuf.first(want), at: offset, object: object,
                                        truncated: .io(object: object, detail: "the file changed size while it was being sealed"))
            case .bytes(let b):
                if want > 0 { b.withUnsafeBytes { inBuf.baseAddress!.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: want) } }
            }
            let plain = UnsafeRawBufferPointer(rebasing: inBuf[0..<want])
            if want > 0 { pieces?.set(k, ContentDigest.pieceHash(plain)) }
            let hashes = cipher.seal(input: plain, output: outBuf, firstIndex: UInt64(k * g.per), containsLast: k == batches - 1, concurrently: false)
            return .init(hashes: hashes, offset: UInt64(k) * UInt64(g.cipher), count: want + hashes.count * ChunkCipher.tagBytes)
        }
        return Sealed(bodyHash: hasher.finalize(), leaves: hasher.leaves,
                      content: pieces.map { ContentDigest.fold(pieces: $0.all, length: length) })
    }

    /// Decrypts a whole body to `output`; throws `badData` on any authentication
    /// failure or a body hash that does not match the signed header. Nothing
    /// written may be released before this returns (the caller drops it on error).
    static func decrypt(from fd: Int32, header: RecordHeader, cipher: ChunkCipher, to output: BodyEngine.Output,
                        object: String, progress: Progress?) throws {
        let total = header.ciphertextLength
        try requireLength(fd, total, object: object)
        let g = Geometry(chunkSize: cipher.chunkSize)
        let batches = g.batches(total, of: g.cipher)
        let hasher = BodyHasher(version: header.version)
        try BodyEngine.run(batches: batches, inCapacity: batches == 1 ? Int(total) : g.cipher, outCapacity: batches == 1 ? Int(total) : g.plain,
                           output: output, hasher: hasher,
                           progress: { progress?(min(UInt64($0) * UInt64(g.cipher), total), total) }) { k, inBuf, outBuf, _ in
            let offset = UInt64(k) * UInt64(g.cipher)
            let want = Int(min(UInt64(g.cipher), total - offset))
            try PosixIO.readExactly(fd, into: inBuf.first(want), at: offset, object: object, truncated: truncated(object))
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf,
                                         firstIndex: UInt64(k * g.per), containsLast: k == batches - 1, concurrently: false)
            } catch { throw tampered(object) }
            return .init(hashes: hashes, offset: UInt64(k) * UInt64(g.plain), count: want - hashes.count * ChunkCipher.tagBytes)
        }
        guard hasher.finalize() == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
    }

    /// Decrypts only the chunks covering plaintext bytes `[start, start+length)`
    /// (random access: minute 95 of a three-hour recording without the rest).
    /// Each chunk read is authenticated and its hash compared with `leaves`, the
    /// chunk hashes already checked against the signed header (`verifiedLeaves`),
    /// before any of its plaintext reaches `sink` (in order): a chunk re-encrypted
    /// by another holder of the record key is refused like any damaged one.
    static func decryptRange(from fd: Int32, header: RecordHeader, cipher: ChunkCipher, leaves: [UInt8], start: UInt64, length: UInt64,
                             object: String, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        guard cipher.hashing == header.chunkHashing, UInt64(leaves.count) == header.chunkCount * 32 else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
        guard start <= header.plaintextLength, length <= header.plaintextLength - start else {
            throw VaultError.usage("--bytes \(start):\(length) is outside the record (\(header.plaintextLength) bytes)")
        }
        try requireLength(fd, header.ciphertextLength, object: object)
        guard length > 0 else { return }
        let g = Geometry(chunkSize: cipher.chunkSize)
        let cs = UInt64(cipher.chunkSize), full = cs + UInt64(ChunkCipher.tagBytes)
        let total = cipher.chunkCount(forPlaintextLength: header.plaintextLength)
        let first = start / cs, last = (start + length - 1) / cs
        let batches = Int((last - first) / UInt64(g.per)) + 1
        try BodyEngine.run(batches: batches, inCapacity: g.cipher, outCapacity: g.plain, output: .ordered(sink), hasher: nil) { k, inBuf, outBuf, _ in
            let c = first + UInt64(k * g.per)
            let n = min(UInt64(g.per), last - c + 1)
            let off = c * full
            let want = Int(min(n * full, header.ciphertextLength - off))
            try PosixIO.readExactly(fd, into: inBuf.first(want), at: off, object: object, truncated: truncated(object))
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: outBuf, firstIndex: c,
                                         containsLast: c + n == total, concurrently: false)
            } catch { throw tampered(object) }
            for (j, h) in hashes.enumerated() where !(h.count == 32 && leaves[(32 * (Int(c) + j))..<(32 * (Int(c) + j) + 32)].elementsEqual(h)) {
                throw tampered(object)
            }
            let plainLen = UInt64(want) - n * UInt64(ChunkCipher.tagBytes)
            let batchStart = c * cs
            let from = Int(max(start, batchStart) - batchStart), to = Int(min(start + length, batchStart + plainLen) - batchStart)
            if from > 0 { outBuf.baseAddress!.copyMemory(from: outBuf.baseAddress! + from, byteCount: to - from) }
            return .init(hashes: [], count: to - from)
        }
    }

    /// Re-encrypts a body under `newCipher` (same chunk size) into `output`, in
    /// body format v2, checking the old body against its signed hash. Returns the
    /// new body hash and chunk hashes. Plaintext exists only in workers' buffers.
    static func reencrypt(from fd: Int32, header: RecordHeader, oldCipher: ChunkCipher, newCipher: ChunkCipher,
                          to output: AtomicOutput, object: String) throws -> (bodyHash: [UInt8], leaves: [UInt8]) {
        let total = header.ciphertextLength
        try requireLength(fd, total, object: object)
        let g = Geometry(chunkSize: oldCipher.chunkSize)
        let batches = g.batches(total, of: g.cipher)
        let oldHash = BodyHasher(version: header.version), newHash = BodyHasher(version: RecordHeader.currentVersion)
        try BodyEngine.run(batches: batches, inCapacity: g.cipher, outCapacity: g.cipher, scratchCapacity: g.plain,
                           output: .file(output), hasher: newHash, second: oldHash) { k, inBuf, outBuf, plain in
            let offset = UInt64(k) * UInt64(g.cipher)
            let want = Int(min(UInt64(g.cipher), total - offset))
            try PosixIO.readExactly(fd, into: inBuf.first(want), at: offset, object: object, truncated: truncated(object))
            let last = k == batches - 1
            let old: [[UInt8]]
            do {
                old = try oldCipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<want]), output: plain,
                                         firstIndex: UInt64(k * g.per), containsLast: last, concurrently: false)
            } catch { throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with") }
            let n = want - old.count * ChunkCipher.tagBytes
            let new = newCipher.seal(input: UnsafeRawBufferPointer(rebasing: plain[0..<n]), output: outBuf,
                                     firstIndex: UInt64(k * g.per), containsLast: last, concurrently: false)
            return .init(hashes: new, also: old, offset: offset, count: want)
        }
        guard oldHash.finalize() == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
        return (newHash.finalize(), newHash.leaves)
    }

    /// The body's chunk hashes, checked against its signed header: `stored` (the
    /// vault's `chunk_hashes` row) when it folds to the signed hash, else
    /// recomputed from the ciphertext (body format v1, or a row that is missing or
    /// was edited). Throws `badData` when the ciphertext does not match either.
    static func verifiedLeaves(from fd: Int32, header: RecordHeader, stored: [UInt8]?, object: String) throws -> [UInt8] {
        if let stored, BodyHasher.leavesMatch(stored, header) { return stored }
        let (bodyHash, leaves) = try hashCiphertext(from: fd, header: header, object: object)
        guard bodyHash == header.bodyHash else { throw tampered(object) }
        return leaves
    }

    /// Recomputes the body hash and chunk hashes from ciphertext alone (no key needed): for import and check.
    static func hashCiphertext(from fd: Int32, header: RecordHeader, object: String) throws -> (bodyHash: [UInt8], leaves: [UInt8]) {
        let total = header.ciphertextLength
        try requireLength(fd, total, object: object)
        let full = Int(header.chunkSize) + ChunkCipher.tagBytes
        let g = Geometry(chunkSize: Int(header.chunkSize))
        let batches = g.batches(total, of: g.cipher)
        let hashing = header.chunkHashing, chunks = header.chunkCount
        let hasher = BodyHasher(version: header.version)
        try BodyEngine.run(batches: batches, inCapacity: batches == 1 ? Int(total) : g.cipher, outCapacity: 0,
                           output: .none, hasher: hasher) { k, buf, _, _ in
            let offset = UInt64(k) * UInt64(g.cipher)
            let want = Int(min(UInt64(g.cipher), total - offset))
            try PosixIO.readExactly(fd, into: buf.first(want), at: offset, object: object, truncated: truncated(object))
            var hashes: [[UInt8]] = []
            var off = 0, index = UInt64(k * g.per)
            while off < want {
                let len = min(full, want - off)
                hashes.append(hashing.hash(UnsafeRawBufferPointer(rebasing: buf[off..<off + len]), index: index, last: index == chunks - 1))
                off += len; index += 1
            }
            return .init(hashes: hashes)
        }
        return (hasher.finalize(), hasher.leaves)
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
