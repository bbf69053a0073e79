import ArgumentParser
import Foundation
import SafehouseAudit
import SafehouseVault

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The signed, hash-linked audit log.",
        subcommands: [Log.self, Export.self, Verify.self, CheckpointCommand.self, WitnessCommand.self, Report.self])

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Print the audit log.")
        @OptionGroup var vault: VaultOption
        @Flag(help: "JSON lines output.") var json = false
        @Option(help: "Only entries by this member (name or fingerprint prefix; `vault` for the device key). An unknown actor is an error (66).")
        var actor: String?
        @Option(help: "Only entries naming this record id or pseudonym.") var record: String?
        @Option(help: "Only this action (seal, open, …).") var action: String?
        @Option(help: "Only entries at or after this date (YYYY-MM-DD, a UTC day) or time (YYYY-MM-DDThh:mm:ssZ).") var since: String?
        @Option(help: "Only entries before this date (YYYY-MM-DD) or time (YYYY-MM-DDThh:mm:ssZ).") var until: String?

        func run() throws {
            try guarded {
                let sinceT = try since.map { Int64(try DateArgument.parse($0, option: "--since").timeIntervalSince1970) }
                let untilT = try until.map { Int64(try DateArgument.parse($0, option: "--until").timeIntervalSince1970) }
                let v = try vault.open()
                let entries = try v.auditEntries()
                let actorFilter = try actor.map { try v.auditActorFilter($0, entries: entries) }
                let f = ISO8601DateFormatter()
                for s in entries {
                    let e = s.entry
                    if let actorFilter, !actorFilter.matches(e.actor) { continue }
                    if let record, !e.objects.contains(record) { continue }
                    if let action, e.action != action { continue }
                    if let sinceT, e.time < sinceT { continue }
                    if let untilT, e.time >= untilT { continue }
                    let time = f.string(from: Date(timeIntervalSince1970: TimeInterval(e.time)))
                    if json {
                        var o: [String: Any] = ["seq": e.seq, "time": time, "actor": e.actor, "action": e.action,
                                                "objects": e.objects, "outcome": e.outcome.rawValue]
                        if let r = e.reason { o["reason"] = r }
                        Output.print(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
                    } else {
                        Output.print("\(e.seq)\t\(time)\t\(e.actor)\t\(e.action)\t\(e.outcome.rawValue)\(e.reason.map { ":" + $0 } ?? "")\t\(e.objects.joined(separator: ","))")
                    }
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the whole log as a self-verifying JSON-lines file.")
        @OptionGroup var vault: VaultOption
        @Option(help: ArgumentHelp(OutputTarget.help("Where to write the export"))) var out: String
        @Flag(help: "Replace an existing file.") var force = false

        func run() throws {
            try guarded {
                let destination = try OutputTarget.destination(out, overwrite: force, what: "the log")
                try vault.open().exportAuditLog(to: destination)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify the log (vault or exported file); 0 intact, 65 and the first bad entry otherwise.")
        @Option(help: "The vault directory.") var vault: String?
        @Option(help: "An exported log (`audit export`).") var file: String?
        @Option(help: "A checkpoint kept off the machine: catches truncation and rollback.") var checkpoint: String?

        func run() throws {
            try guarded {
                let cpText = try checkpoint.map { try readText($0, maxBytes: 64 << 10) }
                let result: AuditVerification
                if let file {
                    guard vault == nil else { throw VaultError.usage("give --vault or --file, not both") }
                    result = try Vault.verifyExportedLog(path: file, checkpointText: cpText, checkpointObject: checkpoint ?? "checkpoint")
                } else {
                    let v = try VaultOption.open(vault)
                    result = try cpText.map { try v.verifyAuditLog(checkpointText: $0, object: checkpoint ?? "checkpoint") } ?? v.verifyAuditLog(checkpoint: nil)
                }
                switch result {
                case .intact(let size, _):
                    Output.note("audit log intact: \(size) entries" + (checkpoint != nil ? ", consistent with the checkpoint" : ""))
                case .broken(let seq, let reason):
                    throw VaultError.badData(object: "audit log entry \(seq)", hint: "first bad entry: \(seq) (\(reason))")
                }
                if let cpText, let cp = try? Checkpoint.parse(cpText) {
                    let pinned = file != nil ? [:] : ((try? DeliveryState.load(try VaultOption.open(vault)))?.serverKeys ?? [:])
                    try AuditCommand.reportCosignatures(cp, pinned: pinned, object: checkpoint ?? "checkpoint")
                }
            }
        }
    }

    struct WitnessCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "witness",
            abstract: "Have the team server witness (cosign) a checkpoint of HQ's log (officers).",
            discussion: """
                Signs a checkpoint of this HQ vault's log, proves it consistent with the last checkpoint the server \
                cosigned, and stores the cosigned checkpoint in the vault (its path on stdout). If the server already \
                cosigned a larger log, or another log of the same size, this vault was rolled back or forked: 77.
                """)
        @OptionGroup var server: ServerOption
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let (v, me, client) = try server.session(vault, id)
                guard v.kind == .hq else { throw VaultError.usage("the witness watches HQ's log: run this on the HQ vault") }
                let lock = try DeliveryLock(v)
                defer { withExtendedLifetime(lock) {} }
                var state = try DeliveryState.load(v)
                let key = try Transfers(client: client).pinServerKey(&state)
                try state.save(v)
                let (cp, path) = try Witnessing(vault: v, me: me, client: client, serverKey: key).witness()
                Output.print(path)
                Output.note("\(client.serverName) cosigned HQ's log at size \(cp.size)")
            }
        }
    }

    struct CheckpointCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Sign a checkpoint (size and root) to keep off the machine.")
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Option(help: ArgumentHelp(OutputTarget.help("Where to write the checkpoint"))) var out: String
        @Flag(help: "Replace an existing file.") var force = false

        func run() throws {
            try guarded {
                let destination = try OutputTarget.destination(out, overwrite: force, what: "the checkpoint")
                let v = try vault.open()
                let me = try id.unlock(auditIn: v)
                let cp = try v.checkpoint(by: me)
                try OutputTarget.write(cp.text, to: destination)
            }
        }
    }

    /// Reports each witness cosignature of a checkpoint: verified with a server key
    /// this vault pinned, or unverified (no pinned key matches); a line that names a
    /// pinned key but does not verify is tampered (65).
    static func reportCosignatures(_ cp: Checkpoint, pinned: [String: String], object: String) throws {
        let keys = pinned.compactMap { url, text in Data(base64Encoded: text).map { (url, [UInt8]($0)) } }.sorted { $0.0 < $1.0 }
        var verified = Set<String>()
        for (url, key) in keys {
            let name = Cosignature.witnessName(publicKey: key)
            guard cp.signatures.contains(where: { $0.keyName == name }) else { continue }
            guard let time = Cosignature.verifiedTime(cp, publicKey: key) else {
                throw VaultError.badData(object: object, hint: "its cosignature by the witness at \(url) does not verify with the key pinned for it")
            }
            verified.insert(name)
            let at = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(time)))
            Output.note("witness cosignature by \(url) verified (cosigned \(at))")
        }
        for line in Cosignature.lines(cp) where !verified.contains(line.keyName) {
            Output.note("cosignature by \(line.keyName) not verified: no server key pinned in this vault matches it")
        }
    }
}
