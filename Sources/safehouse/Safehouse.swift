// safehouse — the command-line tool. Thin: it parses arguments, gets
// passphrases without echo, and calls SafehouseVault / SafehouseRedaction.
// stdout carries only requested data; messages go to stderr as
// `safehouse: error: …` / `safehouse: hint: …`. Exit codes follow the CLI contract.
import ArgumentParser
import SafehouseCrypto

@main
struct Safehouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safehouse",
        abstract: "An encrypted interview vault for source protection.",
        version: "0.1.0",
        subcommands: [
            Key.self, Init.self, Team.self, Seal.self, Open.self, List.self, Check.self, BundleCommand.self, QuarantineCommand.self,
            Subject.self, Redact.self, Approve.self, Grant.self, Revoke.self, Export.self, Trace.self, AuditCommand.self, Stats.self,
            Recovery.self, Agent.self,
        ]
    )

    static func main() {
        Sodium.hardenProcess()
        do {
            var command = try parseAsRoot()
            try command.run()
            exit(withError: nil)
        } catch {
            // Usage errors in the contract's form: `safehouse: error: …` and exit 64.
            let code = exitCode(for: error)
            if code != .success, !(error is ExitCode) {
                let message = fullMessage(for: error)
                if !message.isEmpty {
                    Output.error(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
                }
                exit(withError: ExitCode(code.rawValue))
            }
            exit(withError: error)
        }
    }
}
