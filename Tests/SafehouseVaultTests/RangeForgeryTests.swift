import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// A second recipient knows the record key, so she can re-encrypt any chunk with
/// a valid Poly1305 tag. Only the sealer's signature over the chunk hashes can
/// tell her chunk from the sealer's: random access (`open --bytes`) must check
/// exactly the chunks it decrypts against it, exit 65 and write nothing.
@Suite("Sealed records: a recipient forges a chunk")
struct RangeForgeryTests {
    let team = TestTeam.shared
    static let chunk = 65_536
    static let full = chunk + 16

    /// Seals four chunks to the officer and the interviewer, then lets the
    /// interviewer (who holds a slot, hence the record key) replace chunk 1 with
    /// her own plaintext under the body key: every tag is valid.
    func forge(_ s: Scratch) throws -> (vault: Vault, id: String, content: [UInt8]) {
        let hq = try makeHQ(s)
        let content = contentBytes(3 * Self.chunk + 500, seed: 21)
        let id = try sealBytes(hq, s, content, name: "forge.wav", by: team.officer, to: ["Ivan Interviewer"])
        let header = try RecordHeader.parse(try hq.headerBlob(of: id), object: "h")
        let opened = try #require(try hq.unlockObject(header, identity: team.interviewer.identity))
        let cipher = try header.cipher(key: opened.bodyKey)
        let forgedPlain = [UInt8](repeating: 0x46, count: Self.chunk)  // "FFFF…"
        var forged = [UInt8](repeating: 0, count: Self.full)
        _ = forgedPlain.withUnsafeBytes { p in forged.withUnsafeMutableBytes { cipher.seal(input: p, output: $0, firstIndex: 1, containsLast: false) } }
        let path = try hq.bodyFile(of: id)
        var body = try readFile(path)
        body.replaceSubrange(Self.full..<2 * Self.full, with: forged)
        try Data(body).write(to: URL(fileURLWithPath: path))
        return (hq, id, content)
    }

    @Test(arguments: [(Self.chunk, 16), (Self.chunk - 8, 16), (0, 2 * Self.chunk), (Self.chunk + 100, 1)])
    func aForgedChunkIsRefusedByRandomAccess(start: Int, length: Int) throws {
        let s = try Scratch()
        defer { s.remove() }
        let (hq, id, _) = try forge(s)
        try FileManager.default.createDirectory(atPath: s.file("out"), withIntermediateDirectories: true)
        let out = s.file("out/range.bin")
        let code = exitCode {
            _ = try hq.open(id: id, bytes: UInt64(start), length: UInt64(length), to: out, by: team.officer.identity)
        }
        #expect(code == 65, "open --bytes \(start):\(length) over a forged chunk")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.file("out")).isEmpty, "a refused range open left output")
        #expect(exitCode { _ = try hq.open(id: id, to: s.file("out/full.bin"), by: team.officer.identity) } == 65)
    }

    @Test func chunksOutsideTheForgeryStillOpen() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (hq, id, content) = try forge(s)
        let out = s.file("range.bin")
        // Chunks 0, 2 and 3 are the sealer's: a range of them opens and is exact.
        _ = try hq.open(id: id, bytes: UInt64(2 * Self.chunk + 10), length: UInt64(Self.chunk + 100), to: out, by: team.officer.identity)
        #expect(try readFile(out) == Array(content[(2 * Self.chunk + 10)..<(3 * Self.chunk + 110)]))
        _ = try hq.open(id: id, bytes: 0, length: UInt64(Self.chunk), to: s.file("first.bin"), by: team.officer.identity)
        #expect(try readFile(s.file("first.bin")) == Array(content[0..<Self.chunk]))
    }

    /// The forger also rewrites the stored chunk hash list to her chunk's hash: the
    /// list then no longer folds to the signed hash, is recomputed from the body,
    /// and the forged chunk is still refused; `check` reports the edited list.
    @Test func anEditedChunkHashListDoesNotHelpTheForger() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (hq, id, content) = try forge(s)
        let header = try RecordHeader.parse(try hq.headerBlob(of: id), object: "h")
        let body = try readFile(try hq.bodyFile(of: id))
        let forgedHash = Array(body[Self.full..<2 * Self.full]).withUnsafeBytes { header.chunkHashing.hash($0, index: 1, last: false) }
        try hq.rawDatabase().write { db in
            var list = [UInt8](try #require(try Data.fetchOne(db, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [id])))
            list.replaceSubrange(32..<64, with: forgedHash)
            try db.execute(sql: "UPDATE chunk_hashes SET hashes = ? WHERE object_id = ?", arguments: [Data(list), id])
        }
        #expect(exitCode { _ = try hq.open(id: id, bytes: UInt64(Self.chunk), length: 16, to: s.file("r.bin"), by: team.officer.identity) } == 65)
        #expect(!fileExists(s.file("r.bin")))
        #expect(exitCode { _ = try hq.check() } == 65)
        // Without a stored list the whole ciphertext must match the signature: even the
        // sealer's own chunk 0 is refused while chunk 1 is forged…
        try hq.rawDatabase().write { try $0.execute(sql: "DELETE FROM chunk_hashes") }
        #expect(exitCode { _ = try hq.open(id: id, bytes: 0, length: 100, to: s.file("ok.bin"), by: team.officer.identity) } == 65)
        #expect(exitCode { _ = try hq.open(id: id, bytes: UInt64(Self.chunk), length: 16, to: s.file("r.bin"), by: team.officer.identity) } == 65)
        #expect(!fileExists(s.file("ok.bin")) && !fileExists(s.file("r.bin")))
        #expect(content.count == 3 * Self.chunk + 500)
    }

    @Test func aSealedRecordKeepsItsChunkHashes() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let id = try sealBytes(hq, s, contentBytes(3 * Self.chunk + 1, seed: 23), by: team.officer)
        let header = try RecordHeader.parse(try hq.headerBlob(of: id), object: "h")
        #expect(header.version == 3)
        let list = try #require(try hq.rawDatabase().read { try Data.fetchOne($0, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [id]) })
        #expect(list.count == 4 * 32)
        #expect(BodyHasher.leavesMatch([UInt8](list), header))
    }

    @Test func anUntouchedRecordOpensByRange() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let content = contentBytes(3 * Self.chunk + 500, seed: 22)
        let id = try sealBytes(hq, s, content, by: team.officer)
        for (start, length) in [(0, 0), (0, 1), (Self.chunk - 1, 2), (Self.chunk, Self.chunk), (0, content.count), (content.count - 1, 1)] {
            let out = s.file("r-\(start)-\(length).bin")
            _ = try hq.open(id: id, bytes: UInt64(start), length: UInt64(length), to: out, by: team.officer.identity)
            #expect(try readFile(out) == Array(content[start..<start + length]), "\(start):\(length)")
        }
        // Without its stored chunk hashes a range still opens: recomputed from the body and checked.
        try hq.rawDatabase().write { try $0.execute(sql: "DELETE FROM chunk_hashes") }
        _ = try hq.open(id: id, bytes: UInt64(Self.chunk + 3), length: 70_000, to: s.file("again.bin"), by: team.officer.identity)
        #expect(try readFile(s.file("again.bin")) == Array(content[(Self.chunk + 3)..<(Self.chunk + 70_003)]))
        #expect(try hq.check().objects == 1)
    }
}
