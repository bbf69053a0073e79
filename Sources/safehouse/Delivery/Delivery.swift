import Foundation
import SafehouseAudit
import SafehouseCrypto
import SafehouseVault

/// `push`, `pull` and `status` against the team server. Everything that crosses
/// the network is a signed bundle (`Vault.exportBundle`) and is imported through
/// `Vault.importBundle`, so the server is trusted for nothing but delivery.
struct Delivery {
    let vault: Vault
    let me: Identity
    let client: ServerClient
    let quiet: Bool
    static let hq = "hq"

    var transfers: Transfers { Transfers(client: client) }
    var outboxDir: String { vault.directory + "/outbox" }
    var inboxDir: String { vault.directory + "/inbox" }

    // MARK: - push

    func push(ids: [String], all: Bool, purge: Bool) throws {
        let lock = try DeliveryLock(vault)
        defer { withExtendedLifetime(lock) {} }
        var state = try DeliveryState.load(vault)
        let key = try transfers.pinServerKey(&state)
        try state.save(vault)
        // What an earlier push spooled but did not finish goes first (resume).
        try flushOutbox(&state, key: key)
        if !ids.isEmpty || all {
            let plans = vault.kind == .field ? try fieldPlan(ids: ids, state: state) : try hqPlans(ids: ids, state: state)
            if plans.isEmpty { Output.note("nothing new to push") }
            for plan in plans {
                // HQ's log is witnessed at the very state this bundle's manifest carries,
                // so members can tell it from a rolled-back or forked HQ vault's.
                let witnessed = vault.kind == .hq ? try Witnessing(vault: vault, me: me, client: client, serverKey: key).witness().0 : nil
                let item = try spool(plan, witnessed: witnessed)
                state.outbox.append(item)
                try state.save(vault)
                try flushOutbox(&state, key: key)
            }
        }
        if purge { try purgeConfirmed(&state) }
    }

    private struct Plan { let to: String; let ids: [String]; let digests: [String: String] }

    private func fieldPlan(ids: [String], state: DeliveryState) throws -> [Plan] {
        let records = try vault.objectIDs(types: [.record])
        var chosen: [String]
        if ids.isEmpty {
            let done = Set(state.sent.flatMap(\.records) + state.outbox.flatMap(\.records))
            chosen = records.filter { !done.contains($0) }
        } else {
            let known = Set(records)
            for i in ids where !known.contains(i) {
                throw VaultError.missing(object: "record \(i)", hint: "`safehouse list` shows this vault's records; purged records are gone")
            }
            chosen = ids
        }
        guard !chosen.isEmpty else { return [] }
        return [Plan(to: Self.hq, ids: chosen, digests: try vault.headerDigests(ids: chosen))]
    }

    /// HQ → each grantee: the excerpts granted to them, plus any excerpt sent to them
    /// before whose signed header changed since (a revocation re-keys it).
    private func hqPlans(ids: [String], state: DeliveryState) throws -> [Plan] {
        let active = Dictionary(try vault.members().filter(\.isActive).map { ($0.fingerprint.compact, $0) }, uniquingKeysWith: { a, _ in a })
        let excerpts = Set(try vault.objectIDs(types: [.excerpt]))
        var wanted: [String: [String]] = [:]
        for g in try vault.grantedExcerpts() where excerpts.contains(g.excerpt) { wanted[g.member.compact, default: []].append(g.excerpt) }
        var last: [String: [String: String]] = [:]
        for s in state.sent where s.to != Self.hq {
            for (k, v) in s.digests { last[s.to, default: [:]][k] = v }
            for r in s.records where excerpts.contains(r) && !(wanted[s.to]?.contains(r) ?? false) { wanted[s.to, default: []].append(r) }
        }
        let only = Set(ids)
        if !ids.isEmpty {
            for i in ids where !excerpts.contains(i) {
                throw VaultError.missing(object: "excerpt \(i)", hint: "from HQ, push sends excerpts to their grantees; `safehouse list` shows them")
            }
        }
        var plans: [Plan] = []
        for member in wanted.keys.sorted() where active[member] != nil {
            var chosen = wanted[member]!
            if !ids.isEmpty { chosen = chosen.filter { only.contains($0) } }
            let digests = try vault.headerDigests(ids: chosen)
            let changed = chosen.filter { digests[$0] != last[member]?[$0] }
            if !changed.isEmpty { plans.append(Plan(to: member, ids: changed, digests: digests.filter { changed.contains($0.key) })) }
        }
        return plans
    }

