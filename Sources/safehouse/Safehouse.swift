// safehouse — the command-line tool. Thin: it parses arguments, gets
// passphrases without echo, and calls SafehouseVault / SafehouseRedaction.
// stdout carries only requested data; messages go to stderr as
// `safehouse: error: …` / `safehouse: hint: …`. Exit codes follow the CLI contract.
import ArgumentParser
import Foundation
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
            Recovery.self, Agent.self, Push.self, Pull.self, Status.self,
        ]
    )

    static func main() {
        Sodium.hardenProcess()
        do {
            var command = try parseAsRoot()
            // A command group without its subcommand (bare `safehouse`, `safehouse team`)
            // is a usage error: the help goes to stderr, exit 64.
            let type = Swift.type(of: command)
            if !type.configuration.subcommands.isEmpty {
                FileHandle.standardError.write(Data((helpMessage(for: type) + "\n").utf8))
                exit(withError: ExitCode(64))
            }
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
