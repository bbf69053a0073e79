import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// The vault's trust anchor: what decides whom a seal is encrypted to must be
/// authenticated by a key that is not on the disk.
///
/// - The whole trust state — vault and team ids, root, keyring serial, every
///   member row (card, endorsement, status) and the device key — hashes to a
///   digest that a member signs in an audit entry: at HQ the acting officer
///   after every change of the member set (`team-state`), in a field or editor
///   vault its owner when binding it to a keyring (`trust-bind`). Before the
///   members are used, the current state must hash to the digest of the entry
///   `meta.trust_seq` points at, and no later such entry may exist. An offline
///   edit of the members, a status, the root or a rollback to an older state is
///   refused (65).
/// - An HQ vault's first audit entry (`init`) is signed by the root officer and
///   names the root fingerprint; `meta.root` must match it, so the officer who
///   signs a `team-state` entry must chain to the real root.
/// - In a field or editor vault only the owner may act.
extension Vault {
    /// The trust-state digest a `trust-bind` entry names (hex BLAKE2b-256).
    func trustDigest(_ db: Database) throws -> String {
        let h = GenericHash(length: 32)
        func field(_ bytes: [UInt8]) { h.update(Self.u32(bytes.count)); h.update(bytes) }
        field(Array("safehouse trust v1".utf8))
        field(id); field(teamID); field(Array(kind.rawValue.utf8)); field(Array(root.compact.utf8))
        field(Array((try VaultStore.meta(db, "keyring_serial") ?? "0").utf8))
        field(try deviceKeyPair().publicKey)
        let rows = try Row.fetchAll(db, sql: "SELECT fingerprint, card, endorsed_by, endorsement, status FROM members ORDER BY fingerprint")
        for row in rows {
            let fp: String = try row.value("fingerprint", of: "members table"), card: String = try row.value("card", of: "member \(fp)"),
                by: String = try row.value("endorsed_by", of: "member \(fp)"), sig: Data = try row.value("endorsement", of: "member \(fp)"),
                status: String = try row.value("status", of: "member \(fp)")
            field(Array(fp.utf8)); field(Array(card.utf8)); field(Array(by.utf8)); field([UInt8](sig)); field(Array(status.utf8))
        }
        return Encoding.hex(h.finalize())
    }

    static func u32(_ n: Int) -> [UInt8] { [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] }

    /// The member a field or editor vault is bound to, if any.
    func trustOwner(_ db: Database) throws -> Fingerprint? {
        try VaultStore.meta(db, "trust_owner").flatMap(Fingerprint.init(text:))
    }

    private var trustBroken: VaultError {
        .badData(object: "vault \(directory)",
                 hint: "its trust state (root, keyring, members) was changed outside safehouse; do not seal here: re-create the vault from HQ's keyring or apply one with `safehouse team update`")
    }

    /// The action of the entries that seal the trust state: the owner's in a field
    /// or editor vault, the acting officer's at HQ (after every change of the member set).
    var trustAction: String { kind == .hq ? "team-state" : "trust-bind" }

