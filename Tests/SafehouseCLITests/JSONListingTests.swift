import Foundation
import Testing

/// `--json` on every listing: one document, stable sorted keys (issue 16).
@Suite("CLI: --json on listings", .serialized)
struct JSONListingTests {
    @Test func subjectAndQuarantineListsInJSON() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        try Data(AccessCLITests.sheet.utf8).write(to: URL(fileURLWithPath: sb.file("s.json")))
        let imp = try sb.run(["subject", "import", sb.file("s.json"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try #require(imp.status == 0, "\(imp)")
        let p = imp.stdout.trimmingCharacters(in: .newlines)
        let subjects = try sb.run(["subject", "list", "--json", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(subjects.status == 0 && subjects.stderr.isEmpty, "\(subjects)")
        #expect(subjects.stdout == #"[{"category":"defector","consent":"pseudonym","country":"CN","pseudonym":"\#(p)"}]"# + "\n", "\(subjects)")
        let plain = try sb.run(["subject", "list", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(plain.stdout == "\(p)\tdefector\tpseudonym\tCN\n")
        let q = try sb.run(["quarantine", "list", "--json", "--vault", sb.file("hq")], passphrase: .none)
        #expect(q.status == 0 && q.stdout == "[]\n", "\(q)")
    }

    @Test func agentStatusInJSON() throws {
        let sb = try Sandbox()
        let env = ["SAFEHOUSE_AGENT_DIR": sb.file("ag")]
        defer { _ = try? sb.run(["agent", "stop", "--identity", sb.file("olga")], passphrase: .none, env: env); sb.remove() }
        try sb.installKeys(["olga"])
        let none = try sb.run(["agent", "status", "--json", "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(none.status == 66 && none.stdout.isEmpty, "\(none)")
        let start = try sb.run(["agent", "start", "--identity", sb.file("olga"), "--ttl", "2m"], env: env)
        try #require(start.status == 0, "\(start)")
        let socket = start.stdout.trimmingCharacters(in: .newlines)
        let r = try sb.run(["agent", "status", "--json", "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(r.status == 0, "\(r)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(o.keys) == ["fingerprint", "running", "secondsLeft", "socket"], "\(r)")
        #expect(o["running"] as? Bool == true && o["socket"] as? String == socket && (o["secondsLeft"] as? Int ?? 0) > 60, "\(r)")
        #expect(r.stdout.hasPrefix(#"{"fingerprint":"#), "keys sorted: \(r)")
    }
}
