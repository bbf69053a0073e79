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

/// Withdrawals and revocations made at HQ reach the editor's own vault in any
/// later bundle, and that vault refuses (77) what they forbid.
@Suite("CLI: decisions reach the editor's vault", .serialized)
struct StatementReachCLITests {
    /// HQ with a subject and two excerpts about them granted to Edith, and Edith's own vault holding both.
    func setUp() throws -> (Sandbox, pseudonym: String, first: String, second: String) {
        let t = try Sandbox()
        try t.makeTeam()
        try Data(AccessCLITests.sheet.utf8).write(to: URL(fileURLWithPath: t.file("sheet.json")))
        var r = try t.run(["subject", "import", t.file("sheet.json"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let p = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let rec = try t.seal(Array(AccessCLITests.transcriptAboutSubject.utf8), name: "talk.txt", extra: ["--subject", p])
        let plain = try t.seal(Array("[00:00:01] A: the market opened early\n".utf8), name: "market.txt")
        let first = try t.approve(rec), second = try t.approve(plain)
        try t.grant(first, to: "Edith")
        try t.grant(second, to: "Edith")
        r = try t.run(["init", "--vault", t.file("ev"), "--team", t.file("team.txt"), "--identity", t.file("edith")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "export", first, second, "--vault", t.file("hq"), "--out", t.file("both.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("both.shb"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        try #require(r.status == 0, "\(r)")
        for ex in [first, second] {
            r = try exportAtHome(t, ex, "before-\(ex).txt")
            try #require(r.status == 0, "\(r)")
        }
        return (t, p, first, second)
    }

    func exportAtHome(_ t: Sandbox, _ ex: String, _ out: String) throws -> RunResult {
        try t.run(["export", ex, "--vault", t.file("ev"), "--identity", t.file("edith"), "--format", "txt", "--out", t.file(out)])
    }

    @Test func aWithdrawalAtHQTravelsWithAnyLaterBundle() throws {
        let (t, p, first, second) = try setUp()
        defer { t.remove() }
        var r = try t.run(["subject", "withdraw", p, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        // A bundle of the *other* excerpt carries the withdrawal too.
        r = try t.run(["bundle", "export", second, "--vault", t.file("hq"), "--out", t.file("later.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("later.shb"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        #expect(r.status == 0, "\(r)")
        r = try exportAtHome(t, first, "after.txt")
        // Her copy hides the real pseudonym, so HQ sent the withdrawal as a revocation of her copy too.
        #expect(r.status == 77 && (r.stderr.contains("withdrawn consent") || r.stderr.contains("revoked")) && !t.exists("after.txt"), "\(r)")
        r = try exportAtHome(t, second, "unrelated.txt")
        #expect(r.status == 0, "an excerpt that does not mention the subject still exports: \(r)")
        // A new editor vault made afterwards learns it from its first bundle as well.
        r = try t.run(["init", "--vault", t.file("ev2"), "--team", t.file("team.txt"), "--identity", t.file("edith")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "export", first, "--vault", t.file("hq"), "--out", t.file("again.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("again.shb"), "--vault", t.file("ev2"), "--identity", t.file("edith")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["export", first, "--vault", t.file("ev2"), "--identity", t.file("edith"), "--format", "txt", "--out", t.file("ev2.txt")])
        #expect(r.status == 77 && !t.exists("ev2.txt"), "\(r)")
    }

    @Test func aRevocationAtHQTravelsEvenWithoutTheRekeyedExcerpt() throws {
        let (t, _, first, second) = try setUp()
        defer { t.remove() }
        var r = try t.run(["revoke", first, "--from", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "export", second, "--vault", t.file("hq"), "--out", t.file("later.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("later.shb"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        #expect(r.status == 0, "\(r)")
        r = try exportAtHome(t, first, "after.txt")
        #expect(r.status == 77 && r.stderr.contains("revoked") && !t.exists("after.txt"), "\(r)")
        #expect(try exportAtHome(t, second, "other.txt").status == 0)
        // Granted again at HQ (a newer signed version): the new grant works in her vault.
        try t.grant(first, to: "Edith")
        r = try t.run(["bundle", "export", first, "--vault", t.file("hq"), "--out", t.file("regrant.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("regrant.shb"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        #expect(r.status == 0, "\(r)")
        r = try exportAtHome(t, first, "regranted.txt")
        #expect(r.status == 0, "\(r)")
        // An edited statement is caught by check.
        let sql = try t.run(["check", "--vault", t.file("ev")])
        #expect(sql.status == 0, "\(sql)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE statements SET text = replace(text, 'version: ', 'version: 9') \"); c.commit()",
                       t.file("ev/vault.sqlite")]
        try p.run(); p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        r = try t.run(["check", "--vault", t.file("ev")])
        #expect(r.status == 65 && r.stderr.contains("statements table"), "\(r)")
    }
}

/// Actions on more objects than one audit entry holds are audited as a run of entries.
@Suite("CLI: actions of any size")
struct LargeActionCLITests {
    @Test func seventySubjectsImportListAndVerify() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let entries = (0..<70).map { i in
            "{\"name\":\"Subject Number\(i) Testperson\",\"consent\":\"pseudonym\",\"category\":\"defector\",\"country\":\"CN\"}"
        }
        try Data("{\"subjects\":[\(entries.joined(separator: ","))]}".utf8).write(to: URL(fileURLWithPath: t.file("big.json")))
        var r = try t.run(["subject", "import", t.file("big.json"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0 && r.stdoutLines.count == 70, "\(r)")
        r = try t.run(["subject", "list", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0 && r.stdoutLines.count == 70, "\(r)")
        r = try t.run(["subject", "import", t.file("big.json"), "--vault", t.file("field"), "--identity", t.file("ivan")])
        #expect(r.status == 0 && r.stdoutLines.count == 70, "\(r)")
        r = try t.run(["bundle", "export", "--all", "--vault", t.file("field"), "--out", t.file("all.shb")])
        #expect(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("all.shb"), "--vault", t.file("hq")])
        #expect(r.status == 0 && r.stdoutLines.count == 70, "\(r)")
        let log = try t.run(["audit", "log", "--vault", t.file("hq")])
        #expect(log.stdout.contains("\tsubject-import\tok\tpart:1/2,") && log.stdout.contains("\tsubject-import\tok\tpart:2/2,"), "\(log)")
        #expect(log.stdout.contains("\tsubject-list\tok\tpart:2/2,"), "\(log)")
        #expect(try t.run(["audit", "verify", "--vault", t.file("hq")]).status == 0)
        #expect(try t.run(["check", "--vault", t.file("hq")]).status == 0)
    }
}

@Suite("CLI: approve ranges")
struct ApproveRangeCLITests {
    @Test func aRangePastTheEndIsRefusedWithTheTranscriptsLength() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let rec = try t.seal(Array("[00:00:01] A: first\n[00:01:30] B: second\n".utf8), name: "t.txt")
        let before = try t.run(["list", "--vault", t.file("hq"), "--identity", t.file("olga")]).stdoutLines.count
        var r = try t.run(["approve", rec, "--range", "00:10:00-00:20:00", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 65 && r.stdout.isEmpty && r.stderr.contains("runs to 00:01:30"), "\(r)")
        r = try t.run(["approve", rec, "--range", "00:00:30-00:00:30", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 64 && r.stdout.isEmpty, "an empty range is a usage error: \(r)")
        #expect(try t.run(["list", "--vault", t.file("hq"), "--identity", t.file("olga")]).stdoutLines.count == before, "no excerpt was made")
        let ok = try t.run(["approve", rec, "--range", "00:00:00-00:01:00", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(ok.status == 0 && isRecordID(ok.stdout.trimmingCharacters(in: .newlines)), "\(ok)")
    }
}

@Suite("CLI: expired grants are re-keyed away")
struct ExpiredGrantCLITests {
    @Test func theNextOfficerActionAndRevokeExpiredRemoveExpiredGrants() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let hq = ["--vault", t.file("hq"), "--identity", t.file("olga")]
        let a = try t.approve(try t.seal(Array("[00:00:01] A: one\n".utf8), name: "a.txt"))
        let b = try t.approve(try t.seal(Array("[00:00:01] A: two\n".utf8), name: "b.txt"))
        var r = try t.run(["grant", a, "--to", "Edith", "--expires", "2020-01-01"] + hq)
        try #require(r.status == 0, "\(r)")
        let copies = { t.listing("hq/objects").count }
        let withExpired = copies()
        // Explicitly:
        r = try t.run(["revoke", "--expired"] + hq)
        #expect(r.status == 0 && r.stdout.hasPrefix("\(a)\t") && r.stdoutLines.count == 1, "\(r)")
        #expect(copies() == withExpired - 1, "her expired copy is deleted")
        r = try t.run(["revoke", "--expired"] + hq)
        #expect(r.status == 0 && r.stdout.isEmpty, "nothing left to revoke: \(r)")
        // On the next officer action:
        r = try t.run(["grant", a, "--to", "Edith", "--expires", "2020-01-01"] + hq)
        try #require(r.status == 0, "\(r)")
        r = try t.run(["grant", b, "--to", "Edith"] + hq)
        #expect(r.status == 0, "\(r)")
        let log = try t.run(["audit", "log", "--vault", t.file("hq")])
        #expect(log.stdoutLines.filter { $0.contains("\trevoke\tok\t\(a),") }.count == 2, "\(log)")
        r = try t.export(a, as: "edith", out: "expired-a.txt")
        #expect(r.status == 77 && !t.exists("expired-a.txt"), "\(r)")
        #expect(try t.run(["revoke", a] + hq).status == 64, "EXCERPT needs --from")
    }
}

@Suite("CLI: an old bundle cannot undo a revocation")
struct ReplayCLITests {
    @Test func replayingTheBundleAnEditorWasHandedAfterHerRevocationIsRefused() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let hq = ["--vault", t.file("hq"), "--identity", t.file("olga")]
        let ex = try t.approve(try t.seal(Array("[00:00:01] A: the river was frozen\n".utf8), name: "talk.txt"))
        try t.grant(ex, to: "Edith")
        var r = try t.run(["bundle", "export", ex, "--vault", t.file("hq"), "--out", t.file("handed.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["revoke", ex, "--from", "Edith"] + hq)
        try #require(r.status == 0, "\(r)")
        try t.expectRefusedExport(ex, as: "edith", "after revocation")
        r = try t.run(["bundle", "import", t.file("handed.shb"), "--vault", t.file("hq")])
        #expect(r.status == 65 && r.stderr.contains("older or conflicting version") && r.stdout.isEmpty, "\(r)")
        try t.expectRefusedExport(ex, as: "edith", "after the replay")
        #expect(try t.run(["check", "--vault", t.file("hq")]).status == 0)
    }
}
