import Foundation
import SafehouseAudit
import SafehouseCrypto
import Testing
@testable import SafehouseVault

/// A checkpoint kept off the machine vouches for the log only if an active
/// officer signed it: not the device key (its seed is on the disk an attacker
/// holds), not another member, not a removed officer.
@Suite struct CheckpointTrustTests {
    @Test func onlyAnActiveOfficersCheckpointCounts() throws {
        let f = try AuditTrail.Fixture()
        let hq = try f.hq()
        let good = try hq.checkpoint(by: f.officer)
        #expect(try hq.verifyAuditLog(checkpointText: good.text, object: "cp").isIntact)

        guard case .intact(let size, let root) = try hq.verifyAuditLog(checkpoint: nil) else { Issue.record("log broken"); return }
        // Signed with the device key read from the vault's own database.
        let device = try hq.deviceKeyPair()
        let forged = try Checkpoint.sign(origin: hq.origin, size: size, root: root, keyName: "vault",
                                         secretKey: device.secretKey, publicKey: device.publicKey)
        #expect(throws: VaultError.self) { _ = try hq.verifyAuditLog(checkpointText: forged.text, object: "cp") }
        // Signed by an interviewer, a member but not an officer.
        let byInterviewer = try Checkpoint.sign(origin: hq.origin, size: size, root: root, keyName: f.interviewer.fingerprint.compact,
                                                publicKey: f.interviewer.signPublicKey, using: f.interviewer.sign)
        #expect(throws: VaultError.self) { _ = try hq.verifyAuditLog(checkpointText: byInterviewer.text, object: "cp") }
        // Not a checkpoint at all.
        #expect(throws: VaultError.self) { _ = try hq.verifyAuditLog(checkpointText: "hello\n", object: "cp") }
    }
}
