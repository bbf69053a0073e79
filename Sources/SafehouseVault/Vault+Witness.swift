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
        try store.read { db in try witnessedState(db)?.size ?? 0 }
    }

    /// The largest witnessed HQ log state this vault recorded: its size and the first
    /// 16 bytes of its root (hex), from the newest signed `witness-seen` entry.
    func witnessedState(_ db: Database) throws -> (size: UInt64, rootPrefix: String)? {
        let keys = Dictionary(try members(db).map { ($0.fingerprint.compact, $0.card.signKey) }, uniquingKeysWith: { a, _ in a })
        var best: (size: UInt64, rootPrefix: String)?
        try forEachAuditEntry(db) { e in
            guard e.entry.action == Self.witnessSeenAction, keys[e.entry.actor] == e.signerKey, e.verifySignature(),
                  let size = e.entry.objects.first.flatMap({ $0.hasPrefix("log:") ? UInt64($0.dropFirst(4)) : nil }),
                  let root = e.entry.objects.first(where: { $0.hasPrefix("root:") }).map({ String($0.dropFirst(5)) }),
                  size > (best?.size ?? 0) else { return }
            best = (size, root)
        }
        return best
    }

    /// Checks a bundle's copy of HQ's log against the state the witness cosigned for
    /// this vault, offline (a bundle carried by hand): its first `size` entries must have
    /// the witnessed root, or — a log older than that — be one this vault already holds.
    /// - Throws: `refused` (77) for a fork or an older log this vault cannot check.
    func checkAgainstWitnessed(_ db: Database, log: [SignedAuditEntry], origin: String, bundle: String) throws {
        guard kind != .hq, origin == teamLogOrigin, let seen = try witnessedState(db) else { return }
        let hint = "a bundle from an old or altered copy of HQ's vault, or an old bundle; nothing of it was imported: ask HQ for a fresh one or pull from the server, and tell your security officer"
        if UInt64(log.count) >= seen.size {
            let root = MerkleTree.rootHash(leafHashes: log.prefix(Int(seen.size)).map(\.leafHash))
            guard Encoding.hex(Array(root.prefix(16))) == seen.rootPrefix else {
                throw VaultError.refused(object: bundle, reason: "its copy of HQ's audit log forks from the one the witness cosigned for this vault (size \(seen.size))", hint: hint)
            }
        } else {
            let held = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM foreign_audit WHERE origin = ?", arguments: [origin]) ?? 0
            guard held >= log.count else {
                throw VaultError.refused(object: bundle, reason: "its copy of HQ's audit log (size \(log.count)) is older than the state the witness cosigned for this vault (\(seen.size))", hint: hint)
            }
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
