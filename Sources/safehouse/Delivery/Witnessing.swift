import Foundation
import SafehouseAudit
import SafehouseCrypto
import SafehouseVault

/// The client side of the witness (Docs/SERVER.md, "Witness"): an HQ officer has
/// the team server cosign checkpoints of HQ's log (`audit witness`, and before
/// every HQ push); field and editor vaults check that HQ material they pull
/// carries a log state the witness cosigned. Cosignatures are verified with the
/// server key this vault pinned at first use, officer signatures against the
/// vault's own keyring, so the server can refuse but not vouch for a forgery.
struct Witnessing {
    let vault: Vault
    let me: Identity
    let client: ServerClient
    /// The server key pinned in `delivery.json`.
    let serverKey: [UInt8]

    static let addPath = "/v1/witness/add-checkpoint"
    var directory: String { vault.directory + "/witness" }

    /// The cosigned checkpoint the witness holds, the latest or the one at `size`; nil
    /// when it never cosigned one (there). Both signatures are verified.
    func fetch(size: UInt64? = nil) throws -> Checkpoint? {
        let path = "/v1/witness/checkpoint" + (size.map { "?size=\($0)" } ?? "")
        let reply: ServerClient.Reply
        do { reply = try client.send("GET", path) } catch let e as VaultError where e.exitCode == 66 { return nil }
        let object = "the witnessed checkpoint\(size.map { " at size \($0)" } ?? "") on \(client.serverName)"
        let cp = try vault.verifyTeamCheckpoint(String(decoding: reply.body, as: UTF8.self), object: object)
        guard Cosignature.verifiedTime(cp, publicKey: serverKey) != nil else {
            throw VaultError.badData(object: object, hint: "its cosignature does not verify with the server key this vault pinned")
        }
        if let size, cp.size != size { throw VaultError.badData(object: object, hint: "the server answered with a checkpoint of another size") }
        return cp
    }

    private func rolledBack(_ why: String) -> VaultError {
        .refused(object: "vault \(vault.directory)", reason: why,
                 hint: "this vault was restored from an older copy or altered; do not use it: tell your security officer, who holds the newer vault or its checkpoints")
    }

    /// Signs a checkpoint of the current log, proves it consistent with what the
    /// witness holds, and stores the cosigned checkpoint in the vault.
    /// - Returns: the cosigned checkpoint and the file it was stored in.
    /// - Throws: `.refused` (77) when the witness holds a larger or forked log.
    @discardableResult
    func witness() throws -> (Checkpoint, String) {
        let cp = try vault.checkpoint(by: me)
        let leaves = try vault.auditLeafHashes()
        guard UInt64(leaves.count) >= cp.size else { throw VaultError.badData(object: "audit log", hint: "it shrank while being read") }
        let latest = try fetch()
        var proof: [[UInt8]] = []
        if let latest, latest.size < cp.size {
            // The witness would refuse the proof (422); say what it means instead.
            guard latest.size == 0 || MerkleTree.rootHash(leafHashes: Array(leaves.prefix(Int(latest.size)))) == latest.root else {
                throw rolledBack("this vault's audit log forked from what the witness cosigned at size \(latest.size): its entries differ from the log the witness saw")
            }
            if latest.size > 0 { proof = try MerkleTree.consistencyProof(from: latest.size, to: cp.size, leafHashes: leaves) }
        }
        let body = WitnessRequest(oldSize: latest?.size ?? 0, proof: proof, checkpoint: cp).text
        let reply = try client.raw("POST", Self.addPath, body: Array(body.utf8), contentType: "text/plain")
        if reply.status == 409 {
            let text = String(decoding: reply.body, as: UTF8.self)
            guard let stored = UInt64(text.trimmingCharacters(in: .newlines)) else {
                throw VaultError.badData(object: client.serverName, hint: "its 409 answer carries no size")
            }
            if stored > cp.size {
                throw rolledBack("this vault's audit log (\(cp.size) entries) is older than the \(stored) entries the witness cosigned (the witness answered 409): a rolled-back vault")
            }
            if stored == cp.size {
                throw rolledBack("this vault's audit log forked from what the witness cosigned at size \(stored) (the witness answered 409)")
            }
            throw VaultError.temporary(object: client.serverName, hint: "another checkpoint was cosigned meanwhile (size \(stored)); run the command again")
        }
        try client.check(reply, method: "POST", path: Self.addPath)
        let lines = String(decoding: reply.body, as: UTF8.self)
        guard let cosigned = try? Checkpoint.parse(cp.text + lines), cosigned.body == cp.body,
              Cosignature.verifiedTime(cosigned, publicKey: serverKey) != nil else {
            throw VaultError.badData(object: client.serverName, hint: "its cosignature does not verify with the server key this vault pinned")
        }
        return (cosigned, try store(cosigned))
    }

    /// Writes `witness/checkpoint-<size>.txt` (atomically, fsynced: `PublicFile`).
    private func store(_ cp: Checkpoint) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/checkpoint-\(cp.size).txt"
        try PublicFile.write(Array(cp.text.utf8), to: path, overwrite: true)
        return path
    }
}

/// `pull`'s check of HQ material (field and editor vaults): the manifest's log state
/// must be one the witness cosigned, and the witness must not have gone back.
final class WitnessGate {
    let witnessing: Witnessing
    private(set) var latest: Checkpoint?

    init(_ witnessing: Witnessing) { self.witnessing = witnessing }

    private var vault: Vault { witnessing.vault }

    private func refused(_ why: String, hint: String) -> VaultError {
        .refused(object: "HQ material from \(witnessing.client.serverName)", reason: why, hint: hint)
    }

    /// Fetches and verifies the latest cosigned checkpoint, refuses one older than the
    /// vault already saw, and records a larger one in the vault's signed log.
    func load() throws {
        latest = try witnessing.fetch()
        let seen = try vault.witnessedHighWater()
        guard (latest?.size ?? 0) >= seen else {
            throw refused("the server's witness serves HQ's log at size \(latest?.size ?? 0), but this vault already saw it cosigned at \(seen)",
                          hint: "the server was rolled back or swapped; nothing was imported: tell your security officer")
        }
        if let latest { try vault.recordWitnessed(size: latest.size, root: latest.root, by: witnessing.me) }
    }

    /// Refuses HQ material whose log state the witness never cosigned.
    func check(_ state: BundleLogState) throws {
        guard state.origin == vault.teamID else { return }
        let hint = "HQ's vault that sent it is rolled back or forked, or the server replays old material; nothing of it was imported: tell your security officer"
        guard let latest else { throw refused("its audit log state was never witnessed", hint: hint) }
        guard state.size <= latest.size else {
            throw refused("its audit log (size \(state.size)) is larger than anything the witness cosigned (\(latest.size))", hint: hint)
        }
        let at = state.size == latest.size ? latest : try witnessing.fetch(size: state.size)
        guard let at, at.root == state.root else {
            throw refused("its audit log state (size \(state.size)) is not in the witness's history: older than what was witnessed, or forked", hint: hint)
        }
    }
}
