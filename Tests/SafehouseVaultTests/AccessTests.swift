import Foundation
import GRDB
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// Old key slots open nothing new: after `revoke` or `team remove`, a copy of
/// the editor's slot taken from the header *before* the change still yields the
/// old record key, and that key must not decrypt the re-keyed body.
@Suite("Vault: access re-keying", .serialized)
struct AccessTests {
    static let transcript = """
        [00:00:05] REPORTER: 박정민 씨, thank you for coming.
        [00:00:12] WITNESS: The market opened early that spring.
        [00:00:20] REPORTER: Park Jung-min, when did you leave?

        """
    static let entry = #"{"name":"박정민","aliases":["Park Jung-min"],"consent":"pseudonym","category":"defector","country":"CN"}"#

    /// An HQ vault with one subject, one transcript and an excerpt of it granted to the editor.
    /// The editor's own copy of an excerpt (made at grant).
    func copyID(_ hq: Vault, of ex: String) throws -> String {
        try #require(try hq.rawDatabase().read { try String.fetchOne($0, sql: "SELECT copy_id FROM copies WHERE parent = ?", arguments: [ex]) })
    }

    func vaultWithGrantedExcerpt(_ scratch: Scratch) throws -> (Vault, record: String, excerpt: String) {
        let team = TestTeam.shared
        let hq = try makeHQ(scratch)
        _ = try hq.importSubjects([SubjectIdentity(json: Array(Self.entry.utf8), category: "defector", consent: "pseudonym", country: "CN")],
                                  by: team.officer.identity)
        let rec = try sealBytes(hq, scratch, Array(Self.transcript.utf8), name: "talk.txt", by: team.officer)
        let ex = try hq.approve(recordID: rec, range: nil, by: team.officer.identity)
        try hq.grant(excerptID: ex, to: team.editor.card.name, expires: nil, by: team.officer.identity)
        return (hq, rec, ex)
    }

