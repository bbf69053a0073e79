import ArgumentParser
import Foundation
import SafehouseVault

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Move sealed records between vaults as one ciphertext-only file.",
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write records (ciphertext only) and this vault's audit log to a bundle.")
        @Argument(help: "Record ids.") var records: [String] = []
        @Flag(help: "Export every object of the vault.") var all = false
        @OptionGroup var vault: VaultOption
        @Option(help: ArgumentHelp(OutputTarget.help("The bundle file to write"))) var out: String
        @Flag(help: "Replace an existing file.") var force = false
        @Flag(help: "No progress bar (it shows only on a terminal, for bundles of 8 MiB or more).") var quiet = false
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                guard !records.isEmpty || all else { throw VaultError.usage("name at least one record id, or pass --all") }
                guard records.isEmpty || !all else { throw VaultError.usage("give record ids or --all, not both") }
                let destination = try OutputTarget.destination(out, overwrite: force, what: "the bundle")
                let v = try vault.open()
                // With a key the manifest is signed by you; without, by the vault's device key,
                // which its owner (field) or root officer (HQ) endorsed.
                let who = id.keyPath == nil ? nil : try id.unlock(auditIn: v)
                let bar = ProgressBar(label: "exporting", quiet: quiet)
                try v.exportBundle(ids: records, to: destination, by: who, progress: bar.update)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Verify a bundle and import its records; safe to repeat.")
        @Argument(help: "The bundle file (`-`: standard input, which must not be a terminal).") var file: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Flag(help: "No progress bar (it shows only on a terminal, for bundles of 8 MiB or more).") var quiet = false
        @Flag(help: "JSON output: {imported, present, quarantined: [ids], auditEntries}.") var json = false

        private struct ReportJSON: Encodable { let imported: [String]; let present: [String]; let quarantined: [String]; let auditEntries: Int }

        func run() throws {
            try guarded {
                let fromStandardInput = file == OutputTarget.standardOutputName
                if fromStandardInput, isatty(STDIN_FILENO) == 1 {
                    throw VaultError.usage("`bundle import -` reads the bundle from standard input, which is a terminal: pipe or redirect it (< FILE)")
                }
                let v = try vault.open()
                // Optional: the import is then audited in your name (and binds a new editor vault to you).
                let who = id.keyPath == nil ? nil : try id.unlock(auditIn: v)
                let bar = ProgressBar(label: "verifying", quiet: quiet)
                let r: BundleImportReport
                if fromStandardInput {
                    r = try v.importBundle(fileDescriptor: STDIN_FILENO, name: "the bundle on standard input", by: who, progress: bar.update)
                } else {
                    r = try v.importBundle(path: file, by: who, progress: bar.update)
                }
                if json {
                    try Output.json(ReportJSON(imported: r.imported, present: r.alreadyPresent, quarantined: r.quarantined, auditEntries: r.auditEntries))
                } else {
                    for id in r.imported { Output.print(id) }
                }
                Output.note("imported \(r.imported.count) object(s), \(r.alreadyPresent.count) already present, \(r.auditEntries) field audit entries verified")
                if !r.quarantined.isEmpty {
                    Output.note("quarantined \(r.quarantined.count) object(s): signed by a key that is no longer active, or sealed to someone who is not an active member")
                    Output.hint("they open only after an officer's review: `safehouse quarantine list`, then `safehouse quarantine release ID`")
                }
            }
        }
    }
}

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Imported material held back because a removed key signed it or a non-member holds a slot.",
        subcommands: [List.self, Release.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List quarantined objects: id and reason.")
        @OptionGroup var vault: VaultOption
        @Flag(help: "JSON output: a list of {id, reason}.") var json = false

        func run() throws {
            try guarded {
                let rows = try vault.open().quarantined()
                if json { return try Output.json(rows.map { ["id": $0.id, "reason": $0.reason] }) }
                for q in rows { Output.print("\(q.id)\t\(q.reason)") }
            }
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Release a reviewed object (officers): re-key it to its active recipients, without the stale slots.")
        @Argument(help: "The object id.") var object: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                try v.releaseQuarantine(id: object, by: try id.unlock(auditIn: v))
                Output.note("released \(object): re-keyed without stale key slots and signed by you")
            }
        }
    }
}
