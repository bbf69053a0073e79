import Foundation
@testable import SafehouseVault
import Testing

/// A vault's log that arrives forked — a restored backup of a field laptop, or of
/// HQ, that went on with another history — is refused, never merged into the one
/// an earlier bundle brought (which would hide one of the two histories).
@Suite("Bundles: forked audit logs")
struct ForkedLogTests {
    let team = TestTeam.shared

    /// Copies a vault's folder (its database, WAL and bodies) as a backup would.
    private func copyVault(_ from: String, to: String) throws {
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    @Test func aRestoredFieldVaultThatWentOnIsRefusedAnOlderBundleIsNot() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let first = try sealBytes(field, s, contentBytes(70_000, seed: 1), name: "a.bin", by: team.interviewer)
        try field.exportBundle(ids: [first], to: s.file("b1.shb"), by: team.interviewer.identity, overwrite: false)
        _ = try hq.importBundle(path: s.file("b1.shb"), by: team.officer.identity)
        // The laptop is backed up here, then goes on.
        try copyVault(s.file("field"), to: s.file("field-backup"))
        let second = try sealBytes(field, s, contentBytes(50_000, seed: 2), name: "b.bin", by: team.interviewer)
        try field.exportBundle(ids: [second], to: s.file("b2.shb"), by: team.interviewer.identity, overwrite: false)
        _ = try hq.importBundle(path: s.file("b2.shb"), by: team.officer.identity)
        // The backup is restored elsewhere and used: its log forks after the backup point.
        let restored = try Vault.open(at: s.file("field-backup"))
        let third = try sealBytes(restored, s, contentBytes(30_000, seed: 3), name: "c.bin", by: team.interviewer)
        try restored.exportBundle(ids: [third], to: s.file("b3.shb"), by: team.interviewer.identity, overwrite: false)
        let objectsBefore = try hq.objectCount(), filesBefore = hq.objectFiles
        #expect {
            _ = try hq.importBundle(path: s.file("b3.shb"), by: team.officer.identity)
        } throws: { error in
            guard case .badData(_, let hint) = error as? VaultError else { return false }
            return hint.contains("forked")
        }
        #expect(try hq.objectCount() == objectsBefore)
        #expect(hq.objectFiles == filesBefore, "no body of the refused bundle stays")
        #expect(try hq.check().objects == objectsBefore)
        // The merged field log is still one history, intact.
        let report = try hq.auditReport(by: team.officer.identity)
        let fieldLog = try #require(report.logs.first { !$0.isLocal })
        #expect(fieldLog.intact, "\(fieldLog.verdict)")
        // An older bundle of the same history is a prefix: accepted, nothing new.
        let again = try hq.importBundle(path: s.file("b1.shb"), by: team.officer.identity)
        #expect(again.imported.isEmpty && again.alreadyPresent == [first])
        // And the genuine laptop's next bundle still goes through.
        let fourth = try sealBytes(field, s, contentBytes(20_000, seed: 4), name: "d.bin", by: team.interviewer)
        try field.exportBundle(ids: [fourth], to: s.file("b4.shb"), by: team.interviewer.identity, overwrite: false)
        #expect(try hq.importBundle(path: s.file("b4.shb"), by: team.officer.identity).imported == [fourth])
    }

    @Test func aForkedHQLogIsRefusedAtTheEditorsVault() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let editor = try makeField(s, from: hq, name: "editor", owner: team.editor)
        let a = try sealBytes(hq, s, Array("first statement".utf8), name: "a.txt", by: team.officer)
        try hq.exportBundle(ids: [a], to: s.file("h1.shb"), by: team.officer.identity, overwrite: false)
        _ = try editor.importBundle(path: s.file("h1.shb"), by: team.editor.identity)
        try copyVault(s.file("hq"), to: s.file("hq-restored"))
        let b = try sealBytes(hq, s, Array("second statement".utf8), name: "b.txt", by: team.officer)
        try hq.exportBundle(ids: [b], to: s.file("h2.shb"), by: team.officer.identity, overwrite: false)
        _ = try editor.importBundle(path: s.file("h2.shb"), by: team.editor.identity)
        // An old copy of HQ's folder, brought back and used, exports its own history.
        let old = try Vault.open(at: s.file("hq-restored"))
        let c = try sealBytes(old, s, Array("third statement".utf8), name: "c.txt", by: team.officer)
        try old.exportBundle(ids: [c], to: s.file("h3.shb"), by: team.officer.identity, overwrite: false)
        #expect {
            _ = try editor.importBundle(path: s.file("h3.shb"), by: team.editor.identity)
        } throws: { error in
            guard case .badData(_, let hint) = error as? VaultError else { return false }
            return hint.contains("forked")
        }
        #expect(try editor.check().objects == 2)
    }

    /// A bundle carried by hand to a vault that pulled before: checked offline against
    /// the HQ log state the witness cosigned for it (recorded at `pull`).
    @Test func aHandCarriedBundleIsCheckedAgainstTheWitnessedState() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let editor = try makeField(s, from: hq, name: "editor", owner: team.editor)
        let fresh = try makeField(s, from: hq, name: "fresh", owner: team.editor)
        let a = try sealBytes(hq, s, Array("first statement".utf8), name: "a.txt", by: team.officer)
        try hq.exportBundle(ids: [a], to: s.file("h1.shb"), by: team.officer.identity, overwrite: false)
        _ = try editor.importBundle(path: s.file("h1.shb"), by: team.editor.identity)
        try copyVault(s.file("hq"), to: s.file("hq-old"))
        let b = try sealBytes(hq, s, Array("second statement".utf8), name: "b.txt", by: team.officer)
        let witnessed = try hq.exportBundle(ids: [b], to: s.file("h2.shb"), by: team.officer.identity, overwrite: false)
        // As at `pull`: the witness cosigned HQ's log at h2's state; the editors never saw h2 itself.
        for v in [editor, fresh] { try v.recordWitnessed(size: witnessed.size, root: witnessed.root, by: team.editor.identity) }
        // The old copy goes on: forked after h1, before the witnessed state.
        let old = try Vault.open(at: s.file("hq-old"))
        let c = try sealBytes(old, s, Array("third statement".utf8), name: "c.txt", by: team.officer)
        try old.exportBundle(ids: [c], to: s.file("h3.shb"), by: team.officer.identity, overwrite: false)
        for v in [editor, fresh] {
            #expect {
                _ = try v.importBundle(path: s.file("h3.shb"), by: team.editor.identity)
            } throws: { error in
                guard case .refused(_, let reason, _) = error as? VaultError else { return false }
                return reason.contains("forks from the one the witness cosigned") || reason.contains("older than the state the witness cosigned")
            }
        }
        // h1 is older than the witnessed state: the editor holds its log (a replay, accepted);
        // the fresh vault cannot check it offline (refused).
        #expect(try editor.importBundle(path: s.file("h1.shb"), by: team.editor.identity).alreadyPresent == [a])
        #expect {
            _ = try fresh.importBundle(path: s.file("h1.shb"), by: team.editor.identity)
        } throws: { error in
            guard case .refused(_, let reason, _) = error as? VaultError else { return false }
            return reason.contains("older than the state the witness cosigned")
        }
        // The genuine bundles at and after the witnessed state go through.
        #expect(try fresh.importBundle(path: s.file("h2.shb"), by: team.editor.identity).imported == [b])
        #expect(try editor.importBundle(path: s.file("h2.shb"), by: team.editor.identity).imported == [b])
        let d = try sealBytes(hq, s, Array("fourth statement".utf8), name: "d.txt", by: team.officer)
        try hq.exportBundle(ids: [d], to: s.file("h4.shb"), by: team.officer.identity, overwrite: false)
        #expect(try editor.importBundle(path: s.file("h4.shb"), by: team.editor.identity).imported == [d])
        #expect(try editor.check().objects == 3)
    }
}