    /// Decrypts a whole body file with a body key (ChunkCipher directly).
    func openBody(_ body: [UInt8], key: SecureBytes, chunkSize: UInt32) throws -> [UInt8] {
        let cipher = try ChunkCipher(key: key, chunkSize: Int(chunkSize))
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, body.count), alignment: 64)
        defer { out.deallocate() }
        let hashes = try body.withUnsafeBytes { try cipher.open(input: $0, output: out, firstIndex: 0, containsLast: true) }
        return Array(out[0..<(body.count - hashes.count * ChunkCipher.tagBytes)])
    }

    func bytes(_ s: SecureBytes) -> [UInt8] { s.withUnsafeBytes { Array($0) } }

    enum Change { case revoke, remove }

    func oldSlotOpensNothingNew(after change: Change) throws {
        let team = TestTeam.shared
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (hq, _, ex) = try vaultWithGrantedExcerpt(scratch)
        // The editor never holds a slot on the shared excerpt: only on her own marked copy.
        #expect(try !RecordHeader.parse(try hq.headerBlob(of: ex), object: "x").slots.contains { $0.recipient == team.editor.fingerprint })
        let copy = try copyID(hq, of: ex)

        // Before: the editor exports, and her slot opens her copy's body (positive control).
        #expect(exitCode { try hq.exportExcerpt(excerptID: ex, format: .txt, to: scratch.file("before.txt"), by: team.editor.identity, overwrite: false) } == nil)
        let oldBlob = try hq.headerBlob(of: copy)
        let oldBodyFile = try hq.bodyFile(of: copy)
        let oldBody = try readFile(oldBodyFile)
        let oldHeader = try RecordHeader.parse(oldBlob, object: "saved header")
        let saved = try #require(try hq.unlockObject(oldHeader, identity: team.editor.identity), "the editor holds a slot before the change")
        let plain = try openBody(oldBody, key: saved.bodyKey, chunkSize: oldHeader.chunkSize)
        let officerBefore = try #require(try hq.unlockObject(oldHeader, identity: team.officer.identity))
        #expect(try hq.decryptSmall(officerBefore) == plain)

        switch change {
        case .revoke: try hq.revoke(excerptID: ex, from: team.editor.card.name, by: team.officer.identity)
        case .remove: try hq.removeMember(team.editor.card.name, by: team.officer.identity, dryRun: false)
        }

        if change == .revoke {
            // A revoked copy is gone: nothing of it is left to open, and the export is refused.
            #expect(try hq.rawDatabase().read { try Data.fetchOne($0, sql: "SELECT header FROM objects WHERE id = ?", arguments: [copy]) } == nil)
            #expect(!fileExists(oldBodyFile), "the copy's body is deleted")
            let out = scratch.file("after.txt")
            #expect(exitCode { try hq.exportExcerpt(excerptID: ex, format: .txt, to: out, by: team.editor.identity, overwrite: false) } == 77)
            #expect(!fileExists(out))
            return
        }
        let newHeader = try RecordHeader.parse(try hq.headerBlob(of: copy), object: "current header")
        #expect(newHeader.id == oldHeader.id)
        #expect(newHeader.bodyHash != oldHeader.bodyHash, "the body was re-encrypted")
        #expect(!newHeader.slots.contains { $0.recipient == team.editor.fingerprint }, "the editor's slot is gone")
        #expect(try hq.unlockObject(newHeader, identity: team.editor.identity) == nil)
        let newBodyFile = try hq.bodyFile(of: copy)
        #expect(newBodyFile != oldBodyFile && !fileExists(oldBodyFile), "the old body file is replaced")
        let newBody = try readFile(newBodyFile)

        // The officer's current slot yields a different record key that opens the new body to the same text.
        let officerNow = try #require(try hq.unlockObject(newHeader, identity: team.officer.identity))
        #expect(bytes(officerNow.recordKey) != bytes(saved.recordKey), "the excerpt has a fresh record key")
        #expect(try hq.decryptSmall(officerNow) == plain, "remaining members still open it")

        // The saved slot still opens (it is a copy) and yields the old key …
        let replay = try #require(try hq.unlockObject(oldHeader, identity: team.editor.identity))
        #expect(bytes(replay.recordKey) == bytes(saved.recordKey))
        // … which decrypts nothing of the new body: not with ChunkCipher directly,
        #expect(throws: (any Error).self) { _ = try openBody(newBody, key: replay.bodyKey, chunkSize: newHeader.chunkSize) }
        // nor through the vault's own read path with the current header.
        let forged = OpenedObject(header: newHeader, metadata: replay.metadata, recordKey: replay.recordKey, bodyKey: replay.bodyKey)
        #expect(throws: (any Error).self) { _ = try hq.decryptSmall(forged) }
        // Nor does the old slot, pasted into the current header, open the metadata.
        let pasted = newHeader.resignedForTest(slots: newHeader.slots + oldHeader.slots.filter { $0.recipient == team.editor.fingerprint })
        #expect(throws: (any Error).self) { _ = try hq.unlockObject(pasted, identity: team.editor.identity) }

        // And the editor's export is refused with no file left.
        let out = scratch.file("after.txt")
        #expect(exitCode { try hq.exportExcerpt(excerptID: ex, format: .txt, to: out, by: team.editor.identity, overwrite: false) } == 77)
        #expect(!fileExists(out))
    }

    @Test func revocationRekeysTheExcerpt() throws { try oldSlotOpensNothingNew(after: .revoke) }

    @Test func removalRekeysWhatTheMemberCouldOpen() throws { try oldSlotOpensNothingNew(after: .remove) }

    @Test func removalDryRunListsAndChangesNothing() throws {
        let team = TestTeam.shared
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (hq, rec, ex) = try vaultWithGrantedExcerpt(scratch)
        let blob = try hq.headerBlob(of: ex)
        let files = hq.objectFiles
        let plan = try hq.removeMember(team.editor.card.name, by: team.officer.identity, dryRun: true)
        #expect(plan.map(\.objectID) == [try copyID(hq, of: ex)] && plan.allSatisfy { $0.action == "rekey" }, "\(plan.map(\.objectID))")
        #expect(!plan.contains { $0.objectID == rec })
        #expect(try hq.headerBlob(of: ex) == blob && hq.objectFiles == files)
        #expect(try hq.members().first { $0.fingerprint == team.editor.fingerprint }?.isActive == true)
    }

    /// An editor's vault material derives no other recipient's marks: every subkey of the
    /// only excerpt key she holds (her own copy's) gives pseudonyms other than her colleague's.
    @Test func anEditorCannotForgeAColleaguesMarks() throws {
        let team = TestTeam.shared
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (hq, _, ex) = try vaultWithGrantedExcerpt(scratch)
        try hq.grant(excerptID: ex, to: team.interviewer.card.name, expires: nil, by: team.officer.identity)
        let copies = try hq.rawDatabase().read { db in
            try Row.fetchAll(db, sql: "SELECT copy_id, member, pseudonyms FROM copies").map { ($0["copy_id"] as String, $0["member"] as String, $0["pseudonyms"] as String) }
        }
        let mine = try #require(copies.first { $0.1 == team.editor.fingerprint.compact })
        let theirs = try #require(copies.first { $0.1 == team.interviewer.fingerprint.compact })
        let real = mine.2.split(separator: ",").map(String.init)
        try #require(!real.isEmpty)
        let myCopy = try #require(try hq.unlockObject(try RecordHeader.parse(try hq.headerBlob(of: mine.0), object: "x"), identity: team.editor.identity))
        let theirCopy = try #require(try hq.unlockObject(try RecordHeader.parse(try hq.headerBlob(of: theirs.0), object: "x"), identity: team.officer.identity))
        let theirPayload = try JSONDecoder().decode(ExcerptPayload.self, from: Data(try hq.decryptSmall(theirCopy)))
        let myPayload = try JSONDecoder().decode(ExcerptPayload.self, from: Data(try hq.decryptSmall(myCopy)))
        #expect(Set(myPayload.pseudonyms).isDisjoint(with: real) && Set(theirPayload.pseudonyms).isDisjoint(with: real), "no copy carries the real pseudonym")
        #expect(myPayload.pseudonyms != theirPayload.pseudonyms)
        for id in UInt64(1)...8 {
            let k = try KeyDerivation.derive(from: myCopy.recordKey, id: id, context: Vault.kdfContext)
            let forged = try Vault.recipientPseudonyms(real, member: team.interviewer.fingerprint, key: k)
            #expect(Set(forged.values).isDisjoint(with: theirPayload.pseudonyms), "subkey \(id) of her copy's key forges her colleague's marks")
        }
        // The officer's trace tells the two copies apart.
        let text = myPayload.cues.map(\.text).joined(separator: "\n")
        #expect(try hq.traceLeak(excerptID: ex, text: text, by: team.officer.identity).map(\.fingerprint) == [team.editor.fingerprint])
    }

    /// Roles are enforced by keys: an editor never holds a slot for an original or a subject identity.
    @Test func editorsHoldSlotsForExcerptsOnly() throws {
        let team = TestTeam.shared
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (hq, rec, ex) = try vaultWithGrantedExcerpt(scratch)
        let headers = try hq.rawDatabase().read { db in
            try Row.fetchAll(db, sql: "SELECT id, header FROM objects").map { (id: $0["id"] as String, header: try RecordHeader.parse([UInt8]($0["header"] as Data), object: "x")) }
        }
        #expect(headers.count >= 3)
        for (id, h) in headers {
            let editorSlot = h.slots.contains { $0.recipient == team.editor.fingerprint }
            #expect(editorSlot == (id == (try copyID(hq, of: ex))), "object \(id) (\(h.type.label)): only her own copy")
        }
        #expect(exitCode { _ = try hq.open(id: rec, to: scratch.file("orig"), by: team.editor.identity) } == 77)
        #expect(exitCode { _ = try hq.approve(recordID: rec, range: nil, by: team.editor.identity) } == 77)
        #expect(exitCode { try hq.grant(excerptID: ex, to: team.interviewer.card.name, expires: nil, by: team.editor.identity) } == 77)
    }
}

