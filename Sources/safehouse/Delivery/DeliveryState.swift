import Foundation
import SafehouseVault

/// What this vault sent, what waits in its outbox and what HQ acknowledged:
/// `delivery.json` in the vault directory (public data only: hashes, record ids,
/// mailbox fingerprints, signed receipts and acknowledgements). It is bookkeeping,
/// not trust: a purge re-verifies each acknowledgement's officer signature
/// against the vault's own keyring, so an edited file cannot cause one.
struct DeliveryState: Codable {
    struct Sent: Codable {
        var object: String
        var to: String
        var records: [String]
        /// Header digests of what was sent (HQ: a changed excerpt is sent again).
        var digests: [String: String]
        var receipt: String
        var signature: String
        var server: String
    }
    /// A bundle exported and spooled but not yet receipted (resumed by the next push).
    struct Outbox: Codable {
        var file: String
        var object: String
        var size: UInt64
        var to: String
        var records: [String]
        var digests: [String: String]
    }
    struct StoredAck: Codable, Equatable {
        var ack: String
        var signature: String
    }

    /// Server URL → its receipt key (base64), pinned at first use.
    var serverKeys: [String: String] = [:]
    var sent: [Sent] = []
    var outbox: [Outbox] = []
    var acks: [StoredAck] = []

    static func path(_ vault: Vault) -> String { vault.directory + "/delivery.json" }

    static func load(_ vault: Vault) throws -> DeliveryState {
        let p = path(vault)
        guard FileManager.default.fileExists(atPath: p) else { return DeliveryState() }
        guard let data = FileManager.default.contents(atPath: p), let s = try? JSONDecoder().decode(DeliveryState.self, from: data) else {
            throw VaultError.badData(object: p, hint: "the delivery bookkeeping is damaged; move it aside and push again (the server deduplicates)")
        }
        return s
    }

    /// Written atomically and fsynced (`PublicFile`, mode 0600): never half a file.
    func save(_ vault: Vault) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try PublicFile.write([UInt8](try enc.encode(self)), to: Self.path(vault), overwrite: true, secret: true)
    }

    /// Record ids HQ acknowledged, each by a signature of an active officer of `members`
    /// over an acknowledgement of an object this vault sent.
    func acknowledgedRecords(members: [Member], me: String) -> Set<String> {
        var out = Set<String>()
        for stored in acks {
            guard let ack = DeliveryAck.parse(stored.ack), ack.from == me, let sig = Data(base64Encoded: stored.signature),
                  ack.verifiedSigner([UInt8](sig), members: members) != nil else { continue }
            let sentRecords = Set(sent.filter { $0.object == ack.object && $0.to == "hq" }.flatMap(\.records))
            out.formUnion(ack.records.filter { sentRecords.contains($0) })
        }
        return out
    }
}

/// An exclusive lock on the vault's delivery bookkeeping for one push or pull.
final class DeliveryLock {
    private let fd: Int32
    init(_ vault: Vault) throws {
        fd = open(vault.directory + "/delivery.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VaultError.io(object: vault.directory + "/delivery.lock", detail: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX) == 0 else { close(fd); throw VaultError.io(object: vault.directory + "/delivery.lock", detail: "cannot lock") }
    }
    deinit { flock(fd, LOCK_UN); close(fd) }
}
