// SafehouseVault — the vault: members, sealed records, subjects, excerpts, bundles, audit.
//
// Rules of this module:
// - crypto only through SafehouseCrypto; storage only through GRDB (VaultStore)
//   and AtomicOutput (bodies and outputs appear only when complete);
// - nothing describing content (names, kinds, countries, file names, times)
//   is stored in clear: only random ids, sizes, fingerprints and format versions;
// - every security-relevant action appends a signed audit entry in the same
//   transaction as its change, and before any plaintext is released;
// - errors (`VaultError`) name objects by id or path, never by a subject's identity.
import Foundation
import GRDB
import SafehouseCrypto

/// A Safehouse vault: a directory with `vault.sqlite` and `objects/`.
public final class Vault: @unchecked Sendable {
    /// HQ vaults have an officer as root of trust; field vaults trust an exported team keyring.
    public enum Kind: String, Sendable { case hq, field }

    public let directory: String
    let store: VaultStore
    /// This vault's own random id (its audit log's origin).
    public let id: [UInt8]
    /// The team's id: the HQ vault's id, which endorsements sign (equal to `id` at HQ).
    public let teamID: [UInt8]
    public let kind: Kind
    public let root: Fingerprint
    let deviceSeed: SecureBytes

    /// The wall clock, injectable by tests (audit times are clamped to the chain's order).
    public var clock: @Sendable () -> Date = { Date() }
    /// Test hook: runs after an excerpt is redacted and sealed, before the
    /// transaction that records it (to act between the two, as another process could).
    var beforeApproveCommits: (() throws -> Void)?

    /// How far this process has checked that no newer trust entry follows the pointer.
    let trustScan = TrustScanMemo()
    /// The verified members, while the database is unchanged.
    let memberDirectory = MemberDirectoryMemo()

    var objectsDirectory: String { directory + "/objects" }
    /// The audit log's origin line (C2SP checkpoint origin).
    public var origin: String { "safehouse.vault/" + Encoding.hex(id) }

    private init(directory: String, store: VaultStore) throws {
        self.directory = directory
        self.store = store
        let (idHex, teamHex, kindText, rootText, seed) = try store.read { db in
            (try VaultStore.meta(db, "vault_id"), try VaultStore.meta(db, "team_id"), try VaultStore.meta(db, "kind"),
             try VaultStore.meta(db, "root"), try VaultStore.metaBlob(db, "device_seed"))
        }
        guard let idHex, let id = Encoding.unhex(idHex), id.count == 16,
              let teamHex, let teamID = Encoding.unhex(teamHex), teamID.count == 16, let kindText, let kind = Kind(rawValue: kindText),
              let rootText, let root = Fingerprint(text: rootText), let seed, seed.count == Signature.seedBytes else {
            throw VaultError.badData(object: "vault \(directory)", hint: "its settings are missing or damaged; run `safehouse check`")
        }
        self.id = id
        self.teamID = teamID
        self.kind = kind
        self.root = root
        self.deviceSeed = try seed.withUnsafeBytes { try SecureBytes(copying: $0) }
    }

