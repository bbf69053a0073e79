import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// The vault's trust anchor: what decides whom a seal is encrypted to must be
/// authenticated by a key that is not on the disk.
///
/// - An HQ vault's first audit entry (`init`) is signed by the root officer
///   and names the root fingerprint; `meta.root` must match it. Rewriting that
///   entry would need every later signer's key.
/// - A field or editor vault is *bound* to its user (the owner): the owner signs
///   a `trust-bind` audit entry naming a digest of the whole trust state — vault
///   and team ids, root, keyring serial, every member row and the device key.
///   Before the vault is used, the current state must hash to the digest of the
///   entry `meta.trust_seq` points at, signed by `meta.trust_owner`; only the owner
///   may act in it. An offline edit of the members, the root or the statuses is
///   refused (65), and `check` also requires every `trust-bind` to be the owner's
///   and the pointer to name the newest one.
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
            guard let fp = row["fingerprint"] as String?, let card = row["card"] as String?, let by = row["endorsed_by"] as String?,
                  let sig = row["endorsement"] as Data?, let status = row["status"] as String? else {
                throw VaultError.badData(object: "vault \(directory)", hint: "its member table is damaged; run `safehouse check`")
            }
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
            return
        }
        guard let seqText = try VaultStore.meta(db, "trust_seq") else {
            // Unbound: allowed only while nothing was ever done in the vault.
            let objects = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") ?? 0
            let entries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit") ?? 0
            guard objects == 0, entries <= 1, try trustOwner(db) == nil else { throw trustBroken }
            return
        }
        guard let seq = Int64(seqText), let owner = try trustOwner(db),
              let ownerCard = members.first(where: { $0.fingerprint == owner })?.card,
              let row = try Row.fetchOne(db, sql: "SELECT entry, signer_key, signature FROM audit WHERE seq = ?", arguments: [seq]),
              let signed = Self.signedEntry(row), signed.entry.action == "trust-bind", signed.entry.actor == owner.compact,
              signed.signerKey == ownerCard.signKey, signed.verifySignature(),
              signed.entry.objects.first == "trust:" + (try trustDigest(db)) else { throw trustBroken }
    }

    /// Full check for `check`: every `trust-bind` entry is the owner's and the pointer names the newest.
    func verifyTrustHistory(_ db: Database) throws {
        guard kind != .hq else { return }
        let owner = try trustOwner(db)
        var newest: Int64?
        try forEachAuditEntry(db) { e in
            guard e.entry.action == "trust-bind" else { return }
            guard e.entry.actor == owner?.compact else { throw trustBroken }
            newest = Int64(e.entry.seq)
        }
        guard newest.map(String.init) == (try VaultStore.meta(db, "trust_seq")) else { throw trustBroken }
    }

    /// Binds a field or editor vault's current trust state to `owner` (at `init --team
    /// --identity`, at its first use, and when the owner applies a new keyring).
    func bindTrust(_ db: Database, owner: Identity) throws {
        let digest = try trustDigest(db)
        let device = try deviceKeyPair().publicKey
        try appendAudit(db, actor: owner, action: "trust-bind", objects: ["trust:" + digest, "device:" + Encoding.hex(device)], outcome: .ok)
        let seq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0
        try VaultStore.setMeta(db, "trust_owner", owner.fingerprint.compact)
        try VaultStore.setMeta(db, "trust_seq", String(seq))
        // The owner vouches for the device key, which signs bundles exported without a key.
        try VaultStore.setMeta(db, "device_endorsement", blob: try owner.sign(Self.deviceEndorsementMessage(vaultID: id, publicKey: device)))
        try VaultStore.setMeta(db, "device_endorser", owner.fingerprint.compact)
    }

    /// In a field or editor vault: binds an unbound vault to `identity` at its first
    /// use, and refuses (77) anyone but the owner of a bound one.
    func requireTrustOwner(_ db: Database, _ identity: Identity, action: String) throws {
        guard kind != .hq else { return }
        guard let owner = try trustOwner(db) else {
            try bindTrust(db, owner: identity)
            return
        }
        guard owner == identity.fingerprint else {
            try appendAudit(db, actor: nil, claimedActor: identity.fingerprint.compact, action: action, objects: [],
                            outcome: .refused, reason: "not-the-vault-owner")
            throw RefusalCommitted(error: .refused(object: "vault \(directory)", reason: "this vault is bound to another member's key",
                                                   hint: "each member keeps a vault of their own, made with `safehouse init --team`"))
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
        guard let entry = row["entry"] as Data?, let key = row["signer_key"] as Data?, let sig = row["signature"] as Data?,
              let parsed = try? AuditEntry.parse(canonical: [UInt8](entry)) else { return nil }
        return SignedAuditEntry(entry: parsed, signerKey: [UInt8](key), signature: [UInt8](sig))
    }
}
