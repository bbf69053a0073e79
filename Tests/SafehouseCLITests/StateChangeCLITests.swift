import Foundation
import Testing

/// State changes are explicit (issue 13): a second grant needs `--replace`,
/// grant, revoke and withdraw each confirm on stderr, and subject list shows the
/// consent as it stands now.
@Suite("CLI: explicit state changes")
struct StateChangeCLITests {
    @Test func aSecondGrantNeedsReplaceAndEveryChangeIsConfirmed() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let rec = try t.seal(Array("[00:00:01] A: the river was frozen\n".utf8), name: "talk.txt")
        let ex = try t.approve(rec)
        let hq = ["--vault", t.file("hq"), "--identity", t.file("olga")]
        var r = try t.run(["grant", ex, "--to", "Edith", "--expires", "2027-01-31"] + hq)
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.contains("granted \(ex) to Edith") && r.stderr.contains("until 2027-01-31"), "\(r)")
        // A second grant that would silently shorten her access is refused, showing the current one.
        r = try t.run(["grant", ex, "--to", "Edith", "--expires", "2020-01-01"] + hq)
        #expect(r.status == 77 && r.stderr.contains("already holds a grant for it, until 2027-01-31") && r.stderr.contains("--replace"), "\(r)")
        r = try t.export(ex, as: "edith", out: "still.txt")
        #expect(r.status == 0, "the 2027 grant still stands: \(r)")
        r = try t.run(["grant", ex, "--to", "Edith", "--replace"] + hq)
        #expect(r.status == 0 && r.stderr.contains("without expiry"), "\(r)")
        r = try t.run(["revoke", ex, "--from", "Edith"] + hq)
        #expect(r.status == 0 && r.stderr.contains("revoked Edith's access to \(ex)"), "\(r)")
        let log = try t.run(["audit", "log", "--vault", t.file("hq")])
        #expect(log.stdout.contains("\tgrant\trefused:grant-exists\t"), "\(log)")
    }

    @Test func subjectListShowsConsentAfterAWithdrawal() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        try Data(AccessCLITests.sheet.utf8).write(to: URL(fileURLWithPath: t.file("sheet.json")))
        var r = try t.run(["subject", "import", t.file("sheet.json"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let p = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        r = try t.run(["subject", "list", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.stdout == "\(p)\tdefector\tpseudonym\tCN\n", "\(r)")
        r = try t.run(["subject", "withdraw", p, "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0 && r.stderr.contains("consent of \(p) withdrawn"), "\(r)")
        r = try t.run(["subject", "list", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.stdout == "\(p)\tdefector\twithdrawn\tCN\n", "\(r)")
    }
}
