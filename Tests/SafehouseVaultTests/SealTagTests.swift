import Foundation
import GRDB
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// The duplicate tags of `seal_tags` seen as a border guard holding the laptop
/// would: with every byte of the vault and the known file, but not the key.
@Suite("Seal tags: no oracle without the key")
struct SealTagTests {
    private func tags(_ v: Vault) throws -> [(record: String, tag: [UInt8], binding: [UInt8])] {
        try v.store.read { db in
            try Row.fetchAll(db, sql: "SELECT record_id, tag, binding FROM seal_tags").map {
                (try $0.value("record_id", of: "t"), [UInt8](try $0.value("tag", of: "t") as Data), [UInt8](try $0.value("binding", of: "t") as Data))
            }
        }
    }

    private func digest(_ bytes: [UInt8]) -> [UInt8] {
        let d = ContentDigest()
        bytes.withUnsafeBytes { d.update($0) }
        return d.finalize()
    }

    private func request() -> SealRequest { SealRequest(kind: .coverage, country: "CN") }

    @Test("tags match only under the sealer's own key; nothing derivable from the vault or public data matches")
    func noOracle() throws {
        let s = try Scratch()
        defer { s.remove() }
        let team = TestTeam.shared
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let files = [contentBytes(1, seed: 1), contentBytes(70_000, seed: 2), contentBytes((2 << 20) + 9, seed: 3)]
        let names = ["known-leaflet.pdf", "known-photo.jpg", "known-video.mp4"]
        let paths = try zip(names, files).map { try writeFile(s, $0, $1) }
        let results = try field.seal(paths.map(SealInput.named), request: request(), skipSealed: true, by: team.interviewer.identity)
        #expect(results.allSatisfy { if case .sealed = $0.outcome { true } else { false } })
        let stored = try tags(field)
        #expect(stored.count == 3)
        let storedTags = Set(stored.map(\.tag))

        // Positive control: the sealer's key gives exactly the stored tags.
        for f in files { #expect(storedTags.contains(try field.sealTag(content: digest(f), by: team.interviewer.identity))) }
        // Another member's key gives none of them.
        for m in [team.officer, team.editor, team.stranger] {
            for f in files { #expect(!storedTags.contains(try field.sealTag(content: digest(f), by: m.identity))) }
        }
        // Keys a seizer has or can guess: the device seed in clear, subkeys of it, ids, public keys; and no key.
        var keys: [SecureBytes?] = [nil, field.deviceSeed, try KeyDerivation.derive(from: field.deviceSeed, id: 1, context: "SHsealtg")]
        for raw in [field.id, field.teamID, team.interviewer.card.signKey, team.interviewer.card.boxKey] {
            keys.append(try raw.withUnsafeBytes { try SecureBytes(copying: $0) })
        }
        for f in files {
            let candidates = [digest(f), GenericHash.hash(f), SHA256.hash(f)]
            for c in candidates {
                for msg in [c, Vault.sealTagDomain + field.id + c, Vault.sealTagDomain + field.teamID + c] {
                    for k in keys {
                        #expect(!storedTags.contains(GenericHash.hash(msg, length: 32, key: k)), "a tag is computable without the sealer's key")
                    }
                }
                // No plaintext hash in any column.
                #expect(!stored.contains { $0.tag == c || $0.binding == c })
            }
        }
        // No file name and no size anywhere in the tag rows.
        for row in stored {
            let blob = Data(row.tag + row.binding + Array(row.record.utf8))
            for n in names { #expect(blob.range(of: Data(n.utf8)) == nil) }
            for f in files where f.count >= 65_536 {
                let be = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(f.count) >> (56 - 8 * $0)) }
                #expect(blob.range(of: Data(be)) == nil && blob.range(of: Data(be.reversed())) == nil && blob.range(of: Data("\(f.count)".utf8)) == nil)
            }
        }

        // The same files sealed by the officer at HQ: no tag in common with the field vault.
        let hqResults = try hq.seal(paths.map(SealInput.named), request: request(), skipSealed: true, by: team.officer.identity)
        #expect(hqResults.allSatisfy { if case .sealed = $0.outcome { true } else { false } })
        #expect(Set(try tags(hq).map(\.tag)).isDisjoint(with: storedTags))
        #expect(try hq.check().objects == 3)
        #expect(try field.check().objects == 3)
    }

    @Test("a tag row moved to another record is not trusted: the file is sealed again")
    func movedRowIsIgnored() throws {
        let s = try Scratch()
        defer { s.remove() }
        let team = TestTeam.shared
        let field = try makeField(s, from: try makeHQ(s))
        let a = try writeFile(s, "a.bin", contentBytes(5000, seed: 7)), b = try writeFile(s, "b.bin", contentBytes(6000, seed: 8))
        let r = try field.seal([.named(a), .named(b)], request: request(), skipSealed: true, by: team.interviewer.identity)
        guard case .sealed(let idA) = r[0].outcome, case .sealed(let idB) = r[1].outcome else { Issue.record("not sealed"); return }
        // An editor of the database points a's tag at b's record (and drops b's own row).
        try field.store.write { db in
            try db.execute(sql: "DELETE FROM seal_tags WHERE record_id = ?", arguments: [idB])
            try db.execute(sql: "UPDATE seal_tags SET record_id = ? WHERE record_id = ?", arguments: [idB, idA])
        }
        let again = try field.seal([.named(a)], request: request(), skipSealed: true, by: team.interviewer.identity)
        guard case .sealed(let newID) = again[0].outcome else { Issue.record("a was reported as \(again[0].outcome), not sealed anew"); return }
        #expect(newID != idA && newID != idB)
        // Its genuine row replaced the edited one: the next batch skips it under the new id.
        let third = try field.seal([.named(a)], request: request(), skipSealed: true, by: team.interviewer.identity)
        #expect(third[0].outcome == .duplicate(id: newID))
    }

    @Test("check refuses a malformed or dangling tag row without trapping")
    func checkReadsTagsSafely() throws {
        let s = try Scratch()
        defer { s.remove() }
        let team = TestTeam.shared
        let field = try makeField(s, from: try makeHQ(s))
        let a = try writeFile(s, "a.bin", contentBytes(500, seed: 9))
        _ = try field.seal([.named(a)], request: request(), skipSealed: true, by: team.interviewer.identity)
        for edit in ["UPDATE seal_tags SET tag = X'00'", "UPDATE seal_tags SET binding = 'text'", "UPDATE seal_tags SET tag = NULL"] {
            let copy = s.file("copy-\(UUID().uuidString)")
            try FileManager.default.copyItem(atPath: s.file("field"), toPath: copy)
            let v = try Vault.open(at: copy)
            do { try v.store.write { db in try db.execute(sql: edit) } } catch { continue }  // a constraint refused the edit
            #expect(exitCode { _ = try v.check() } == 65, "\(edit)")
        }
    }
}

/// The content digest behind seal tags and `--remove-original`, against FORMAT.md
/// read by an independent implementation (Python's hashlib).
@Suite("Content digest v2: FORMAT.md's SHA-256 construction")
struct ContentDigestFormatTests {
    static func python(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import hashlib, struct, sys
            data = open(sys.argv[1], 'rb').read()
            pieces = [hashlib.sha256(data[i:i + (2 << 20)]).digest() for i in range(0, len(data), 2 << 20)]
            print(hashlib.sha256(b'safehouse content v2' + struct.pack('>Q', len(data)) + b''.join(pieces)).hexdigest())
            """, path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        return String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("streamed in odd splits and taken by the sealing workers, equal to the document", arguments: [0, 1, 2 << 20, (2 << 20) * 2 + 12_345])
    func matchesTheDocument(size: Int) throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = contentBytes(size, seed: size + 3)
        let path = try writeFile(s, "in.bin", bytes)
        let expected = try Self.python(path)
        let streamed = ContentDigest()
        var off = 0, step = 1
        while off < bytes.count {
            let n = min(step, bytes.count - off)
            bytes[off..<off + n].withUnsafeBytes { streamed.update($0) }
            off += n; step = step * 7 + 3
        }
        #expect(hexString(streamed.finalize()) == expected)
        // The parallel sealer's one read pass (piece = batch, on the workers).
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let cipher = try ChunkCipher(key: try SecureBytes.random(count: 32), hashing: .sha256(objectID: Random.bytes(16)))
        let out = try AtomicOutput(path: s.file("body"), overwrite: true)
        let sealed = try BodyCodec.encrypt(from: .file(fd), length: UInt64(size), cipher: cipher, to: out, object: "test", digest: true, progress: nil)
        #expect(sealed.content.map(hexString) == expected)
    }
}
