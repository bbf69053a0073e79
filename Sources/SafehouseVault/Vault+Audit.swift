import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// Outcome of an audited action.
public enum AuditOutcome: String, Sendable { case ok, refused, failed }

extension Vault {
    /// The vault's own signing key, for entries no unlocked member can sign
    /// (failed unlocks, refusals of non-members, field-vault creation).
    func deviceKeyPair() throws -> (publicKey: [UInt8], secretKey: SecureBytes) {
        try Signature.keyPair(seed: deviceSeed)
    }

    /// Appends a signed, hash-linked entry in the caller's transaction.
    ///
    /// Fail closed: it runs inside the same IMMEDIATE transaction as the change it
    /// records, so if it cannot be written the change is not committed either, and
    /// callers release plaintext only after the transaction committed.
    /// - Parameters:
    ///   - actor: the unlocked member who acts (signs the entry), or nil for the device key.
    ///   - claimedActor: the fingerprint to name when `actor` is nil (e.g. a failed unlock).
    ///   - objects: ids, pseudonyms, fingerprints — never names or content.
    ///
    /// An action on more objects than one entry holds is written as a run of
    /// entries, each naming `part:<i>/<n>` and up to 63 objects, in one transaction.
    func appendAudit(_ db: Database, actor: Identity?, claimedActor: String? = nil, action: String, objects: [String],
                     outcome: AuditOutcome, reason: String? = nil) throws {
        let room = AuditEntry.Limits.objectCount - (actor == nil && claimedActor != nil ? 2 : 1)
        guard objects.count > AuditEntry.Limits.objectCount - (actor == nil && claimedActor != nil ? 1 : 0) else {
            return try appendOneAudit(db, actor: actor, claimedActor: claimedActor, action: action, objects: objects, outcome: outcome, reason: reason)
        }
        let parts = stride(from: 0, to: objects.count, by: room).map { Array(objects[$0..<min($0 + room, objects.count)]) }
        for (i, part) in parts.enumerated() {
            try appendOneAudit(db, actor: actor, claimedActor: claimedActor, action: action, objects: ["part:\(i + 1)/\(parts.count)"] + part,
                               outcome: outcome, reason: reason)
        }
    }

    private func appendOneAudit(_ db: Database, actor: Identity?, claimedActor: String?, action: String, objects: [String],
                                outcome: AuditOutcome, reason: String?) throws {
        if let fault = FaultInjection.fault(named: "audit") {
            throw VaultError.io(object: "audit log", detail: fault)
        }
        let last = try Row.fetchOne(db, sql: "SELECT seq, entry, leaf_hash FROM audit ORDER BY seq DESC LIMIT 1")
        let lastSeq: Int64? = try last.map { try $0.value("seq", of: "audit log") }
        let seq: UInt64 = lastSeq.map { UInt64(max(0, $0) + 1) } ?? 0
        let prev: [UInt8] = try last.map { [UInt8](try $0.value("leaf_hash", of: "audit log entry \(seq - 1)") as Data) } ?? [UInt8](repeating: 0, count: 32)
        let lastTime = try last.map { row -> Int64 in
            guard let canonical: Data = try? row.value("entry", of: "audit log"), let e = try? AuditEntry.parse(canonical: [UInt8](canonical)) else {
                throw VaultError.badData(object: "audit log entry \(seq - 1)", hint: "the entry is malformed; the log was edited")
            }
            return e.time
        } ?? 0
        var objects = objects
        let actorText: String
        if actor != nil {
            actorText = actor!.fingerprint.compact
        } else {
            // The device key signs only as "vault"; whom it speaks about is an object.
            actorText = "vault"
            if let claimedActor { objects.append("key:" + claimedActor) }
        }
        let entry = try AuditEntry(seq: seq, time: auditTime(after: lastTime), actor: actorText, action: action,
                               objects: objects, outcome: AuditEntry.Outcome(rawValue: outcome.rawValue)!, reason: reason,
                               prevHash: prev, origin: origin)
        let signerPK: [UInt8]
        let signed: SignedAuditEntry
        if let actor {
            signerPK = actor.signPublicKey
            signed = try SignedAuditEntry.sign(entry, publicKey: signerPK, using: actor.sign)
        } else {
            let signerSK: SecureBytes
            (signerPK, signerSK) = try deviceKeyPair()
            signed = try SignedAuditEntry.sign(entry, secretKey: signerSK, publicKey: signerPK)
        }
        try db.execute(sql: "INSERT INTO audit(seq, entry, signer_key, signature, leaf_hash) VALUES (?, ?, ?, ?, ?)",
                       arguments: [Int64(seq), Data(entry.canonicalBytes()), Data(signerPK), Data(signed.signature), Data(signed.leafHash)])
    }

    /// The time to stamp on the next entry: never earlier than the last one
    /// (a clock stepped back must not look like an edited log), and in a field
    /// or editor vault only the day (a seized laptop shows no exact times).
    func auditTime(after lastTime: Int64) -> Int64 {
        var now = Int64(clock().timeIntervalSince1970)
        if kind != .hq { now -= now % 86_400 }
        return max(now, lastTime)
    }

    /// Unlocks a member's key file to act in this vault; a wrong passphrase is
    /// audited here (claimed by the key's fingerprint, never a name) and refused.
    public func unlock(keyFile path: String, passphrase: SecureBytes, card: MemberCard?) throws -> Identity {
        do {
            return try KeyFile.unlock(path: path, passphrase: passphrase, card: card)
        } catch let e as VaultError {
            if case .refused = e {
                let claimed = try KeyFile.readHeader(path: path).fingerprint.compact
                try? audit(actor: nil, claimedActor: claimed, action: "unlock", objects: [], outcome: .refused, reason: "wrong-passphrase")
            }
            throw e
        }
    }

    /// Appends one entry in its own transaction (for refusals outside any change).
    public func audit(actor: Identity?, claimedActor: String? = nil, action: String, objects: [String],
                      outcome: AuditOutcome, reason: String? = nil) throws {
        try store.write { db in
            try appendAudit(db, actor: actor, claimedActor: claimedActor, action: action, objects: objects, outcome: outcome, reason: reason)
        }
    }
}
