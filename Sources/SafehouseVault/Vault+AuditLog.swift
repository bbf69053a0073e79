import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

extension Vault {
    /// Signed entries of this vault's log, in order (streamed from SQLite).
    func forEachAuditEntry(_ db: Database, _ body: (SignedAuditEntry) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT seq, entry, signer_key, signature FROM audit ORDER BY seq")
        while let row = try cursor.next() {
            let seq: Int64 = row["seq"]
            let entry: AuditEntry
            do { entry = try AuditEntry.parse(canonical: [UInt8](row["entry"] as Data)) } catch {
                throw VaultError.badData(object: "audit log entry \(seq)", hint: "the entry is malformed; the log was edited")
            }
            try body(SignedAuditEntry(entry: entry, signerKey: [UInt8](row["signer_key"] as Data), signature: [UInt8](row["signature"] as Data)))
        }
    }

    /// Whether `key` may sign entries for `actor`: the member's own key, or this vault's device key.
    func auditTrust(members: [Member]) throws -> (String, [UInt8]) -> Bool {
        var keys: [String: [UInt8]] = [:]
        for m in members { keys[m.fingerprint.compact] = m.card.signKey }
        let device = try deviceKeyPair().publicKey
        return { actor, key in key == device || keys[actor] == key }
    }

    func verifyAudit(_ db: Database, checkpoint: Checkpoint?, members: [Member]) throws -> AuditVerification {
        let trust = try auditTrust(members: members)
        var entries: [SignedAuditEntry] = []
        var malformed: VaultError?
        do { try forEachAuditEntry(db) { entries.append($0) } } catch let e as VaultError { malformed = e }
        let result = AuditChain.verify(entries, origin: origin, checkpoint: checkpoint, trusted: trust)
        if let malformed, result.isIntact { throw malformed }
        return result
    }

    /// Verifies this vault's audit log, optionally against a checkpoint kept off the machine.
    public func verifyAuditLog(checkpoint: Checkpoint?) throws -> AuditVerification {
        try store.read { db in try verifyAudit(db, checkpoint: checkpoint, members: try members(db)) }
    }

    /// All entries (for `audit log`).
    public func auditEntries() throws -> [SignedAuditEntry] {
        try store.read { db in
            var out: [SignedAuditEntry] = []
            try forEachAuditEntry(db) { out.append($0) }
            return out
        }
    }

    /// Public keys to ship with an exported log so it verifies on its own.
    public func auditKeys() throws -> [String: [UInt8]] {
        var keys: [String: [UInt8]] = ["vault": try deviceKeyPair().publicKey]
        for m in try members() { keys[m.fingerprint.compact] = m.card.signKey }
        return keys
    }

    /// A signed checkpoint of the current log (officers only), audited itself first.
    public func checkpoint(by officer: Identity) throws -> Checkpoint {
        try store.write { db in
            let me = try requireMember(officer, db, action: "checkpoint", objects: [])
            guard me.card.role == .officer else {
                try refuse(db, actor: officer, action: "checkpoint", objects: [], reason: "role-not-allowed",
                           .refused(object: "audit log", reason: "only an officer signs checkpoints", hint: "ask a security officer"))
            }
            try appendAudit(db, actor: officer, action: "checkpoint", objects: [], outcome: .ok)
            let result = try verifyAudit(db, checkpoint: nil, members: try members(db))
            guard case .intact(let size, let root) = result else {
                throw VaultError.badData(object: "audit log entry \(result.firstBadSeq ?? 0)", hint: "the log is broken; investigate before signing")
            }
            return try Checkpoint.sign(origin: origin, size: size, root: root, keyName: officer.fingerprint.compact,
                                       secretKey: officer.signSecretKey, publicKey: officer.signPublicKey)
        }
    }
}
