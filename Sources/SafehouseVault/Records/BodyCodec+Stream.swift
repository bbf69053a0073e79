import Foundation
import SafehouseCrypto

extension BodyCodec {
    /// Encrypts a body whose length is not known in advance (body format v2, the same
    /// chunks as ``encrypt(from:length:cipher:to:object:hashPlaintext:progress:)``): `prefix`,
    /// then everything read from `fd` until it ends (a pipe: ffmpeg's standard output).
    /// One chunk of look-ahead tells which chunk is the last, so the last-chunk flag is set
    /// as for a body of known length. Plaintext exists only in two batch buffers in memory,
    /// wiped before they are freed. Returns the sealed body and its plaintext length.
    /// - Parameter maxBytes: refuse (`io`) a stream longer than this.
    static func encryptStream(prefix: [UInt8], from fd: Int32, cipher: ChunkCipher, to output: AtomicOutput, object: String,
                              maxBytes: UInt64) throws -> (Sealed, UInt64) {
        let perBatch = BodyEngine.batchChunks(cipher.chunkSize)
        let batchPlain = cipher.chunkSize * perBatch
        let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: batchPlain, alignment: 64)
        let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: batchPlain + perBatch * ChunkCipher.tagBytes, alignment: 64)
        defer {
            plain.initializeMemory(as: UInt8.self, repeating: 0); plain.deallocate()
            sealed.deallocate()
        }
        var prefixOffset = 0
        // Fills `buffer` from the prefix, then the stream, until full or the stream ends.
        func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            var got = 0
            if prefixOffset < prefix.count {
                got = min(buffer.count, prefix.count - prefixOffset)
                prefix.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + prefixOffset, byteCount: got) }
                prefixOffset += got
            }
            guard got < buffer.count else { return got }
            return got + (try PosixIO.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[got...]), object: object))
        }
        let hasher = BodyHasher(version: RecordHeader.currentVersion)
        var total: UInt64 = 0
        var index: UInt64 = 0
        var n = try fill(plain)
        var peek: UInt8 = 0
        while true {
            var last = n < batchPlain
            if !last { last = try withUnsafeMutableBytes(of: &peek) { try fill($0) } == 0 }
            let hashes = cipher.seal(input: UnsafeRawBufferPointer(rebasing: plain[0..<n]), output: sealed, firstIndex: index, containsLast: last)
            hasher.add(hashes)
            try output.write(UnsafeRawBufferPointer(rebasing: sealed[0..<(n + hashes.count * ChunkCipher.tagBytes)]))
            total += UInt64(n)
            index += UInt64(hashes.count)
            guard total <= maxBytes else {
                throw VaultError.io(object: object, detail: "the media clip is larger than \(maxBytes >> 20) MiB; approve a shorter range")
            }
            if last { break }
            plain.storeBytes(of: peek, toByteOffset: 0, as: UInt8.self)
            n = 1 + (try fill(UnsafeMutableRawBufferPointer(rebasing: plain[1...])))
        }
        peek = 0
        return (Sealed(bodyHash: hasher.finalize(), leaves: hasher.leaves, content: nil), total)
    }
}