    /// Checks the trust anchor against the members as stored (see the type's notes).
    func verifyTrustAnchor(_ db: Database, members: [Member]) throws {
        if kind == .hq {
            guard let row = try Row.fetchOne(db, sql: "SELECT entry, signer_key, signature FROM audit WHERE seq = 0"),
                  let signed = Self.signedEntry(row), signed.entry.action == "init", signed.entry.actor == root.compact,
                  signed.entry.objects.first == root.compact,
                  let rootCard = members.first(where: { $0.fingerprint == root })?.card,
                  signed.signerKey == rootCard.signKey, signed.verifySignature() else {
                throw VaultError.badData(object: "vault \(directory)",
                                         hint: "its root of trust does not match the root officer's signed first audit entry (edited offline?)")
            }
        }
        guard let seqText = try VaultStore.meta(db, "trust_seq") else {
            // A vault never bound (field: made without --identity) may hold nothing yet.
            let objects = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") ?? 0
            guard kind != .hq, objects == 0, try trustOwner(db) == nil else { throw trustBroken }
            return
        }
        guard let seq = Int64(seqText),
              let row = try Row.fetchOne(db, sql: "SELECT entry, signer_key, signature FROM audit WHERE seq = ?", arguments: [seq]),
              let signed = Self.signedEntry(row), signed.entry.action == trustAction,
              let signer = members.first(where: { $0.fingerprint.compact == signed.entry.actor }),
              signed.signerKey == signer.card.signKey, signed.verifySignature(),
              kind == .hq ? signer.card.role == .officer : signer.fingerprint == (try trustOwner(db)),
              signed.entry.objects.first == "trust:" + (try trustDigest(db)) else { throw trustBroken }
        // The pointer names the newest such entry: rolling the members back to an older
        // signed state (an older keyring, a removed member made active) is refused too.
        // Entries already scanned in this process are not scanned again.
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0
        let from = trustScan.resume(pointer: seq, newest: newest)
        let later = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE seq > ? AND instr(entry, ?) > 0",
                                     arguments: [from, Data(Array("\naction \(trustAction)\n".utf8))]) ?? 0
        guard later == 0 else { throw trustBroken }
        trustScan.record(pointer: seq, scannedTo: newest)
    }

    /// Full check for `check`: in a field or editor vault every `trust-bind` entry is the owner's.
    func verifyTrustHistory(_ db: Database) throws {
        guard kind != .hq else { return }
        let owner = try trustOwner(db)
        try forEachAuditEntry(db) { e in
            guard e.entry.action == "trust-bind" else { return }
            guard e.entry.actor == owner?.compact else { throw trustBroken }
        }
    }

    /// Seals the current trust state under `signer`: binds a field or editor vault to
    /// its owner (at `init --team --identity`, at `team update`), or records HQ's
    /// member set after a change, signed by the acting officer.
    func sealTrustState(_ db: Database, by signer: Identity) throws {
        let digest = try trustDigest(db)
        let device = try deviceKeyPair().publicKey
        try appendAudit(db, actor: signer, action: trustAction, objects: ["trust:" + digest, "device:" + Encoding.hex(device)], outcome: .ok)
        let seq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0
        try VaultStore.setMeta(db, "trust_seq", String(seq))
        guard kind != .hq else { return }
        try VaultStore.setMeta(db, "trust_owner", signer.fingerprint.compact)
        // The owner vouches for the device key, which signs bundles exported without a key.
        try VaultStore.setMeta(db, "device_endorsement", blob: try signer.sign(Self.deviceEndorsementMessage(vaultID: id, publicKey: device)))
        try VaultStore.setMeta(db, "device_endorser", signer.fingerprint.compact)
    }

    /// In a field or editor vault only its owner acts: an unbound vault is refused
    /// (77) until its owner binds it with a keyring from HQ, and anyone else is refused.
    func requireTrustOwner(_ db: Database, _ identity: Identity, action: String) throws {
        guard kind != .hq else { return }
        let owner = try trustOwner(db)
        guard owner == identity.fingerprint else {
            try appendAudit(db, actor: nil, claimedActor: identity.fingerprint.compact, action: action, objects: [],
                            outcome: .refused, reason: owner == nil ? "vault-not-bound" : "not-the-vault-owner")
            throw RefusalCommitted(error: owner == nil
                ? .refused(object: "vault \(directory)", reason: "this vault is not bound to its owner's key yet",
                           hint: "bind it to your key with the keyring from HQ: `safehouse team update TEAMFILE --vault \(directory) --identity KEY`")
                : .refused(object: "vault \(directory)", reason: "this vault is bound to another member's key",
                           hint: "each member keeps a vault of their own, made with `safehouse init --team TEAMFILE --identity KEY`"))
        }
    }

    /// What a key signs to vouch for a vault's device key (the root officer at HQ,
    /// the owner in the field).
    static func deviceEndorsementMessage(vaultID: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        Array("safehouse device v1\nvault: \(Encoding.hex(vaultID))\nkey: \(Encoding.base64(publicKey))\n".utf8)
    }

    /// The device key's endorsement and its endorser, for bundles exported without a key.
    func deviceEndorsement(_ db: Database) throws -> (endorser: Fingerprint, signature: [UInt8])? {
        guard let sig = try VaultStore.metaBlob(db, "device_endorsement") else { return nil }
        let endorser = kind == .hq ? root : try VaultStore.meta(db, "device_endorser").flatMap(Fingerprint.init(text:))
        return endorser.map { ($0, sig) }
    }

    static func signedEntry(_ row: Row) -> SignedAuditEntry? {
        guard let entry: Data = try? row.value("entry", of: "audit log"), let key: Data = try? row.value("signer_key", of: "audit log"),
              let sig: Data = try? row.value("signature", of: "audit log"), let parsed = try? AuditEntry.parse(canonical: [UInt8](entry)) else { return nil }
        return SignedAuditEntry(entry: parsed, signerKey: [UInt8](key), signature: [UInt8](sig))
    }
}

/// One difference between a vault's keyring and a newer one.
public struct KeyringChange: Sendable, Equatable {
    public enum Kind: String, Sendable { case added, removed, status }
    public let kind: Kind
    public let name: String
    public let role: String
    public let fingerprint: Fingerprint
    /// For `.status`: the old and the new status; for `.added`: the new status.
    public let from: String?
    public let to: String?
}

