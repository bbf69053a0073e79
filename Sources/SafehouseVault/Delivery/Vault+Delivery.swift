import Foundation
import GRDB
import SafehouseCrypto

/// What the team-server client (`safehouse push`, `pull`, `status`) needs from a
/// vault beyond bundles: which objects changed since they were delivered, who
/// holds grants, and the purge of field records HQ acknowledged.
extension Vault {
    /// The keyring epoch this vault holds (HQ: its current one; field: the installed keyring's).
    public func currentKeyringSerial() throws -> UInt64 {
        try store.read { db in try keyringSerial(db) }
    }

    /// Object ids of `types`, in the vault's order (no key needed: ids are public).
    public func objectIDs(types: Set<ObjectType>) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, type FROM objects ORDER BY rowid").compactMap { row in
                guard let raw = UInt8(exactly: row["type"] as Int), let t = ObjectType(rawValue: raw), types.contains(t) else { return nil }
                return row["id"] as String
            }
        }
    }

    /// The BLAKE2b-256 of each stored header (hex), so a sender can tell which
    /// objects changed (a grant or revocation re-signs an excerpt) since it last
    /// delivered them. Unknown ids are left out.
    public func headerDigests(ids: [String]) throws -> [String: String] {
        try store.read { db in
            var out: [String: String] = [:]
            for id in ids {
                if let h = try Data.fetchOne(db, sql: "SELECT header FROM objects WHERE id = ?", arguments: [id]) {
                    out[id] = Encoding.hex(GenericHash.hash([UInt8](h), length: 32))
                }
            }
            return out
        }
    }

    /// Every officer-signed grant this vault holds: excerpt id and grantee.
    public func grantedExcerpts() throws -> [(excerpt: String, member: Fingerprint)] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT object_id, member FROM grants ORDER BY rowid").compactMap { row in
                guard let f = Fingerprint(text: row["member"] as String) else { return nil }
                return (row["object_id"] as String, f)
            }
        }
    }

    /// Deletes the ciphertext of field records that HQ acknowledged (`push
    /// --purge-confirmed`): their rows, cached hashes and seal tags, then their body
    /// files, with one audit entry naming them. Subject identities stay: every later
    /// bundle must carry all of them (HQ counts them against the field log).
    /// - Warning: the caller must have verified HQ's signed acknowledgement of every id;
    ///   this function cannot tell who asked for the purge.
    /// - Returns: the ids actually purged (ids absent or not records are skipped).
    public func purgeAcknowledged(_ ids: [String], by owner: Identity) throws -> [String] {
        guard kind == .field else {
            throw VaultError.usage("only a field vault purges what it delivered; HQ keeps its material")
        }
        var bodies: [String] = []
        let purged: [String] = try store.write { db in
            try requireTrustOwner(db, owner, action: "purge-acknowledged")
            var done: [String] = []
            for id in ids {
                guard let header = try? loadHeader(db, id: id), header.type == .record else { continue }
                bodies.append(bodyPath(header))
                try db.execute(sql: "DELETE FROM quarantine WHERE object_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [id])
                done.append(id)
            }
            if !done.isEmpty {
                for part in stride(from: 0, to: done.count, by: 8) {
                    try appendAudit(db, actor: owner, action: "purge-acknowledged",
                                    objects: Array(done[part..<min(part + 8, done.count)]), outcome: .ok)
                }
            }
            return done
        }
        for p in bodies { unlink(p) }
        return purged
    }
}
