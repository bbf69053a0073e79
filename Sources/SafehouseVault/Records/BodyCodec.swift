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

    /// Reads exactly `count` bytes unless the file ends first; returns how many were read.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, count: Int, object: String) throws -> Int {
        var off = 0
        while off < count {
            let n = read(fd, buffer.baseAddress! + off, count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw VaultError.io(object: object, detail: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            off += n
        }
        return off
    }

    /// Encrypts `length` bytes from `fd` into `output`; returns the body hash and
    /// a BLAKE2b hash of the plaintext (to verify a seal before removing an original).
    static func encrypt(from source: BodySource, length: UInt64, cipher: ChunkCipher, to output: AtomicOutput,
                        object: String, progress: Progress?) throws -> (bodyHash: [UInt8], plainHash: [UInt8]) {
        let batchPlain = cipher.chunkSize * chunksPerBatch
        let batchCipher = batchPlain + chunksPerBatch * ChunkCipher.tagBytes
        let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: batchPlain, alignment: 64)
        let outBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: batchCipher, alignment: 64)
        defer {
            inBuf.initializeMemory(as: UInt8.self, repeating: 0)
            inBuf.deallocate(); outBuf.deallocate()
        }
        let hasher = BodyHasher()
        let plainHash = GenericHash(length: 32)
        var done: UInt64 = 0
        var index: UInt64 = 0
        repeat {
            let want = Int(min(UInt64(batchPlain), length - done))
            let got: Int
            switch source {
            case .file(let fd): got = try readFully(fd, into: inBuf, count: want, object: object)
            case .bytes(let b):
                let start = Int(done)
                b.withUnsafeBytes { src in
                    if want > 0 { inBuf.baseAddress!.copyMemory(from: src.baseAddress! + start, byteCount: want) }
                }
                got = want
            }
            guard got == want else {
                throw VaultError.io(object: object, detail: "the file changed size while it was being sealed")
            }
            let isLast = done + UInt64(got) == length
            let input = UnsafeRawBufferPointer(rebasing: inBuf[0..<got])
            plainHash.update(input)
            let hashes = cipher.seal(input: input, output: outBuf, firstIndex: index, containsLast: isLast)
            hasher.add(hashes)
            let outLen = got + hashes.count * ChunkCipher.tagBytes
            try output.write(UnsafeRawBufferPointer(rebasing: outBuf[0..<outLen]))
            done += UInt64(got)
            index += UInt64(hashes.count)
            progress?(done, length)
            if isLast { break }
        } while true
        return (hasher.finalize(), plainHash.finalize())
    }

    /// Decrypts a body, handing plaintext batches to `sink`; throws
    /// `badData` on any authentication failure or a body hash that does not
    /// match the signed header. The caller must not release what `sink` got
    /// before this returns.
    static func decrypt(from fd: Int32, header: RecordHeader, cipher: ChunkCipher, object: String,
                        progress: Progress?, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let total = header.ciphertextLength
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_size) == total else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
        let full = cipher.chunkSize + ChunkCipher.tagBytes
        let batchCipher = full * chunksPerBatch
        let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: batchCipher, alignment: 64)
        let outBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: cipher.chunkSize * chunksPerBatch, alignment: 64)
        defer {
            outBuf.initializeMemory(as: UInt8.self, repeating: 0)
            inBuf.deallocate(); outBuf.deallocate()
        }
        let hasher = BodyHasher()
        var done: UInt64 = 0
        var index: UInt64 = 0
        repeat {
            let want = Int(min(UInt64(batchCipher), total - done))
            let got = try readFully(fd, into: inBuf, count: want, object: object)
            guard got == want else { throw VaultError.badData(object: object, hint: "the encrypted body is truncated") }
            let isLast = done + UInt64(got) == total
            let hashes: [[UInt8]]
            do {
                hashes = try cipher.open(input: UnsafeRawBufferPointer(rebasing: inBuf[0..<got]), output: outBuf,
                                         firstIndex: index, containsLast: isLast)
            } catch {
                throw VaultError.badData(object: object, hint: "the record is damaged or was tampered with; nothing was written")
            }
            hasher.add(hashes)
            let plainLen = got - hashes.count * ChunkCipher.tagBytes
            try sink(UnsafeRawBufferPointer(rebasing: outBuf[0..<plainLen]))
            done += UInt64(got)
            index += UInt64(hashes.count)
            progress?(done, total)
            if isLast { break }
        } while true
        guard hasher.finalize() == header.bodyHash else {
            throw VaultError.badData(object: object, hint: "the body does not match its signed header")
        }
    }

    /// Recomputes the body hash from ciphertext alone (no key needed): for import and check.
    static func hashCiphertext(from fd: Int32, header: RecordHeader, object: String) throws -> [UInt8] {
        let total = header.ciphertextLength
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_size) == total else {
            throw VaultError.badData(object: object, hint: "the encrypted body has the wrong length (truncated or extended)")
        }
        let full = Int(header.chunkSize) + ChunkCipher.tagBytes
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: full * chunksPerBatch, alignment: 64)
        defer { buf.deallocate() }
        let hasher = BodyHasher()
        var done: UInt64 = 0
        while done < total {
            let want = Int(min(UInt64(buf.count), total - done))
            guard try readFully(fd, into: buf, count: want, object: object) == want else {
                throw VaultError.badData(object: object, hint: "the encrypted body is truncated")
            }
            var off = 0
            var hashes: [[UInt8]] = []
            while off < want {
                let len = min(full, want - off)
                hashes.append(GenericHash.hash(UnsafeRawBufferPointer(rebasing: buf[off..<off + len]), length: 32))
                off += len
            }
            hasher.add(hashes)
            done += UInt64(want)
        }
        return hasher.finalize()
    }
}
