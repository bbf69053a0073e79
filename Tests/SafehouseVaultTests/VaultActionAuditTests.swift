import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite("Audit entries of vault actions")
struct VaultActionAuditTests {
    let team = TestTeam.shared

    struct Line: Equatable, CustomStringConvertible {
        let actor: String
        let action: String
        let outcome: String
        let reason: String?
        var description: String { "\(actor) \(action) \(outcome)\(reason.map { ":" + $0 } ?? "")" }
    }

    func lines(_ v: Vault) throws -> [Line] {
        try v.auditEntries().map { Line(actor: $0.entry.actor, action: $0.entry.action, outcome: $0.entry.outcome.rawValue, reason: $0.entry.reason) }
    }

    @Test func sealOpenAndRefusalsAreLoggedAndTheLogVerifies() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let officer = team.officer.fingerprint.compact, interviewer = team.interviewer.fingerprint.compact
        let id = try sealBytes(hq, s, Array("x".utf8), by: team.officer)
        #expect(exitCode { _ = try hq.open(id: id, to: s.file("i"), by: team.interviewer.identity) } == 77)
        #expect(exitCode { _ = try sealBytes(hq, s, Array("x".utf8), name: "e", by: team.editor) } == 77)
        #expect(exitCode { _ = try hq.list(by: team.stranger.identity) } == 77)
        _ = try hq.open(id: id, to: s.file("o"), by: team.officer.identity)
        let log = try lines(hq)
        let expected = [
            Line(actor: officer, action: "init", outcome: "ok", reason: nil),
            Line(actor: officer, action: "team-state", outcome: "ok", reason: nil),   // the signed member set, after every change
            Line(actor: officer, action: "team-add", outcome: "ok", reason: nil),
            Line(actor: officer, action: "team-state", outcome: "ok", reason: nil),
            Line(actor: officer, action: "team-add", outcome: "ok", reason: nil),
            Line(actor: officer, action: "team-state", outcome: "ok", reason: nil),
            Line(actor: officer, action: "seal", outcome: "ok", reason: nil),
            Line(actor: interviewer, action: "open", outcome: "refused", reason: "not-a-recipient"),
            Line(actor: team.editor.fingerprint.compact, action: "seal", outcome: "refused", reason: "role-not-allowed"),
            Line(actor: "vault", action: "list", outcome: "refused", reason: "not-a-member"),
            Line(actor: officer, action: "open", outcome: "ok", reason: nil),
        ]
        #expect(log == expected, "\(log)")
        let entries = try hq.auditEntries()
        #expect(entries[6].entry.objects.contains(id) && entries[7].entry.objects.contains(id) && entries[10].entry.objects.contains(id))
        #expect(entries[9].entry.objects.contains("key:" + team.stranger.fingerprint.compact))
        guard case .intact(let size, _) = try hq.verifyAuditLog(checkpoint: nil) else {
            Issue.record("the audit log does not verify"); return
        }
        #expect(size == UInt64(expected.count))
        #expect(try hq.check().auditEntries == size)
    }

    @Test func aFieldVaultLogVerifiesAndTravelsWithTheBundle() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let id = try sealBytes(field, s, Array("x".utf8), by: team.interviewer)
        #expect(exitCode { _ = try field.open(id: id, to: s.file("o"), by: team.interviewer.identity) } == 77)
        let log = try lines(field)
        #expect(log.first == Line(actor: "vault", action: "init-field", outcome: "ok", reason: nil))
        #expect(log.contains(Line(actor: team.interviewer.fingerprint.compact, action: "seal", outcome: "ok", reason: nil)))
        #expect(log.contains(Line(actor: team.interviewer.fingerprint.compact, action: "open", outcome: "refused", reason: "not-a-recipient")))
        #expect(try field.verifyAuditLog(checkpoint: nil).isIntact)
        try field.exportBundle(ids: [id], to: s.file("b"), by: nil, overwrite: false)
        let report = try hq.importBundle(path: s.file("b"), by: team.officer.identity)
        #expect(report.auditEntries == log.count)
        #expect(try hq.verifyAuditLog(checkpoint: nil).isIntact)
        #expect(try lines(hq).last == Line(actor: team.officer.fingerprint.compact, action: "bundle-import", outcome: "ok", reason: nil))
    }

    @Test func anEditedAuditEntryBreaksCheck() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let id = try sealBytes(hq, s, Array("x".utf8), by: team.officer)
        #expect(exitCode { _ = try hq.open(id: id, to: s.file("i"), by: team.interviewer.identity) } == 77)
        // hide the refusal: change "refused" to "ok" in the stored entry
        try hq.rawDatabase().write { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT seq, entry FROM audit ORDER BY seq DESC LIMIT 1"))
            let entry = String(decoding: [UInt8](row["entry"] as Data), as: UTF8.self)
            #expect(entry.contains("refused"))
            let edited = entry.replacingOccurrences(of: "refused", with: "ok")
            try db.execute(sql: "UPDATE audit SET entry = ? WHERE seq = ?", arguments: [Data(edited.utf8), row["seq"] as Int64])
        }
        let verdict = try? hq.verifyAuditLog(checkpoint: nil)
        #expect(verdict?.isIntact != true, "an edited entry must not verify")
        #expect(exitCode { _ = try hq.check() } == 65)
        // deleting an entry in the middle breaks the chain as well
        try hq.rawDatabase().write { db in try db.execute(sql: "DELETE FROM audit WHERE seq = 1") }
        #expect(exitCode { _ = try hq.check() } == 65)
    }
}
