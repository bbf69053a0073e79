import Foundation
import Testing

/// `--json` on `key show`, `team update` and `bundle import`: one JSON document on
/// stdout, the same facts as the text form, messages still on stderr.
@Suite("CLI: --json on key show, team update and bundle import", .serialized)
struct JSONOutputTests {
    private func object(_ r: RunResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)", sourceLocation: sourceLocation)
    }

    @Test func keyShow() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.installKeys()
        let text = try t.run(["key", "show", t.file("ivan.pub")])
        let card = try object(try t.run(["key", "show", t.file("ivan.pub"), "--json"]))
        #expect(card["kind"] as? String == "card" && card["role"] as? String == "interviewer")
        #expect(text.stdout == "name: \(card["name"] as? String ?? "?")\nrole: interviewer\nfingerprint: \(card["fingerprint"] as? String ?? "?")\n", "\(text)")
        #expect(card["age"] as? String == (try t.run(["key", "show", t.file("ivan.pub"), "--age"])).stdout.trimmingCharacters(in: .newlines))
        let secret = try object(try t.run(["key", "show", t.file("ivan"), "--json"], passphrase: .none))
        #expect(secret["kind"] as? String == "secret-key" && secret["fingerprint"] as? String == card["fingerprint"] as? String)
        let kdf = try #require(secret["kdf"] as? [String: Any])
        #expect(kdf["algorithm"] as? String == "argon2id" && (kdf["memMiB"] as? Int ?? 0) > 0 && (kdf["ops"] as? Int ?? 0) > 0, "\(kdf)")
        #expect(!(try t.run(["key", "show", t.file("ivan"), "--json"], passphrase: .none)).stdout.contains("PASSPHRASE"))
        let both = try t.run(["key", "show", t.file("ivan.pub"), "--json", "--age"])
        #expect(both.status == 64 && both.stdout.isEmpty, "\(both)")
    }

    @Test func teamUpdateAndBundleImport() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        try t.installKeys(["sam"])
        var r = try t.run(["team", "add", t.file("sam.pub"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["team", "export", "--vault", t.file("hq"), "--out", t.file("team-2.txt"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let update = try object(try t.run(["team", "update", t.file("team-2.txt"), "--vault", t.file("field"), "--identity", t.file("ivan"), "--json"]))
        let changes = try #require(update["changes"] as? [[String: Any]])
        #expect((update["serial"] as? Int ?? 0) >= 2 && changes.count == 1, "\(update)")
        #expect(changes.first?["change"] as? String == "added" && changes.first?["role"] as? String == "officer"
                && changes.first?["to"] as? String == "active" && changes.first?["from"] == nil, "\(changes)")
        let sam = try object(try t.run(["key", "show", t.file("sam.pub"), "--json"]))
        #expect(changes.first?["fingerprint"] as? String == sam["fingerprint"] as? String)

        let id = try t.seal(Array("notes\n".utf8), vault: "field", as: "ivan")
        r = try t.run(["bundle", "export", id, "--vault", t.file("field"), "--out", t.file("b.shb")])
        try #require(r.status == 0, "\(r)")
        var report = try object(try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("hq"), "--json"]))
        #expect(report["imported"] as? [String] == [id] && (report["present"] as? [String])?.isEmpty == true
                && (report["quarantined"] as? [String])?.isEmpty == true && (report["auditEntries"] as? Int ?? 0) > 0, "\(report)")
        report = try object(try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("hq"), "--json"]))
        #expect((report["imported"] as? [String])?.isEmpty == true && report["present"] as? [String] == [id], "\(report)")
    }
}
