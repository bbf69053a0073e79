import Foundation
import Testing

/// Usage errors exit 64, dry runs say what they would do, audit log filters are
/// validated (issue 16, small frictions).
@Suite("CLI: usage errors, dry runs, audit log filters", .serialized)
struct UsageAndDryRunTests {
    @Test func bareCommandGroupsAndMisuseExit64() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        for args in [[], ["team"], ["audit"], ["agent"]] {
            let r = try sb.run(args, passphrase: .none)
            #expect(r.status == 64 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr.hasPrefix("OVERVIEW: ") && r.stderr.contains("SUBCOMMANDS:"), "the help goes to stderr: \(r)")
        }
        let help = try sb.run(["--help"], passphrase: .none)
        #expect(help.status == 0 && help.stdout.hasPrefix("OVERVIEW: An encrypted interview vault") && help.stderr.isEmpty, "\(help)")
        let misuse: [([String], String)] = [
            (["seal"], "safehouse: error: Missing expected argument '--kind <kind>'"),
            (["seal", "--kind", "interview", "--country", "KR"], "safehouse: error: name at least one FILE, or --recursive DIR"),
            (["open", "R"], "safehouse: error: Missing expected argument '--out <out>'"),
            (["seal", "f", "--kind", "memo", "--country", "KR"], "safehouse: error: The value 'memo' is invalid for '--kind <kind>'"),
            (["list", "--bogus"], "safehouse: error: Unknown option '--bogus'"),
            (["stats", "--threshold", "x"], "safehouse: error: The value 'x' is invalid for '--threshold <threshold>'"),
            (["nonsense"], "safehouse: error: Unexpected argument 'nonsense'"),
        ]
        for (args, error) in misuse {
            let r = try sb.run(args, passphrase: .none)
            #expect(r.status == 64 && r.stdout.isEmpty && r.stderrLines.first?.hasPrefix(error) == true, "\(r)")
        }
    }

    @Test func dryRunsSayWhatTheyWouldDo() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let fp = try fingerprint(sb, "Ivan")
        let before = try sb.run(["team", "list", "--vault", sb.file("hq")]).stdout
        let r = try sb.run(["team", "remove", "Ivan", "--dry-run", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        #expect(r.stderr == "safehouse: dry run: would remove Ivan (\(fp)), delete their grants and re-key 0 object(s); nothing was changed\n", "\(r)")
        #expect(try sb.run(["team", "list", "--vault", sb.file("hq")]).stdout == before)
        let rec = try sb.seal(Array("notes\n".utf8), extra: ["--to", "Ivan"])
        let again = try sb.run(["team", "remove", "Ivan", "--dry-run", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(again.stdout == "rekey\trecord\t\(rec)\n" && again.stderr.contains("re-key 1 object(s); nothing was changed"), "\(again)")
    }

    @Test func auditLogRejectsBadDatesAndUnknownActors() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let log = ["audit", "log", "--vault", sb.file("hq")]
        for bad in ["2026/12/01", "2026-13-01", "2026-02-30", "01.12.2026"] {
            let r = try sb.run(log + ["--since", bad], passphrase: .none)
            #expect(r.status == 64 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr == "safehouse: error: --since takes a date YYYY-MM-DD or a UTC time YYYY-MM-DDThh:mm:ssZ\n"
                + "safehouse: hint: for example --since 2026-12-01 or --since 2026-12-01T09:30:00Z\n", "\(r)")
        }
        let all = try sb.run(log, passphrase: .none).stdoutLines
        #expect(try sb.run(log + ["--since", "2000-01-01"], passphrase: .none).stdoutLines == all)
        #expect(try sb.run(log + ["--since", "2000-01-01T00:00:00Z"], passphrase: .none).stdoutLines == all)
        #expect(try sb.run(log + ["--until", "2000-01-01"], passphrase: .none).stdout.isEmpty)
        // --actor takes a MEMBER: a name or a fingerprint prefix, the same entries either way.
        let fp = try fingerprint(sb, "Olga")
        let compact = fp.lowercased().replacingOccurrences(of: "-", with: "")
        let byName = try sb.run(log + ["--actor", "Olga"], passphrase: .none)
        #expect(byName.status == 0 && !byName.stdout.isEmpty, "\(byName)")
        #expect(byName.stdoutLines.allSatisfy { $0.split(separator: "\t")[2] == compact }, "\(byName)")
        #expect(try sb.run(log + ["--actor", String(fp.prefix(9))], passphrase: .none).stdout == byName.stdout)
        let unknown = try sb.run(log + ["--actor", "Officer Han"], passphrase: .none)
        #expect(unknown.status == 66 && unknown.stdout.isEmpty, "\(unknown)")
        #expect(unknown.stderr == "safehouse: error: actor 'Officer Han' does not exist\n"
            + "safehouse: hint: give a member's name or a fingerprint prefix (`safehouse team list`), or `vault` for the vault's device key\n")
    }

    @Test func noVaultHereNamesThePathTriedAndTheWayOut() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.installKeys()
        let export = ["team", "export", "--out", sb.file("team.keys"), "--identity", sb.file("olga")]
        let byDefault = try sb.run(export)
        #expect(byDefault.status == 66 && byDefault.stdout.isEmpty, "\(byDefault)")
        #expect(byDefault.stderr == "safehouse: error: vault \(sb.path)/xdg/safehouse/vault does not exist\n"
            + "safehouse: hint: no --vault was given and $SAFEHOUSE_VAULT is not set, so the per-user default was tried: "
            + "pass --vault DIR (e.g. --vault hq) or set SAFEHOUSE_VAULT=DIR\n", "\(byDefault)")
        let byEnv = try sb.run(export, env: ["SAFEHOUSE_VAULT": sb.file("elsewhere")])
        #expect(byEnv.status == 66 && byEnv.stderr == "safehouse: error: vault \(sb.file("elsewhere")) does not exist\n"
            + "safehouse: hint: $SAFEHOUSE_VAULT names it: set it to your vault's folder or pass --vault DIR "
            + "(or create one with `safehouse init --vault \(sb.file("elsewhere")) …`)\n", "\(byEnv)")
        let byFlag = try sb.run(export + ["--vault", sb.file("hqq")])
        #expect(byFlag.status == 66 && byFlag.stderr.hasSuffix("safehouse: hint: check the --vault path, or create one with `safehouse init --vault \(sb.file("hqq")) …`\n"), "\(byFlag)")
        #expect(!sb.exists("team.keys"))
    }

    /// A member's fingerprint as `team list --json` prints it.
    func fingerprint(_ sb: Sandbox, _ name: String) throws -> String {
        let r = try sb.run(["team", "list", "--vault", sb.file("hq"), "--json"], passphrase: .none)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        return try #require(rows.first { $0["name"] as? String == name }?["fingerprint"] as? String)
    }
}