fileprivate extension RecordHeader {
    /// The same header with other slots, keeping the (now stale) signature: unlockObject does not verify it.
    func resignedForTest(slots: [KeySlot]) -> RecordHeader {
        RecordHeader(type: type, id: id, chunkSize: chunkSize, plaintextLength: plaintextLength, slots: slots,
                     metaNonce: metaNonce, metaCiphertext: metaCiphertext, bodyHash: bodyHash, signer: signer, signature: signature)
    }
}

/// Approve checks consent, the subjects and the officer in the same transaction
/// that writes the excerpt: a withdrawal that lands while the redaction runs
/// (another process, another officer) refuses, and nothing is written.
@Suite("Vault: approve is one decision", .serialized)
struct ApproveRaceTests {
    @Test func aWithdrawalDuringApproveRefusesAndWritesNothing() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let team = TestTeam.shared
        let hq = try makeHQ(scratch)
        let p = try hq.importSubjects([SubjectIdentity(json: Array(AccessTests.entry.utf8), category: "defector", consent: "pseudonym", country: "CN")],
                                      by: team.officer.identity)[0]
        let rec = try sealBytes(hq, scratch, Array(AccessTests.transcript.utf8), name: "talk.txt", by: team.officer)
        let before = try hq.list(by: team.officer.identity).count
        let files = try FileManager.default.contentsOfDirectory(atPath: hq.directory + "/objects").count
        hq.beforeApproveCommits = { try hq.withdrawConsent(pseudonym: p, by: team.officer.identity) }
        #expect(throws: VaultError.self) { _ = try hq.approve(recordID: rec, range: nil, by: team.officer.identity) }
        hq.beforeApproveCommits = nil
        let last = try #require(try hq.auditEntries().last?.entry)
        #expect(last.action == "approve" && last.outcome == .refused && last.reason == "consent-withdrawn")
        #expect(try hq.list(by: team.officer.identity).count == before, "no excerpt row")
        // No body file was left behind either.
        #expect(try FileManager.default.contentsOfDirectory(atPath: hq.directory + "/objects").count == files)
    }

    @Test func aNewSubjectDuringApproveRefuses() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let team = TestTeam.shared
        let hq = try makeHQ(scratch)
        _ = try hq.importSubjects([SubjectIdentity(json: Array(AccessTests.entry.utf8), category: "defector", consent: "pseudonym", country: "CN")],
                                  by: team.officer.identity)
        let rec = try sealBytes(hq, scratch, Array(AccessTests.transcript.utf8), name: "talk.txt", by: team.officer)
        hq.beforeApproveCommits = {
            _ = try hq.importSubjects([SubjectIdentity(json: Array(#"{"name":"최은영","consent":"pseudonym","category":"expert","country":"KR"}"#.utf8),
                                                       category: "expert", consent: "pseudonym", country: "KR")], by: team.officer.identity)
        }
        #expect(throws: VaultError.self) { _ = try hq.approve(recordID: rec, range: nil, by: team.officer.identity) }
        hq.beforeApproveCommits = nil
        #expect(try hq.auditEntries().last?.entry.reason == "lexicon-changed")
        _ = try hq.approve(recordID: rec, range: nil, by: team.officer.identity)
    }
}

