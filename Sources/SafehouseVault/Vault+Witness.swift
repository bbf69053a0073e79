import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// The audit log state a bundle's signed manifest carries (`log: size root`).
public struct BundleLogState: Sendable, Equatable {
    /// The exporting vault's id (its log's origin is `safehouse.vault/<hex id>`).
    public let origin: [UInt8]
    public let size: UInt64
    public let root: [UInt8]
}

/// What the witness of HQ's log (the team server, Docs/SERVER.md "Witness")
/// needs from a vault: the leaves to prove consistency from, the team's HQ log
/// origin, the officer check of a witnessed checkpoint, and — in field and editor
/// vaults — the largest witnessed size seen, kept in the vault's own signed log
/// (`witness-seen` entries by the owner) so a server that later serves an older
/// checkpoint is refused.
extension Vault {
    /// The audit action that records the largest witnessed HQ log size a vault saw.
    static let witnessSeenAction = "witness-seen"

    /// The origin of the team's HQ log (an HQ vault's own origin).
    public var teamLogOrigin: String { "safehouse.vault/" + Encoding.hex(teamID) }

    /// Leaf hashes of this vault's log, in order (for consistency proofs).
    public func auditLeafHashes() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try forEachAuditEntry { out.append($0.leafHash) }
        return out
    }

    /// Parses a checkpoint of the team's HQ log and checks that an active officer of
    /// this vault's keyring signed it (other signature lines, e.g. a witness's, are ignored here).
    /// - Throws: `VaultError.badData` naming `object`.
    public func verifyTeamCheckpoint(_ text: String, object: String) throws -> Checkpoint {
        let cp = try Self.parseCheckpoint(text, object: object)
        guard cp.origin == teamLogOrigin else {
            throw VaultError.badData(object: object, hint: "it is a checkpoint of another log than this team's HQ log")
        }
        let officers = try members().filter { $0.isActive && $0.card.role == .officer }
        guard officers.contains(where: { cp.verify(publicKey: $0.card.signKey, keyName: $0.fingerprint.compact) }) else {
            throw VaultError.badData(object: object, hint: "its signature does not verify against an active officer of this vault's keyring")
        }
        return cp
    }

    /// The largest witnessed HQ log size this vault recorded (0 if none): the newest
    /// `witness-seen` entry whose signature verifies under its actor's member key.
    public func witnessedHighWater() throws -> UInt64 {
        try store.read { db in
            let keys = Dictionary(try members(db).map { ($0.fingerprint.compact, $0.card.signKey) }, uniquingKeysWith: { a, _ in a })
            var best: UInt64 = 0
            try forEachAuditEntry(db) { e in
                guard e.entry.action == Self.witnessSeenAction, keys[e.entry.actor] == e.signerKey, e.verifySignature(),
                      let size = e.entry.objects.first.flatMap({ $0.hasPrefix("log:") ? UInt64($0.dropFirst(4)) : nil }) else { return }
                best = max(best, size)
            }
            return best
        }
    }

    /// Records that the witness cosigned HQ's log at `size` (only when larger than
    /// what is recorded), signed by `member` (a field or editor vault's owner).
    public func recordWitnessed(size: UInt64, root: [UInt8], by member: Identity) throws {
        guard size > (try witnessedHighWater()) else { return }
        try store.write { db in
            try requireTrustOwner(db, member, action: Self.witnessSeenAction)
            try appendAudit(db, actor: member, action: Self.witnessSeenAction,
                            objects: ["log:\(size)", "root:" + Encoding.hex(Array(root.prefix(16)))], outcome: .ok)
        }
    }
}
