// safehouse — the command-line tool. Thin: it parses arguments, gets
// passphrases without echo, and calls SafehouseVault / SafehouseRedaction.
// stdout carries only requested data; messages go to stderr as
// `safehouse: error: …` / `safehouse: hint: …`. Exit codes follow the CLI contract.
import ArgumentParser

@main
struct Safehouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safehouse",
        abstract: "An encrypted interview vault for source protection.",
        version: "0.1.0",
        subcommands: [
            Key.self, Init.self, Team.self, Seal.self, Open.self, List.self, Check.self, BundleCommand.self,
            Subject.self, Redact.self, Approve.self, Grant.self, Revoke.self, Export.self, Trace.self, AuditCommand.self, Stats.self,
            Recovery.self,
        ]
    )
}