/// Names the lexicon does not know stop `approve`: the officer sees them, and
/// only her signed not-a-name decisions (not a database edit) or a knowing
/// acceptance, recorded in the provenance, let the excerpt through.
@Suite("Vault: unknown names at approve", .serialized)
struct UnknownNamesTests {
    static let transcript = "[00:00:01] A: 박정민 씨 met Dr Holloway at the border.\n"

    @Test func notANameDecisionsAreSignedAndAcceptanceIsRecorded() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let team = TestTeam.shared
        let hq = try makeHQ(scratch)
        _ = try hq.importSubjects([SubjectIdentity(json: Array(AccessTests.entry.utf8), category: "defector", consent: "pseudonym", country: "CN")],
                                  by: team.officer.identity)
        let rec = try sealBytes(hq, scratch, Array(Self.transcript.utf8), name: "talk.txt", by: team.officer)
        func refusal() throws -> UnknownNamesRefusal? {
            do { _ = try hq.approve(recordID: rec, range: nil, by: team.officer.identity); return nil } catch let r as UnknownNamesRefusal { return r }
        }
        let first = try #require(try refusal(), "approve passed an unknown name on")
        let texts = first.candidates.map(\.text)
        #expect(texts.contains { $0.contains("Holloway") })
        // A not-a-name row written straight into the database counts for nothing.
        try hq.rawDatabase().write { db in
            for t in texts {
                try db.execute(sql: "INSERT INTO not_names(digest, officer, signature) VALUES (?, ?, ?)",
                               arguments: [Data(hq.notNameDigest(t)), team.officer.identity.fingerprint.compact, Data(repeating: 7, count: 64)])
            }
        }
        #expect(try refusal() != nil)
        // Editors cannot rule names out.
        #expect(throws: VaultError.self) { try hq.markNotNames(texts, by: team.editor.identity) }
        // Accepting knowingly: the provenance says how many were accepted.
        let ex = try hq.approve(recordID: rec, range: nil, by: team.officer.identity, acceptUnknownNames: true)
        let meta = try #require(try hq.list(by: team.officer.identity).first { $0.id == ex }?.metadata)
        #expect(meta.provenance?.unknownNamesAccepted == texts.count)
        // The officer's own decision clears them for the next approve.
        try hq.rawDatabase().write { db in try db.execute(sql: "DELETE FROM not_names") }
        try hq.markNotNames(texts, by: team.officer.identity)
        #expect(try refusal() == nil)
        #expect(try hq.auditEntries().contains { $0.entry.action == "not-a-name" && $0.entry.objects == ["count:\(texts.count)"] })
    }
}
