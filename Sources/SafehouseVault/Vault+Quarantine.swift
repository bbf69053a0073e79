import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// An imported object held back for review.
public struct QuarantinedObject: Sendable, Equatable {
    public let id: String
    /// `signed-by-inactive-key` or `slot-for-inactive-member`.
    public let reason: String
}

/// Removal is enforced where material arrives: an imported object signed by a key
/// that is no longer active (a stolen laptop's key after `team remove`), or holding
/// a key slot for anyone who is not an active member (sealed from an outdated
/// keyring), is stored but quarantined — `open`, `approve` and `subject show`
/// refuse it (77) until an officer reviews it and releases it, which re-keys it
/// without the stale slots. Never silently accepted, always audited.
extension Vault {
    /// Why `header` cannot be trusted as it stands, if it cannot.
    static func staleness(_ header: RecordHeader, members ms: [Member]) -> String? {
        let active = { (f: Fingerprint) in ms.first { $0.fingerprint == f }?.isActive ?? false }
        if !active(header.signer) { return "signed-by-inactive-key" }
        if header.slots.contains(where: { !active($0.recipient) }) { return "slot-for-inactive-member" }
        return nil
    }

    /// Quarantines the stale ones among freshly imported objects, in the import's transaction.
    /// - Parameter all: the bundle itself was signed by a key no longer active: hold everything.
    func quarantineStale(_ db: Database, _ headers: [RecordHeader], members ms: [Member], by identity: Identity?,
                         all: Bool = false) throws -> [String] {
        var held: [(String, String)] = []
        for h in headers {
            guard let reason = Self.staleness(h, members: ms) ?? (all ? "signed-by-inactive-key" : nil) else { continue }
            try db.execute(sql: "INSERT OR REPLACE INTO quarantine(object_id, reason) VALUES (?, ?)", arguments: [h.idText, reason])
            held.append((h.idText, reason))
        }
        for reason in Set(held.map(\.1)).sorted() {
            try appendAudit(db, actor: identity, action: "quarantine", objects: ["reason:" + reason] + held.filter { $0.1 == reason }.map(\.0),
                            outcome: .ok)
        }
        return held.map(\.0)
    }

    /// The quarantine reason of an object, if it is held back.
    func quarantineReason(_ db: Database, id: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT reason FROM quarantine WHERE object_id = ?", arguments: [id])
    }

    /// Refuses (77, audited) access to a quarantined object.
    func refuseIfQuarantined(_ db: Database, id: String, identity: Identity, action: String) throws {
        guard let reason = try quarantineReason(db, id: id) else { return }
        try refuse(db, actor: identity, action: action, objects: [id], reason: "quarantined",
                   .refused(object: "record \(id)",
                            reason: reason == "signed-by-inactive-key"
                                ? "it is quarantined: it was signed by a key that was removed or superseded"
                                : "it is quarantined: it holds a key slot for someone who is no longer an active member",
                            hint: "a security officer reviews it and runs `safehouse quarantine release \(id)`"))
    }

    /// Objects held back for review (any member may list them; ids only).
    public func quarantined() throws -> [QuarantinedObject] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT object_id, reason FROM quarantine ORDER BY object_id").map {
                guard let id = $0["object_id"] as String?, let reason = $0["reason"] as String? else {
                    throw VaultError.badData(object: "quarantine table", hint: "a row is damaged; run `safehouse check`")
                }
                return QuarantinedObject(id: id, reason: reason)
            }
        }
    }

    /// Releases a quarantined object after review (officers only): it is re-keyed
    /// to its active recipients (and this officer), signed by this officer, and
    /// the stale slots are gone. Audited as `quarantine-release`.
    public func releaseQuarantine(id: String, by officer: Identity) throws {
        let (header, reason): (RecordHeader, String) = try store.write { db in
            try requireOfficer(officer, db, action: "quarantine-release", objects: [id], object: "record \(id)", what: "releases quarantined material")
            guard let reason = try quarantineReason(db, id: id) else {
                throw VaultError.missing(object: "quarantined object \(id)", hint: "`safehouse quarantine list` shows what is held back")
            }
            return (try loadHeader(db, id: id), reason)
        }
        guard let opened = try unlockObject(header, identity: officer) else {
            throw VaultError.refused(object: "record \(id)", reason: "you hold no key slot for it, so it cannot be re-keyed",
                                     hint: "ask an officer it was sealed to")
        }
        let active = try members().filter(\.isActive)
        var keep = header.slots.compactMap { slot in active.first { $0.fingerprint == slot.recipient }?.card }
        if !keep.contains(where: { $0.fingerprint == officer.fingerprint }), let me = active.first(where: { $0.fingerprint == officer.fingerprint }) {
            keep.append(me.card)
        }
        let (fresh, leaves) = try rekey(opened, recipients: keep, signer: officer)
        do {
            try store.write { db in
                try db.execute(sql: "UPDATE objects SET header = ?, body_length = ? WHERE id = ?",
                               arguments: [Data(fresh.encoded()), Int64(fresh.ciphertextLength), id])
                try saveChunkHashes(db, fresh, leaves: leaves)
                try db.execute(sql: "DELETE FROM quarantine WHERE object_id = ?", arguments: [id])
                try appendAudit(db, actor: officer, action: "quarantine-release", objects: [id, "reason:" + reason], outcome: .ok)
            }
        } catch { unlink(bodyPath(fresh)); throw error }
        if bodyPath(fresh) != bodyPath(header) { unlink(bodyPath(header)) }
    }
}
