import Foundation
import SafehouseCrypto
import Testing

/// Deterministic bytes `(seed + i * 131) mod 251`: easy to regenerate, no long runs.
func patternBytes(_ count: Int, seed: Int = 7) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: (seed &+ $0 &* 131) % 251) }
}

/// A known (non-secret, test-only) key: bytes `start, start+1, …`.
func knownKey(_ count: Int = 32, start: UInt8 = 0) throws -> SecureBytes {
    let bytes = (0..<count).map { start &+ UInt8(truncatingIfNeeded: $0) }
    return try bytes.withUnsafeBytes { try SecureBytes(copying: $0) }
}

/// Raw bytes of a secret — tests only, to hand a key to the independent implementation.
func rawBytes(_ secret: SecureBytes) -> [UInt8] { secret.withUnsafeBytes { Array($0) } }

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func unhex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = text.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}

/// Seals `plaintext` with `cipher`, handing it to `seal` in batches of `batchChunks` chunks.
func sealBody(_ cipher: ChunkCipher, _ plaintext: [UInt8], batchChunks: Int) -> (ciphertext: [UInt8], hashes: [[UInt8]]) {
    let tag = ChunkCipher.tagBytes, cs = cipher.chunkSize
    var ct: [UInt8] = []
    var hashes: [[UInt8]] = []
    var offset = 0
    var index: UInt64 = 0
    repeat {
        let len = min(batchChunks * cs, plaintext.count - offset)
        let isLast = offset + len == plaintext.count
        let chunks = len == 0 ? 1 : (len + cs - 1) / cs
        var out = [UInt8](repeating: 0, count: len + chunks * tag)
        let h = plaintext.withUnsafeBytes { p in
            out.withUnsafeMutableBytes { o in
                cipher.seal(input: UnsafeRawBufferPointer(rebasing: p[offset..<offset + len]), output: o,
                            firstIndex: index, containsLast: isLast)
            }
        }
        #expect(h.count == chunks)
        ct += out
        hashes += h
        offset += len
        index += UInt64(chunks)
        if isLast { break }
    } while true
    return (ct, hashes)
}

/// Opens a whole body in batches of `batchChunks` ciphertext chunks.
func openBody(_ cipher: ChunkCipher, _ ciphertext: [UInt8], batchChunks: Int) throws -> (plaintext: [UInt8], hashes: [[UInt8]]) {
    let full = cipher.chunkSize + ChunkCipher.tagBytes
    var plain: [UInt8] = []
    var hashes: [[UInt8]] = []
    var offset = 0
    var index: UInt64 = 0
    repeat {
        let len = min(batchChunks * full, ciphertext.count - offset)
        let isLast = offset + len == ciphertext.count
        let chunks = max(1, (len + full - 1) / full)
        var out = [UInt8](repeating: 0, count: max(0, len - chunks * ChunkCipher.tagBytes))
        let h = try ciphertext.withUnsafeBytes { c in
            try out.withUnsafeMutableBytes { o in
                try cipher.open(input: UnsafeRawBufferPointer(rebasing: c[offset..<offset + len]), output: o,
                                firstIndex: index, containsLast: isLast)
            }
        }
        plain += out
        hashes += h
        offset += len
        index += UInt64(chunks)
        if isLast { break }
    } while true
    return (plain, hashes)
}

/// Opens `ciphertext` as one batch into an output buffer pre-filled with 0xAA;
/// returns the error (if any) and the output buffer afterwards.
func openOnce(_ cipher: ChunkCipher, _ ciphertext: [UInt8], firstIndex: UInt64 = 0, containsLast: Bool = true) -> (error: Error?, output: [UInt8]) {
    let full = cipher.chunkSize + ChunkCipher.tagBytes
    let chunks = max(1, (ciphertext.count + full - 1) / full)
    var out = [UInt8](repeating: 0xAA, count: max(0, ciphertext.count - chunks * ChunkCipher.tagBytes))
    do {
        _ = try ciphertext.withUnsafeBytes { c in
            try out.withUnsafeMutableBytes { o in try cipher.open(input: c, output: o, firstIndex: firstIndex, containsLast: containsLast) }
        }
        return (nil, out)
    } catch {
        return (error, out)
    }
}

/// Runs Python 3 with the `cryptography` package as an independent implementation.
enum Python {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` with `input` (a JSON object of strings, written to a file whose
    /// path is `sys.argv[1]`) and returns the JSON object the script prints.
    static func run(_ script: String, input: [String: String] = [:]) throws -> [String: String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("safehouse-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("in.json"), outURL = dir.appendingPathComponent("out.json")
        try JSONSerialization.data(withJSONObject: input).write(to: inURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, inURL.path]
        p.standardOutput = try FileHandle(forWritingTo: { FileManager.default.createFile(atPath: outURL.path, contents: nil); return outURL }())
        let errURL = dir.appendingPathComponent("err.txt")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        let out = try Data(contentsOf: outURL)
        guard p.terminationStatus == 0 else {
            let err = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
            throw Failure(description: "python3 failed (\(p.terminationStatus)); is the `cryptography` package installed (Debian: python3-cryptography)? \(err)")
        }
        guard let obj = try JSONSerialization.jsonObject(with: out) as? [String: String] else {
            throw Failure(description: "python3 printed no JSON object: \(String(decoding: out, as: UTF8.self))")
        }
        return obj
    }

    /// Whether this `cryptography` has Argon2id (version 44 and later).
    static let hasArgon2id: Bool = {
        (try? run("""
            import json
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
            print(json.dumps({"ok": "yes"}))
            """))?["ok"] == "yes"
    }()
}
