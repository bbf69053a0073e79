import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite("Field vaults and roles")
struct FieldVaultAccessTests {
    let team = TestTeam.shared

    func slotHolders(_ vault: Vault, _ id: String) throws -> [Fingerprint] {
        try RecordHeader.parse(try vault.headerBlob(of: id), object: id).slots.map(\.recipient)
    }

    @Test func theSealerCannotOpenWhatItSealedInTheField() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        #expect(field.kind == .field && field.root == team.officer.fingerprint)
        let content = Array("the border crossing, 2019".utf8)
        let id = try sealBytes(field, s, content, name: "interview.txt", by: team.interviewer)
        // the laptop holds everything it had at sealing time, yet no slot for its own key
        #expect(try slotHolders(field, id) == [team.officer.fingerprint])
        #expect(try field.list(by: team.interviewer.identity).first { $0.id == id }?.metadata == nil)
        let out = s.file("attempt.txt")
        let error = try #require(vaultError { _ = try field.open(id: id, to: out, by: team.interviewer.identity) })
        #expect(error.exitCode == 77)
        #expect(error.message.contains(id))
        #expect(!fileExists(out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.path).allSatisfy { !$0.hasPrefix(".safehouse-tmp") })
        // the editor cannot either, nor a stranger
        #expect(exitCode { _ = try field.open(id: id, to: out, by: team.editor.identity) } == 77)
        #expect(exitCode { _ = try field.open(id: id, to: out, by: team.stranger.identity) } == 77)
        #expect(!fileExists(out))
    }

    @Test func theOfficerOpensAtHQAfterTheBundleIsImported() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let content = contentBytes(70_000, seed: 3)
        let id = try sealBytes(field, s, content, name: "photo.jpg", by: team.interviewer, kind: .statement, country: "CN")
        try field.exportBundle(ids: [id], to: s.file("b.shb"), by: nil, overwrite: false)
        let report = try hq.importBundle(path: s.file("b.shb"), by: nil)
        #expect(report.imported == [id])
        let meta = try hq.open(id: id, to: s.file("photo.out"), by: team.officer.identity)
        #expect(try readFile(s.file("photo.out")) == content)
        #expect(meta.kind == .statement && meta.country == "CN" && meta.fileName == "photo.jpg")
        #expect(meta.sealer == team.interviewer.fingerprint.compact)
        // the interviewer is no recipient at HQ either
        #expect(exitCode { _ = try hq.open(id: id, to: s.file("x"), by: team.interviewer.identity) } == 77)
        #expect(!fileExists(s.file("x")))
    }

    @Test func anInterviewerNamedWithToCanOpen() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let id = try sealBytes(field, s, Array("mine".utf8), by: team.interviewer, to: ["Ivan Interviewer"])
        #expect(Set(try slotHolders(field, id)) == [team.officer.fingerprint, team.interviewer.fingerprint])
        _ = try field.open(id: id, to: s.file("o"), by: team.interviewer.identity)
        #expect(try readFile(s.file("o")) == Array("mine".utf8))
        // by fingerprint prefix as well
        let id2 = try sealBytes(field, s, Array("x".utf8), by: team.interviewer, to: [String(team.interviewer.fingerprint.description.prefix(9))])
        #expect(try slotHolders(field, id2).contains(team.interviewer.fingerprint))
    }

    @Test func anEditorCannotOpenAnOriginal() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let id = try sealBytes(hq, s, Array("original".utf8), by: team.officer)
        #expect(!(try slotHolders(hq, id)).contains(team.editor.fingerprint))
        let out = s.file("editor.txt")
        #expect(exitCode { _ = try hq.open(id: id, to: out, by: team.editor.identity) } == 77)
        #expect(!fileExists(out))
        #expect(try hq.list(by: team.editor.identity).first { $0.id == id }?.metadata == nil)
    }

    @Test func sealingToAnEditorIsRefused() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        for vault in [hq, field] {
            let before = vault.objectFiles
            #expect(exitCode { _ = try sealBytes(vault, s, Array("x".utf8), by: team.interviewer, to: ["Edith Editor"]) } == 77)
            #expect(exitCode { _ = try sealBytes(vault, s, Array("x".utf8), by: team.officer, to: [String(team.editor.fingerprint.compact.prefix(8))]) } == 77)
            #expect(try vault.objectCount() == 0)
            #expect(vault.objectFiles == before)
        }
        // and an editor may not seal originals at all
        #expect(exitCode { _ = try sealBytes(hq, s, Array("x".utf8), by: team.editor) } == 77)
        #expect(try hq.objectCount() == 0)
    }

    @Test func strangersAndUnknownRecipientsAreRefused() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        #expect(exitCode { _ = try sealBytes(hq, s, Array("x".utf8), by: team.stranger) } == 77)
        #expect(exitCode { _ = try hq.list(by: team.stranger.identity) } == 77)
        #expect(exitCode { _ = try sealBytes(hq, s, Array("x".utf8), by: team.officer, to: ["Nobody"]) } == 66)
        #expect(exitCode { try hq.addMember(card: team.stranger.card, by: team.interviewer.identity) } == 77)
        #expect(exitCode { try hq.addMember(card: team.interviewer.card, by: team.officer.identity) } == 73)
        let field = try makeField(s, from: hq)
        #expect(exitCode { try field.addMember(card: team.stranger.card, by: team.officer.identity) } == 77)
        #expect(try hq.objectCount() == 0 && field.objectCount() == 0)
    }
}
