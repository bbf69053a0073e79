import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// An attacker with write access to the vault directory changes stored records:
/// every change is refused (65, or 77 for an access question), leaves no output,
/// and `check` reports it.
@Suite("Sealed records: tampering")
struct RecordTamperTests {
    let team = TestTeam.shared
    static let chunk = 65_536
    static let full = chunk + 16

    /// An HQ vault holding one three-chunk record sealed by the officer.
    struct Setup {
        let s: Scratch
        let vault: Vault
        let id: String
        let content: [UInt8]
        let header: [UInt8]
        let out: String
    }

    func setup(to: [String] = []) throws -> Setup {
        let s = try Scratch()
        let hq = try makeHQ(s)
        let content = contentBytes(2 * Self.chunk + 1000, seed: 11)
        let id = try sealBytes(hq, s, content, name: "secret-source.wav", by: team.officer, to: to)
        return Setup(s: s, vault: hq, id: id, content: content, header: try hq.headerBlob(of: id), out: s.file("out/opened.wav"))
    }

    /// Opens the record and returns the exit code; checks that nothing was written.
    func attemptOpen(_ t: Setup, by member: TestMember? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int32? {
        try FileManager.default.createDirectory(atPath: t.s.file("out"), withIntermediateDirectories: true)
        let code = exitCode(sourceLocation: sourceLocation) { _ = try t.vault.open(id: t.id, to: t.out, by: (member ?? team.officer).identity) }
        if code != nil {
            #expect(try FileManager.default.contentsOfDirectory(atPath: t.s.file("out")).isEmpty,
                    "a failed open left output behind", sourceLocation: sourceLocation)
        } else {
            try? FileManager.default.removeItem(atPath: t.out)
        }
        return code
    }

    /// Byte offsets of each region of a record header (Docs/FORMAT.md, "Record envelope").
    func regions(_ header: [UInt8], slots: Int) -> [(String, Int)] {
        let slotsStart = 36, slotBytes = 20 + 96
        let metaNonce = slotsStart + slots * slotBytes
        let sig = header.count - 64, signer = sig - 20, bodyHash = signer - 32
        return [("magic", 0), ("magic end", 3), ("version", 4), ("type", 5), ("id", 6), ("id end", 21), ("chunk size", 24),
                ("chunk size low", 25), ("plaintext length", 33), ("slot count", 35), ("slot recipient", slotsStart),
                ("slot box", slotsStart + 20 + 40), ("slot box end", slotsStart + slotBytes - 1), ("meta nonce", metaNonce),
                ("meta length", metaNonce + 24 + 3), ("meta ciphertext", metaNonce + 28 + 5), ("meta tag", bodyHash - 1),
                ("body hash", bodyHash), ("body hash end", signer - 1), ("signer", signer), ("signature", sig),
                ("signature end", header.count - 1)]
    }

