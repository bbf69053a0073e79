import Foundation
import GRDB
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// Records sealed before body format v2 (header version 2, BLAKE2b chunk hashes,
/// no stored list) stay readable forever: open, random access (checked against
/// the whole-ciphertext hash), `check`, and a re-key that moves them to v2.
@Suite("Sealed records: body format v1 stays readable")
struct LegacyRecordTests {
    let team = TestTeam.shared
    static let chunk = 65_536
    static let full = chunk + 16

    /// Writes a body format v1 record the way the sealer did before v2: STREAM body,
    /// BLAKE2b("safehouse body v1" ‖ BLAKE2b(chunk)…), header version 2 (also in the
    /// metadata AD), signed by `member`.
    func sealV1(_ vault: Vault, _ content: [UInt8], by member: TestMember, to: [TestMember]) throws -> String {
        let id = Random.bytes(RecordHeader.idBytes)
        let recordKey = try SecureBytes.random(count: KeyDerivation.keyBytes)
        let cipher = try ChunkCipher(key: try KeyDerivation.derive(from: recordKey, id: 1, context: Vault.kdfContext), hashing: .blake2b)
        let n = Int(cipher.chunkCount(forPlaintextLength: UInt64(content.count)))
        var body = [UInt8](repeating: 0, count: content.count + 16 * n)
        let hashes = content.withUnsafeBytes { p in body.withUnsafeMutableBytes { cipher.seal(input: p, output: $0, firstIndex: 0, containsLast: true) } }
        let fold = GenericHash(length: 32)
        fold.update(Array("safehouse body v1".utf8))
        for h in hashes { fold.update(h) }
        let meta = RecordMetadata(kind: .interview, country: "KR", subject: nil, fileName: "old.wav", sealedAt: "2026-01-01T00:00:00Z",
                                  status: nil, rating: nil, note: nil, sealer: member.fingerprint.compact, provenance: nil)
        let metaKey = try KeyDerivation.derive(from: recordKey, id: 2, context: Vault.kdfContext, length: XChaCha20Poly1305.keyBytes)
        let nonce = Random.bytes(XChaCha20Poly1305.nonceBytes)
        let metaCT = try XChaCha20Poly1305.seal(try meta.encoded(), key: metaKey, nonce: nonce,
                                                ad: RecordHeader.metaAD(version: RecordHeader.legacyVersion, type: .record, id: id))
        let unsigned = RecordHeader(version: RecordHeader.legacyVersion, type: .record, id: id, chunkSize: UInt32(Self.chunk),
                                    plaintextLength: UInt64(content.count),
                                    slots: try Vault.makeSlots(id: id, recordKey: recordKey, recipients: to.map(\.card)),
                                    metaNonce: nonce, metaCiphertext: metaCT, bodyHash: fold.finalize(), signer: member.fingerprint, signature: [])
        let header = unsigned.withSignature(try member.identity.sign(unsigned.encodedUnsigned()))
        #expect(header.encoded()[4] == 2)
        try Data(body).write(to: URL(fileURLWithPath: vault.bodyPath(header)))
        try vault.rawDatabase().write { db in
            try db.execute(sql: "INSERT INTO objects(id, type, header, body_length) VALUES (?, ?, ?, ?)",
                           arguments: [header.idText, 1, Data(header.encoded()), Int64(body.count)])
        }
        return header.idText
    }

    @Test func aV1RecordOpensWholeAndByRangeAndChecks() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let content = contentBytes(3 * Self.chunk + 77, seed: 31)
        let id = try sealV1(hq, content, by: team.officer, to: [team.officer])
        _ = try hq.open(id: id, to: s.file("all.bin"), by: team.officer.identity)
        #expect(try readFile(s.file("all.bin")) == content)
        for (start, length) in [(0, 1), (Self.chunk - 3, 9), (2 * Self.chunk, Self.chunk + 77)] {
            _ = try hq.open(id: id, bytes: UInt64(start), length: UInt64(length), to: s.file("r-\(start).bin"), by: team.officer.identity)
            #expect(try readFile(s.file("r-\(start).bin")) == Array(content[start..<start + length]))
        }
        #expect(try hq.check().objects == 1)
    }

    @Test func aForgedChunkOfAV1RecordIsRefusedByRandomAccess() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let id = try sealV1(hq, contentBytes(3 * Self.chunk, seed: 32), by: team.officer, to: [team.officer, team.interviewer])
        let header = try RecordHeader.parse(try hq.headerBlob(of: id), object: "h")
        let opened = try #require(try hq.unlockObject(header, identity: team.interviewer.identity))
        let cipher = try header.cipher(key: opened.bodyKey)
        #expect(cipher.hashing == .blake2b)
        var forged = [UInt8](repeating: 0, count: Self.full)
        _ = [UInt8](repeating: 0x46, count: Self.chunk).withUnsafeBytes { p in
            forged.withUnsafeMutableBytes { cipher.seal(input: p, output: $0, firstIndex: 1, containsLast: false) }
        }
        let path = try hq.bodyFile(of: id)
        var body = try readFile(path)
        body.replaceSubrange(Self.full..<2 * Self.full, with: forged)
        try Data(body).write(to: URL(fileURLWithPath: path))
        try FileManager.default.createDirectory(atPath: s.file("out"), withIntermediateDirectories: true)
        #expect(exitCode { _ = try hq.open(id: id, bytes: UInt64(Self.chunk), length: 16, to: s.file("out/r.bin"), by: team.officer.identity) } == 65)
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.file("out")).isEmpty)
    }

    @Test func removingAMemberReKeysAV1RecordIntoV2() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let content = contentBytes(2 * Self.chunk + 5, seed: 33)
        let id = try sealV1(hq, content, by: team.officer, to: [team.officer, team.interviewer])
        try hq.removeMember(team.interviewer.card.name, by: team.officer.identity, dryRun: false)
        let header = try RecordHeader.parse(try hq.headerBlob(of: id), object: "h")
        #expect(header.version == RecordHeader.currentVersion)
        let stored = try hq.rawDatabase().read { try Data.fetchOne($0, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [id]) }
        #expect(stored?.count == 3 * 32, "the re-keyed body's chunk hashes are kept for random access")
        _ = try hq.open(id: id, to: s.file("all.bin"), by: team.officer.identity)
        #expect(try readFile(s.file("all.bin")) == content)
        _ = try hq.open(id: id, bytes: UInt64(Self.chunk), length: 10, to: s.file("r.bin"), by: team.officer.identity)
        #expect(try readFile(s.file("r.bin")) == Array(content[Self.chunk..<Self.chunk + 10]))
        #expect(try hq.check().objects == 1)
    }
}
