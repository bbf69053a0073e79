import Foundation
import SafehouseCrypto
import SafehouseVault
import Testing

/// Runs Tests/Vectors/vectors.json — made by Python's `cryptography` and hashlib
/// (Tests/Vectors/generate.py), an implementation that shares no code with ours —
/// through the Swift formats. One generic runner; each vector says what to expect.
@Suite struct FormatVectorTests {
    struct Vector: Decodable {
        let type: String
        let name: String
        let expect: String
        let key: String?
        let chunk_size: Int?
        let plaintext: String?
        let ciphertext: String?
        let body_hash: String?
        let text: String?
        let fingerprint: String?
        let file: String?
        let passphrase: String?
        let object_id: String?
        let chunk_hashes: String?
    }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/vectors.json")
        struct File: Decodable { let vectors: [Vector] }
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.vectors
    }()

    static func unhex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!)
        }
        return out
    }

    @Test func vectorFileIsPresent() {
        #expect(Self.vectors.count >= 32)
    }

    @Test(arguments: vectors.filter { $0.type == "chunk-stream" }.map(\.name))
    func chunkStream(_ name: String) throws {
        let v = try #require(Self.vectors.first { $0.name == name })
        let key = Self.unhex(v.key!)
        let secret = try key.withUnsafeBytes { try SecureBytes(copying: $0) }
        let cipher = try ChunkCipher(key: secret, chunkSize: v.chunk_size!)
        let ct = Self.unhex(v.ciphertext!)
        let pt = Self.unhex(v.plaintext!)
        var out = [UInt8](repeating: 0xAA, count: max(ct.count, 1))
        let result: Result<[[UInt8]], Error> = Result {
            try ct.withUnsafeBytes { input in
                try out.withUnsafeMutableBytes { try cipher.open(input: input, output: $0, firstIndex: 0, containsLast: true) }
            }
        }
        switch v.expect {
        case "success":
            let hashes = try result.get()
            #expect(Array(out.prefix(pt.count)) == pt)
            let h = GenericHash(length: 32)
            h.update(Array("safehouse body v1".utf8))
            for c in hashes { h.update(c) }
            #expect(h.finalize() == Self.unhex(v.body_hash!))
            // And our encryption of the same plaintext is byte-identical to Python's.
            var mine = [UInt8](repeating: 0, count: ct.count)
            _ = pt.withUnsafeBytes { input in
                mine.withUnsafeMutableBytes { cipher.seal(input: input, output: $0, firstIndex: 0, containsLast: true) }
            }
            #expect(mine == ct)
        default:
            #expect(throws: CryptoError.authenticationFailed) { try result.get() }
        }
    }

    /// Body format v2: SHA-256 chunk hashes bound to the object id, index and last
    /// flag (OpenSSL here, hashlib there), folded into the signed body hash. A chunk
    /// re-encrypted with the key opens, but its hash gives it away ("hash-mismatch").
    @Test(arguments: vectors.filter { $0.type == "chunk-stream-v2" }.map(\.name))
    func chunkStreamV2(_ name: String) throws {
        let v = try #require(Self.vectors.first { $0.name == name })
        let secret = try Self.unhex(v.key!).withUnsafeBytes { try SecureBytes(copying: $0) }
        let oid = Self.unhex(v.object_id!)
        let cipher = try ChunkCipher(key: secret, chunkSize: v.chunk_size!, hashing: .sha256(objectID: oid))
        let ct = Self.unhex(v.ciphertext!), pt = Self.unhex(v.plaintext!)
        var out = [UInt8](repeating: 0xAA, count: max(ct.count, 1))
        let result: Result<[[UInt8]], Error> = Result {
            try ct.withUnsafeBytes { input in
                try out.withUnsafeMutableBytes { try cipher.open(input: input, output: $0, firstIndex: 0, containsLast: true) }
            }
        }
        if v.expect == "authentication-failed" {
            #expect(throws: CryptoError.authenticationFailed) { try result.get() }
            return
        }
        let hashes = try result.get()
        let fold = ContentSHA256()
        fold.update(Array("safehouse body v2".utf8))
        for h in hashes { fold.update(h) }
        let folded = fold.finalize()
        if v.expect == "hash-mismatch" {
            #expect(folded != Self.unhex(v.body_hash!))
            return
        }
        #expect(v.expect == "success")
        #expect(Array(out.prefix(pt.count)) == pt)
        #expect(hashes.flatMap { $0 } == Self.unhex(v.chunk_hashes!))
        #expect(folded == Self.unhex(v.body_hash!))
        var mine = [UInt8](repeating: 0, count: ct.count)
        let sealedHashes = pt.withUnsafeBytes { input in
            mine.withUnsafeMutableBytes { cipher.seal(input: input, output: $0, firstIndex: 0, containsLast: true) }
        }
        #expect(mine == ct)
        #expect(sealedHashes == hashes)
    }

    /// Key files written by Python (Argon2id from `cryptography`, XChaCha20 via a
    /// pure-Python HChaCha20) unlock in Swift; wrong passphrases and altered
    /// authenticated bytes are refused alike (77).
    @Test(arguments: vectors.filter { $0.type == "key-file" }.map(\.name))
    func keyFile(_ name: String) throws {
        let v = try #require(Self.vectors.first { $0.name == name })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shkf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("vector.key").path
        try Data(Self.unhex(v.file!)).write(to: URL(fileURLWithPath: path))
        let pass = try Array(v.passphrase!.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        if v.expect == "success" {
            let id = try KeyFile.unlock(path: path, passphrase: pass)
            #expect(id.fingerprint.description == v.fingerprint!)
        } else {
            do {
                _ = try KeyFile.unlock(path: path, passphrase: pass)
                Issue.record("a bad key file vector unlocked")
            } catch let e as VaultError {
                #expect(e.exitCode == 77)
            }
        }
    }

    @Test(arguments: vectors.filter { $0.type == "card" }.map(\.name))
    func card(_ name: String) throws {
        let v = try #require(Self.vectors.first { $0.name == name })
        if v.expect == "success" {
            let card = try MemberCard.parse(v.text!, object: "vector")
            #expect(card.text == v.text!)
            #expect(card.fingerprint.description == v.fingerprint!)
        } else {
            #expect(throws: VaultError.self) { try MemberCard.parse(v.text!, object: "vector") }
        }
    }
}