    /// Opens an existing vault.
    public static func open(at directory: String) throws -> Vault {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw VaultError.missing(object: "vault \(directory)", hint: "create it with `safehouse init --vault \(directory) …` or set SAFEHOUSE_VAULT")
        }
        let store = try VaultStore(path: directory + "/vault.sqlite", create: false)
        let vault = try Vault(directory: directory, store: store)
        // A writer killed between naming a file and renaming it leaves a hidden
        // temporary name (ciphertext or a public file); a dead writer's are removed.
        AtomicOutput.sweepStale(in: vault.objectsDirectory)
        AtomicOutput.sweepStale(in: directory)
        return vault
    }

    static func prepareDirectory(_ directory: String) throws -> VaultStore {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory + "/vault.sqlite") {
            throw VaultError.cannotCreate(object: "vault \(directory)", hint: "a vault already exists there")
        }
        do {
            try fm.createDirectory(atPath: directory + "/objects", withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
            chmod(directory, 0o700)
        } catch {
            throw VaultError.cannotCreate(object: "vault \(directory)", hint: "the folder cannot be created")
        }
        return try VaultStore(path: directory + "/vault.sqlite", create: true)
    }

    /// Creates an HQ vault whose root of trust is `officer`.
    public static func createHQ(at directory: String, officer: Identity, card: MemberCard) throws -> Vault {
        guard card.role == .officer else {
            throw VaultError.refused(object: "key \(card.fingerprint)", reason: "only an officer can be the root of an HQ vault", hint: "create an officer key with `safehouse key new --role officer`")
        }
        guard card.fingerprint == officer.fingerprint else {
            throw VaultError.badData(object: "member card", hint: "the card (FILE.pub) does not belong to this secret key")
        }
        let store = try prepareDirectory(directory)
        let id = Random.bytes(16)
        let seed = Random.bytes(Signature.seedBytes)
        try store.write { db in
            try VaultStore.setMeta(db, "vault_id", Encoding.hex(id))
            try VaultStore.setMeta(db, "team_id", Encoding.hex(id))
            try VaultStore.setMeta(db, "kind", Kind.hq.rawValue)
            try VaultStore.setMeta(db, "root", card.fingerprint.compact)
            try VaultStore.setMeta(db, "device_seed", blob: seed)
            try VaultStore.setMeta(db, "format", "2")
        }
        let vault = try Vault(directory: directory, store: store)
        let endorsement = try officer.sign(vault.endorsementMessage(card))
        // The root officer vouches for this vault's device key, which signs team keyrings
        // exported without an officer key.
        let deviceEndorsement = try officer.sign(Vault.deviceEndorsementMessage(vaultID: id, publicKey: try vault.deviceKeyPair().publicKey))
        try vault.store.write { db in
            try VaultStore.setMeta(db, "device_endorsement", blob: deviceEndorsement)
            try vault.insertMember(db, card: card, endorsedBy: card.fingerprint, endorsement: endorsement)
            try vault.appendAudit(db, actor: officer, action: "init", objects: [card.fingerprint.compact], outcome: .ok)
            try vault.sealTrustState(db, by: officer)
        }
        return vault
    }

    /// Creates a field (or editor) vault trusting a signed team keyring.
    /// - Parameter owner: the member whose vault it is; its trust state is bound
    ///   to this key now (else at its first use, see `Vault+Trust`).
    public static func createField(at directory: String, keyring: TeamKeyring, owner: Identity? = nil) throws -> Vault {
        if let owner, !keyring.members.contains(where: { $0.card.fingerprint == owner.fingerprint && $0.status == "active" }) {
            throw VaultError.refused(object: "key \(owner.fingerprint)", reason: "this key is not an active member of the keyring",
                                     hint: "ask the security officer to add your card and export the keyring again")
        }
        let store = try prepareDirectory(directory)
        let seed = Random.bytes(Signature.seedBytes)
        try store.write { db in
            // A field vault has its own id (its own audit log origin) and signs
            // nothing for the team; it checks endorsements against HQ's id.
            try VaultStore.setMeta(db, "vault_id", Encoding.hex(Random.bytes(16)))
            try VaultStore.setMeta(db, "team_id", Encoding.hex(keyring.vaultID))
            try VaultStore.setMeta(db, "kind", Kind.field.rawValue)
            try VaultStore.setMeta(db, "root", keyring.root.compact)
            try VaultStore.setMeta(db, "device_seed", blob: seed)
            try VaultStore.setMeta(db, "format", "2")
            try VaultStore.setMeta(db, "keyring_serial", String(keyring.serial))
        }
        let vault = try Vault(directory: directory, store: store)
        try vault.store.write { db in
            for m in keyring.members {
                try vault.insertMember(db, card: m.card, endorsedBy: m.endorsedBy, endorsement: m.endorsement, status: m.status)
            }
            try vault.appendAudit(db, actor: nil, action: "init-field", objects: [keyring.root.compact], outcome: .ok)
            if let owner { try vault.sealTrustState(db, by: owner) }
        }
        return vault
    }
}
