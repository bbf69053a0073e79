import ArgumentParser
import Foundation
import SafehouseAudit
import SafehouseVault

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The signed, hash-linked audit log.",
        subcommands: [Log.self, Export.self, Verify.self, CheckpointCommand.self, Report.self])

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
}
