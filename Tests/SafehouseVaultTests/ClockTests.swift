import Foundation
import Testing
@testable import SafehouseVault

/// A clock that steps back (an NTP correction, a field laptop set to the wrong
/// zone) must never look like an edited log: audit times are clamped to the
/// chain's order, with the vault's injectable clock.
@Suite struct ClockStepTests {
    @Test func aClockSteppedBackAMonthLeavesVerifyAndCheckIntact() throws {
        let f = try AuditTrail.Fixture()
        let hq = try f.hq()
        try "[00:00:01] A: hello\n".write(toFile: f.dir + "/t.txt", atomically: true, encoding: .utf8)
        let request = SealRequest(kind: .interview, country: "KR", subject: nil)
        _ = try hq.seal(file: f.dir + "/t.txt", request: request, by: f.interviewer)
        let before = try hq.auditEntries().last!.entry.time
        hq.clock = { Date().addingTimeInterval(-30 * 86_400) }
        let id = try hq.seal(file: f.dir + "/t.txt", request: request, by: f.interviewer)
        _ = try hq.open(id: id, to: f.dir + "/out.txt", by: f.officer)
        let entries = try hq.auditEntries()
        // Stamped no earlier than the entry before: the chain stays in order.
        #expect(entries.suffix(2).allSatisfy { $0.entry.time == before })
        #expect(try hq.verifyAuditLog(checkpoint: nil).isIntact)
        #expect(try hq.check().auditEntries == UInt64(entries.count))
        // The clock comes right again: times move on from there.
        hq.clock = { Date().addingTimeInterval(3_600) }
        _ = try hq.seal(file: f.dir + "/t.txt", request: request, by: f.interviewer)
        #expect(try hq.auditEntries().last!.entry.time > before)
        #expect(try Vault.open(at: f.dir + "/hq").verifyAuditLog(checkpoint: nil).isIntact)
    }

    @Test func aFieldLaptopWithAWrongClockStillMergesAtHQ() throws {
        let f = try AuditTrail.Fixture()
        let hq = try f.hq()
        let ring = try hq.exportTeam(by: f.officer)
        let field = try Vault.createField(at: f.dir + "/field", keyring: TeamKeyring.parse(ring.text, object: "team"), owner: f.interviewer)
        try "[00:00:01] A: hello\n".write(toFile: f.dir + "/t.txt", atomically: true, encoding: .utf8)
        let request = SealRequest(kind: .interview, country: "KR", subject: nil)
        let a = try field.seal(file: f.dir + "/t.txt", request: request, by: f.interviewer)
        field.clock = { Date().addingTimeInterval(-40 * 86_400) }
        let b = try field.seal(file: f.dir + "/t.txt", request: request, by: f.interviewer)
        #expect(try field.verifyAuditLog(checkpoint: nil).isIntact)
        _ = try field.check()
        try field.exportBundle(ids: [a, b], to: f.dir + "/field.bundle", by: nil, overwrite: false)
        _ = try hq.importBundle(path: f.dir + "/field.bundle", by: f.officer)
        #expect(try hq.verifyAuditLog(checkpoint: nil).isIntact)
        _ = try hq.check()
    }
}