extension Vault {
    /// `team update`: applies a newer officer-signed keyring of the same team and
    /// root to a field or editor vault, atomically, and binds the vault's trust
    /// state to `owner`. An older or equal serial is refused (65), unless the vault
    /// was never bound (then the same serial binds it).
    /// - Returns: what changed, member by member.
    public func updateTeam(_ ring: TeamKeyring, by owner: Identity) throws -> [KeyringChange] {
        guard kind != .hq else {
            throw VaultError.usage("an HQ vault's team is its own: `safehouse team add` and `team remove` change it")
        }
        return try store.write { db in
            guard ring.vaultID == teamID, ring.root == root else {
                throw VaultError.badData(object: "keyring", hint: "it belongs to another team or root of trust than this vault's; use the keyring of your own HQ")
            }
            if let bound = try trustOwner(db), bound != owner.fingerprint {
                try requireTrustOwner(db, owner, action: "team-update")
            }
            guard ring.members.contains(where: { $0.card.fingerprint == owner.fingerprint && $0.status == "active" }) else {
                throw VaultError.refused(object: "key \(owner.fingerprint)", reason: "this key is not an active member of the keyring",
                                         hint: "ask the security officer whether you were removed; use your current key")
            }
            let current = try keyringSerial(db)
            let bound = try trustOwner(db) != nil
            guard ring.serial > current || (!bound && ring.serial == current) else {
                throw VaultError.badData(object: "keyring", hint: "its serial \(ring.serial) is not newer than this vault's \(current): an old keyring cannot replace a newer one; ask HQ for a fresh `team export`")
            }
            var old: [String: (card: MemberCard, status: String)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT card, status FROM members") {
                guard let text = row["card"] as String?, let card = try? MemberCard.parse(text, object: "member"), let status = row["status"] as String? else { continue }
                old[card.fingerprint.compact] = (card, status)
            }
            var changes: [KeyringChange] = []
            for m in ring.members {
                let fp = m.card.fingerprint
                if let o = old.removeValue(forKey: fp.compact) {
                    if o.status != m.status {
                        changes.append(.init(kind: .status, name: m.card.name, role: m.card.role.rawValue, fingerprint: fp, from: o.status, to: m.status))
                    }
                } else {
                    changes.append(.init(kind: .added, name: m.card.name, role: m.card.role.rawValue, fingerprint: fp, from: nil, to: m.status))
                }
            }
            for (_, o) in old.sorted(by: { $0.key < $1.key }) {
                changes.append(.init(kind: .removed, name: o.card.name, role: o.card.role.rawValue, fingerprint: o.card.fingerprint, from: o.status, to: nil))
            }
            try db.execute(sql: "DELETE FROM members")
            for m in ring.members {
                try insertMember(db, card: m.card, endorsedBy: m.endorsedBy, endorsement: m.endorsement, status: m.status)
            }
            try VaultStore.setMeta(db, "keyring_serial", String(ring.serial))
            try appendAudit(db, actor: owner, action: "team-update", objects: ["serial:\(ring.serial)", "changes:\(changes.count)"], outcome: .ok)
            try sealTrustState(db, by: owner)
            return changes
        }
    }
}

/// Remembers, per process, up to which audit seq the log was checked for a trust
/// entry newer than the pointer, so each lookup scans only what was appended since.
final class TrustScanMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var pointer: Int64 = -1
    private var scannedTo: Int64 = -1

    /// The seq to scan after: the pointer itself, or what was already scanned for it.
    func resume(pointer p: Int64, newest: Int64) -> Int64 {
        lock.lock(); defer { lock.unlock() }
        return pointer == p && scannedTo <= newest ? max(p, scannedTo) : p
    }

    func record(pointer p: Int64, scannedTo s: Int64) {
        lock.lock(); defer { lock.unlock() }
        pointer = p; scannedTo = s
    }
}

/// The verified member directory, kept for as long as the database is
/// unchanged: the same connection, no commit by another connection since
/// (`PRAGMA data_version`), and no change on this one (`totalChangesCount`).
/// Verifying every card, endorsement and the trust anchor costs one Ed25519
/// check per member; a command that loads 5,000 headers did it 5,000 times.
final class MemberDirectoryMemo: @unchecked Sendable {
    struct Key: Equatable { let connection: ObjectIdentifier; let dataVersion: Int; let changes: Int }
    private let lock = NSLock()
    private var key: Key?
    /// The connection itself, weakly: a closed connection whose address is reused
    /// by a new one (with counters starting afresh) never matches.
    private weak var connection: Database?
    private var members: [Member] = []

    static func key(_ db: Database) throws -> Key {
        Key(connection: ObjectIdentifier(db), dataVersion: try Int.fetchOne(db, sql: "PRAGMA data_version") ?? -1, changes: db.totalChangesCount)
    }

    func lookup(_ k: Key, _ db: Database) -> [Member]? {
        lock.lock(); defer { lock.unlock() }
        return key == k && connection === db ? members : nil
    }

    func store(_ k: Key, _ db: Database, _ m: [Member]) {
        lock.lock(); defer { lock.unlock() }
        key = k; connection = db; members = m
    }
}
