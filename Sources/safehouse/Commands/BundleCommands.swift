import ArgumentParser
import Foundation
import SafehouseVault

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Move sealed records between vaults as one ciphertext-only file.",
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write records (ciphertext only) and this vault's audit log to a bundle.")
        @Argument(help: "Record ids.") var records: [String] = []
        @Flag(help: "Export every object of the vault.") var all = false
        @OptionGroup var vault: VaultOption
        @Option(help: "The bundle file to write.") var out: String
        @Flag(help: "Replace an existing file.") var force = false

        func run() throws {
            try guarded {
                guard !records.isEmpty || all else { throw VaultError.usage("name at least one record id, or pass --all") }
                guard records.isEmpty || !all else { throw VaultError.usage("give record ids or --all, not both") }
                try vault.open().exportBundle(ids: records, to: out, by: nil, overwrite: force)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a bundle and import its records; safe to repeat.")
        @Argument(help: "The bundle file.") var file: String
        @OptionGroup var vault: VaultOption

        func run() throws {
            try guarded {
                let r = try vault.open().importBundle(path: file, by: nil)
                for id in r.imported { Output.print(id) }
                Output.note("imported \(r.imported.count) object(s), \(r.alreadyPresent.count) already present, \(r.auditEntries) field audit entries verified")
            }
        }
    }
}
