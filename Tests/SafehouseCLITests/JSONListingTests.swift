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

    @Test func revokeExpiredAndTraceInJSON() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let hq = ["--vault", sb.file("hq"), "--identity", sb.file("olga")]
        var r = try sb.run(["revoke", "--expired", "--json"] + hq)
        #expect(r.status == 0 && r.stdout == "[]\n", "\(r)")
        r = try sb.run(["revoke", "X", "--from", "Edith", "--json"] + hq)
        #expect(r.status == 64 && r.stdout.isEmpty, "\(r)")
        try Data(AccessCLITests.sheet.utf8).write(to: URL(fileURLWithPath: sb.file("s.json")))
        try #require(try sb.run(["subject", "import", sb.file("s.json")] + hq).status == 0)
        let ex = try sb.approve(try sb.seal(Array(AccessCLITests.transcriptAboutSubject.utf8), name: "talk.txt"))
        try sb.grant(ex, to: "Edith")
        r = try sb.run(["export", ex, "--vault", sb.file("hq"), "--identity", sb.file("edith"), "--out", sb.file("leak.txt")])
        try #require(r.status == 0, "\(r)")
        r = try sb.run(["trace", ex, "--file", sb.file("leak.txt"), "--json"] + hq)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]], "\(r)")
        #expect(rows.count == 1 && rows[0]["name"] == "Edith" && Set(rows[0].keys) == ["fingerprint", "name"], "\(r)")
    }
}
