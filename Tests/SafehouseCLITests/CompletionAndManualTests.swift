import Foundation
import Testing

/// Shell completions and the man page, both from argument-parser and both in
/// README (issue 16).
@Suite("CLI: completions and man page", .serialized)
struct CompletionAndManualTests {
    /// Every displayed subcommand path (`["audit", "report"]` …), from `--experimental-dump-help`.
    static func subcommands(_ sb: Sandbox) throws -> [[String]] {
        let r = try sb.run(["--experimental-dump-help"], passphrase: .none)
        try #require(r.status == 0, "\(r)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var out: [[String]] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            for sub in command["subcommands"] as? [[String: Any]] ?? [] where sub["shouldDisplay"] as? Bool != false {
                guard let name = sub["commandName"] as? String, name != "help" else { continue }
                out.append(path + [name])
                walk(sub, path + [name])
            }
        }
        walk(try #require(root["command"] as? [String: Any]), [])
        return out
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptNamesTheSubcommands(shell: String) throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let r = try sb.run(["--generate-completion-script", shell], passphrase: .none)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        for word in ["seal", "open", "bundle", "quarantine", "subject", "checkpoint", "vault", "identity"] {
            #expect(r.stdout.contains(word), "the \(shell) script completes \(word)")
        }
        let readme = try String(contentsOf: CLI.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("safehouse --generate-completion-script \(shell)"), "README says how to install the \(shell) completions")
    }

    /// argument-parser derives a missing `commandName` with `String(describing:)`, a
    /// runtime conformance scan that was a quarter of a 1 MiB seal's CPU time
    /// (issue 17): every command names itself.
    @Test func everyCommandConfigurationNamesItsCommand() throws {
        let dir = CLI.repoRoot.appendingPathComponent("Sources/safehouse")
        let files = try #require(FileManager.default.enumerator(atPath: dir.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var configurations = 0
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            var rest = Substring(text)
            while let r = rest.range(of: "CommandConfiguration(") {
                // The first argument: argument-parser's own order puts commandName first.
                let args = rest[r.upperBound...].drop { $0 == " " || $0 == "\n" }
                #expect(args.hasPrefix("commandName:"), "\(f): a CommandConfiguration without commandName")
                configurations += 1
                rest = rest[r.upperBound...]
            }
        }
        #expect(configurations >= 50)
    }

    @Test func theManPageListsEverySubcommand() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let page = try String(contentsOf: CLI.repoRoot.appendingPathComponent("Docs/man/safehouse.1"), encoding: .utf8)
        #expect(page.hasPrefix(".\\\"") || page.contains(".Dt SAFEHOUSE 1"), "an mdoc page")
        let subs = try Self.subcommands(sb)
        #expect(subs.count > 40)
        // The generated mdoc lists each subcommand as `.It Em NAME` under its parent: as many
        // entries of each name as there are subcommands of that name (export: four).
        let entries = page.split(separator: "\n").filter { $0.hasPrefix(".It Em ") }.map { String($0.dropFirst(7)) }
        for (name, paths) in Dictionary(grouping: subs, by: { $0.last! }) {
            #expect(entries.filter { $0 == name }.count >= paths.count,
                    "Docs/man/safehouse.1 lacks \(paths.map { $0.joined(separator: " ") }): regenerate it (README, \"Shell completions and the man page\")")
        }
        let readme = try String(contentsOf: CLI.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("swift package") && readme.contains("generate-manual"), "README says how to generate the man page")
    }
}