    /// Exports the bundle into the outbox (ciphertext only), fsynced, before any upload.
    private func spool(_ plan: Plan, witnessed: Checkpoint?) throws -> DeliveryState.Outbox {
        try FileManager.default.createDirectory(atPath: outboxDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = outboxDir + "/" + UUID().uuidString.lowercased() + ".bundle"
        let bar = ProgressBar(label: "bundling", quiet: quiet)
        let log = try vault.exportBundle(ids: plan.ids, to: file, by: me, overwrite: false, progress: bar.update)
        if let witnessed, log.size != witnessed.size || log.root != witnessed.root {
            unlink(file)
            throw VaultError.temporary(object: "vault \(vault.directory)",
                                       hint: "its audit log changed between the witness's cosignature and the export (another command ran); push again")
        }
        let (sha, size) = try Transfers.hashFile(file)
        return DeliveryState.Outbox(file: file, object: sha, size: size, to: plan.to, records: plan.ids, digests: plan.digests)
    }

    private func flushOutbox(_ state: inout DeliveryState, key: [UInt8]) throws {
        while let item = state.outbox.first {
            let bar = ProgressBar(label: "uploading", quiet: quiet)
            let receipt: String, sig: String
            do {
                (receipt, sig) = try transfers.upload(item, serverKey: key, me: me.fingerprint.compact, progress: bar.update)
            } catch let e as VaultError where e.exitCode == 65 || e.exitCode == 66 {
                // A spooled bundle damaged on this disk would be refused forever: drop it, so
                // the next push exports its records again (nothing of it was delivered).
                if (try? Transfers.hashFile(item.file))?.0 != item.object {
                    state.outbox.removeFirst()
                    try state.save(vault)
                    unlink(item.file)
                    Output.note("the spooled bundle in \(outboxDir) was damaged and is dropped; push again to send its records anew")
                }
                throw e
            }
            state.outbox.removeFirst()
            state.sent.append(.init(object: item.object, to: item.to, records: item.records, digests: item.digests,
                                    receipt: receipt, signature: sig, server: client.base))
            try state.save(vault)
            unlink(item.file)
            Output.note("sent \(item.records.count) object(s) to \(item.to == Self.hq ? "HQ" : "member \(item.to.prefix(8))") (receipt \(item.object.prefix(12)))")
        }
    }

    private func purgeConfirmed(_ state: inout DeliveryState) throws {
        guard vault.kind == .field else { throw VaultError.usage("--purge-confirmed is for field vaults: HQ keeps its material") }
        try fetchAcks(&state)
        let confirmed = state.acknowledgedRecords(members: try vault.members(), me: me.fingerprint.compact)
        let present = Set(try vault.objectIDs(types: [.record]))
        let purge = present.intersection(confirmed).sorted()
        let purged = try vault.purgeAcknowledged(purge, by: me)
        for id in purged { Output.print(id) }
        Output.note("purged \(purged.count) record(s) HQ acknowledged; \(present.count - purged.count) kept (not yet acknowledged)")
    }

    private func fetchAcks(_ state: inout DeliveryState) throws {
        let reply = try client.send("GET", "/v1/acks")
        for a in (reply.json?["acks"] as? [[String: Any]]) ?? [] {
            guard let text = a["ack"] as? String, let sig = a["signature"] as? String else { continue }
            let stored = DeliveryState.StoredAck(ack: text, signature: sig)
            if !state.acks.contains(stored) { state.acks.append(stored) }
        }
        try state.save(vault)
    }

    // MARK: - pull

    func pull() throws {
        let lock = try DeliveryLock(vault)
        defer { withExtendedLifetime(lock) {} }
        var state = try DeliveryState.load(vault)
        let key = try transfers.pinServerKey(&state)
        try state.save(vault)
        if vault.kind != .hq { try applyNewerKeyring() }
        let list = try client.send("GET", "/v1/mailbox")
        let entries = (list.json?["entries"] as? [[String: String]]) ?? []
        // Field and editor vaults take HQ material only at a log state the witness cosigned.
        var gate: WitnessGate?
        if vault.kind != .hq && !entries.isEmpty {
            gate = WitnessGate(Witnessing(vault: vault, me: me, client: client, serverKey: key))
            try gate?.load()
        }
        try FileManager.default.createDirectory(atPath: inboxDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var failure: Error?
        var imported = 0
        for e in entries {
            guard let seq = e["seq"], let object = e["object"], Hex.decode(object)?.count == 32, let from = e["from"],
                  let size = e["size"].flatMap(UInt64.init) else {
                throw VaultError.badData(object: client.serverName, hint: "its mailbox listing is malformed")
            }
            let file = inboxDir + "/" + object + ".bundle"
            defer { unlink(file) }
            do {
                try transfers.download(object: object, size: size, to: file, progress: ProgressBar(label: "downloading", quiet: quiet).update)
                // Exactly `bundle import`: the manifest, every signature and hash, the audit chain, versions.
                let check: ((BundleLogState) throws -> Void)? = gate.map { g in { log in try g.check(log) } }
                let report = try vault.importBundle(path: file, by: me, progress: ProgressBar(label: "verifying", quiet: quiet).update,
                                                    logGate: check)
                for id in report.imported { Output.print(id) }
                imported += report.imported.count
                Output.note("imported \(report.imported.count) object(s), \(report.alreadyPresent.count) already present from \(from.prefix(8))")
                if !report.quarantined.isEmpty {
                    Output.note("quarantined \(report.quarantined.count) object(s); `safehouse quarantine list` shows them")
                }
                let ack = DeliveryAck(object: object, from: from, by: me.fingerprint, records: report.imported + report.alreadyPresent)
                let body = try JSONSerialization.data(withJSONObject: ["ack": ack.text, "signature": Data(try ack.signed(by: me)).base64EncodedString()])
                _ = try client.send("POST", "/v1/mailbox/\(seq)/ack", body: [UInt8](body), contentType: "application/json")
            } catch let e as VaultError where e.exitCode == 65 || (e.exitCode == 77 && witnessRefusal(e)) {
                // Refused like a tampered bundle (or HQ material the witness never saw); the
                // others are still imported. Not acknowledged.
                Output.error("mailbox entry \(seq): \(e.message)")
                if let h = e.hint { Output.hint(h) }
                failure = failure ?? e
            }
        }
        if entries.isEmpty { Output.note("nothing waiting") }
        if vault.kind == .field { try fetchAcks(&state) }
        if let failure {
            Output.hint("an object that fails verification was altered or replayed on the server: tell your security officer; nothing of it was imported")
            throw failure
        }
    }

    private func witnessRefusal(_ e: VaultError) -> Bool {
        if case .refused(let object, _, _) = e { return object.hasPrefix("HQ material from") }
        return false
    }

    /// Field and editor vaults learn removals and new members from the keyring an
    /// officer published; the vault verifies it and refuses an older one.
    private func applyNewerKeyring() throws {
        let reply: ServerClient.Reply
        do { reply = try client.send("GET", "/v1/keyring") } catch VaultError.missing { return }
        let ring = try TeamKeyring.parse(String(decoding: reply.body, as: UTF8.self), object: "the keyring on \(client.serverName)")
        guard ring.serial > (try vault.currentKeyringSerial()) else { return }
        let changes = try vault.updateTeam(ring, by: me)
        Output.note("applied keyring serial \(ring.serial) from the server (\(changes.count) change(s))")
    }

    // MARK: - status

    func status(online: Bool) throws -> [[String: String]] {
        let lock = try DeliveryLock(vault)
        defer { withExtendedLifetime(lock) {} }
        var state = try DeliveryState.load(vault)
        _ = try transfers.pinServerKey(&state)
        try fetchAcks(&state)
        let waiting = ((try client.send("GET", "/v1/mailbox").json?["entries"] as? [Any]) ?? []).count
        Output.note("\(waiting) object(s) waiting in your mailbox on \(client.serverName)")
        return try Self.localStatus(vault: vault, me: me, state: state)
    }

    static func localStatus(vault: Vault, me: Identity?, state given: DeliveryState? = nil) throws -> [[String: String]] {
        let state = try given ?? DeliveryState.load(vault)
        let acked = me.map { state.acknowledgedRecords(members: (try? vault.members()) ?? [], me: $0.fingerprint.compact) } ?? []
        var rows: [[String: String]] = []
        var seen = Set<String>()
        for s in state.sent { for r in s.records where seen.insert(r + s.to).inserted {
            rows.append(["id": r, "state": s.to == hq && acked.contains(r) ? "acknowledged" : "sent", "to": s.to])
        } }
        for o in state.outbox { for r in o.records where seen.insert(r + o.to).inserted { rows.append(["id": r, "state": "pending", "to": o.to]) } }
        if vault.kind == .field {
            let mentioned = Set(rows.map { $0["id"]! })
            for r in try vault.objectIDs(types: [.record]) where !mentioned.contains(r) { rows.append(["id": r, "state": "unsent", "to": hq]) }
        }
        return rows
    }
}