    @Test func flipsInEveryHeaderRegionAreRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        #expect(try RecordHeader.parse(t.header, object: "h").slots.count == 1)
        #expect(try attemptOpen(t) == nil, "control: the untouched record opens")
        for (region, offset) in regions(t.header, slots: 1) {
            for mask: UInt8 in [0x01, 0x80] {
                var bad = t.header
                bad[offset] ^= mask
                try t.vault.setHeaderBlob(of: t.id, bad)
                let code = try attemptOpen(t)
                #expect(code == 65 || (code == 77 && region == "slot recipient"), "\(region) (\(offset), mask \(mask)): \(String(describing: code))")
                #expect(exitCode { _ = try t.vault.check() } == 65, "check misses a flip in \(region)")
                #expect(exitCode { _ = try t.vault.list(by: team.officer.identity) } != nil, "list accepts a flip in \(region)")
            }
        }
        try t.vault.setHeaderBlob(of: t.id, t.header)
        #expect(try attemptOpen(t) == nil)
        #expect(try t.vault.check().objects == 1)
    }

    @Test func flippedBodyBytesAreRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let bodyPath = try t.vault.bodyFile(of: t.id)
        let body = try readFile(bodyPath)
        #expect(body.count == t.content.count + 3 * 16)
        for offset in [0, 1000, Self.chunk - 1, Self.chunk, Self.chunk + 15, Self.full, 2 * Self.full - 1, 2 * Self.full + 500, body.count - 17, body.count - 1] {
            var bad = body
            bad[offset] ^= 0x01
            try Data(bad).write(to: URL(fileURLWithPath: bodyPath))
            #expect(try attemptOpen(t) == 65, "flip at body offset \(offset)")
            #expect(exitCode { _ = try t.vault.check() } == 65, "check misses a flip at body offset \(offset)")
        }
        try Data(body).write(to: URL(fileURLWithPath: bodyPath))
        #expect(try attemptOpen(t) == nil)
    }

    @Test func truncatedExtendedOrMissingBodiesAreRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let bodyPath = try t.vault.bodyFile(of: t.id)
        let body = try readFile(bodyPath)
        let variants: [(String, [UInt8])] = [
            ("cut after chunk 0", Array(body[0..<Self.full])),
            ("cut after chunk 1 (last chunk dropped)", Array(body[0..<2 * Self.full])),
            ("last byte cut", Array(body.dropLast())),
            ("empty", []),
            ("one byte appended", body + [0]),
            ("a chunk appended", body + Array(body[0..<Self.full])),
        ]
        for (what, bytes) in variants {
            try Data(bytes).write(to: URL(fileURLWithPath: bodyPath))
            #expect(try attemptOpen(t) == 65, "\(what)")
            #expect(exitCode { _ = try t.vault.check() } == 65, "check: \(what)")
        }
        try FileManager.default.removeItem(atPath: bodyPath)
        #expect(try attemptOpen(t) == 65, "missing body")
        #expect(exitCode { _ = try t.vault.check() } == 65)
        try Data(body).write(to: URL(fileURLWithPath: bodyPath))
        #expect(try attemptOpen(t) == nil)
    }

    @Test func reorderedChunksAreRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let bodyPath = try t.vault.bodyFile(of: t.id)
        let body = try readFile(bodyPath)
        let c0 = Array(body[0..<Self.full]), c1 = Array(body[Self.full..<2 * Self.full]), c2 = Array(body[(2 * Self.full)...])
        for (what, bytes) in [("0 and 1 swapped", c1 + c0 + c2), ("0 repeated", c0 + c0 + c2), ("1 repeated", c0 + c1 + c1)] {
            try Data(bytes).write(to: URL(fileURLWithPath: bodyPath))
            #expect(try attemptOpen(t) == 65, "\(what)")
            #expect(exitCode { _ = try t.vault.check() } == 65, "check: \(what)")
        }
    }

    @Test func bodiesOfTwoRecordsCannotBeExchanged() throws {
        let t = try setup()
        defer { t.s.remove() }
        let other = try sealBytes(t.vault, t.s, contentBytes(t.content.count, seed: 12), name: "other.wav", by: team.officer)
        let a = try t.vault.bodyFile(of: t.id), b = try t.vault.bodyFile(of: other)
        let bodyA = try readFile(a), bodyB = try readFile(b)
        try Data(bodyB).write(to: URL(fileURLWithPath: a))
        try Data(bodyA).write(to: URL(fileURLWithPath: b))
        #expect(try attemptOpen(t) == 65)
        #expect(exitCode { _ = try t.vault.open(id: other, to: t.s.file("o2"), by: team.officer.identity) } == 65)
        #expect(!fileExists(t.s.file("o2")))
        #expect(exitCode { _ = try t.vault.check() } == 65)
    }

    @Test func headersOfTwoRecordsCannotBeExchanged() throws {
        let t = try setup()
        defer { t.s.remove() }
        let other = try sealBytes(t.vault, t.s, Array("other".utf8), by: team.officer)
        try t.vault.setHeaderBlob(of: t.id, try t.vault.headerBlob(of: other))
        #expect(try attemptOpen(t) == 65)
        #expect(exitCode { _ = try t.vault.check() } == 65)
    }

    /// Replaces the officer's slot box of record `t.id` with the one from `other`.
    func header(_ header: RecordHeader, withSlots slots: [KeySlot]) -> RecordHeader {
        RecordHeader(type: header.type, id: header.id, chunkSize: header.chunkSize, plaintextLength: header.plaintextLength,
                     slots: slots, metaNonce: header.metaNonce, metaCiphertext: header.metaCiphertext,
                     bodyHash: header.bodyHash, signer: header.signer, signature: header.signature)
    }

    @Test func swappedKeySlotsBetweenRecordsAreRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let other = try sealBytes(t.vault, t.s, contentBytes(500, seed: 5), by: team.officer)
        let mine = try RecordHeader.parse(t.header, object: "a")
        let theirs = try RecordHeader.parse(try t.vault.headerBlob(of: other), object: "b")
        #expect(mine.slots.map(\.recipient) == theirs.slots.map(\.recipient))
        // 1. swapped in place: the sealer's signature no longer verifies
        let swapped = header(mine, withSlots: theirs.slots)
        try t.vault.setHeaderBlob(of: t.id, swapped.encoded())
        #expect(try attemptOpen(t) == 65)
        #expect(exitCode { _ = try t.vault.check() } == 65)
        // 2. swapped and re-signed by an insider who holds a signing key: the slot
        //    opens, but it names the other record's id
        let resigned = try mine.resigned(slots: theirs.slots, by: team.officer.identity)
        try t.vault.setHeaderBlob(of: t.id, resigned.encoded())
        #expect(try t.vault.check().objects == 2, "signatures and bodies are fine; only a slot holder can see the swap")
        #expect(try attemptOpen(t) == 65)
    }

    @Test func aSlotReplayedFromAnotherRecordIsRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        // record B has a slot for the interviewer; record A (t.id) does not
        let b = try sealBytes(t.vault, t.s, Array("b".utf8), by: team.officer, to: ["Ivan Interviewer"])
        let a = try RecordHeader.parse(t.header, object: "a")
        let hb = try RecordHeader.parse(try t.vault.headerBlob(of: b), object: "b")
        let replayed = try #require(hb.slots.first { $0.recipient == team.interviewer.fingerprint })
        #expect(try attemptOpen(t, by: team.interviewer) == 77, "control: no slot, an access question")
        // appended without a valid signature
        try t.vault.setHeaderBlob(of: t.id, header(a, withSlots: a.slots + [replayed]).encoded())
        #expect(try attemptOpen(t, by: team.interviewer) == 65)
        #expect(exitCode { _ = try t.vault.check() } == 65)
        // appended and re-signed by an insider: the slot opens to record B's id and key
        try t.vault.setHeaderBlob(of: t.id, try a.resigned(slots: a.slots + [replayed], by: team.officer.identity).encoded())
        #expect(try attemptOpen(t, by: team.interviewer) == 65)
        // a slot moved to another recipient's fingerprint does not open for them
        let moved = KeySlot(recipient: team.interviewer.fingerprint, box: a.slots[0].box)
        try t.vault.setHeaderBlob(of: t.id, try a.resigned(slots: a.slots + [moved], by: team.officer.identity).encoded())
        #expect(try attemptOpen(t, by: team.interviewer) == 65)
        // the rightful recipient still opens the original header
        try t.vault.setHeaderBlob(of: t.id, t.header)
        #expect(try attemptOpen(t) == nil)
    }

    @Test func aHeaderSignedByAnEditorOrStrangerIsRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let a = try RecordHeader.parse(t.header, object: "a")
        for signer in [team.editor, team.stranger] {
            try t.vault.setHeaderBlob(of: t.id, try a.resigned(slots: a.slots, by: signer.identity).encoded())
            #expect(try attemptOpen(t) == 65, "signed by \(signer.card.name)")
            #expect(exitCode { _ = try t.vault.check() } == 65)
        }
    }
}
