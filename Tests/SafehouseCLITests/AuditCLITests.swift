import Foundation
import SafehouseCrypto
import Testing

/// End-to-end tests of the audit trail through the built `safehouse` binary:
/// every command leaves exactly its entries (refusals included), an audit
/// write failure stops seal and open, exported logs reveal every tamper, no
/// identity or content ever reaches the log or the report, and the HTML
/// report draws its timeline in a real browser.
@Suite struct AuditCLITests {
    // MARK: every command leaves exactly its entries

    @Test func everyCommandLeavesExactlyItsEntries() throws {
        let t = try AuditCLI.Team()
        var log = AuditCLI.LogWatcher(team: t)
        let (o, i, e, x) = (t.officerFP, t.interviewerFP, t.editorFP, t.outsiderFP)

        // Made by Team(): init, then the officer adds the interviewer and the editor.
        // After each change of the member set the officer signs the new state (`team-state`).
        let made = try log.new()
        #expect(made.map(\.action) == ["init", "team-state", "team-add", "team-state", "team-add", "team-state"])
        #expect(made.allSatisfy { $0.actor == o })
        #expect(made.filter { $0.action == "team-state" }.allSatisfy { $0.objects.first?.hasPrefix("trust:") == true })
        #expect(made[2].objects == [i] && made[4].objects == [e])

        // team add: refused for a non-officer member, and for a key that is no member.
        var r = t.run(["team", "add", t.dir + "/outsider.key.pub", "--vault", t.hq, "--identity", t.dir + "/interviewer.key"])
        #expect(r.status == 77)
        try log.expectNew([.init(i, "team-add", [x], .refused, "role-not-allowed")])
        r = t.run(["team", "add", t.dir + "/outsider.key.pub", "--vault", t.hq, "--identity", t.dir + "/outsider.key"])
        #expect(r.status == 77)
        try log.expectNew([.init("vault", "team-add", [x, "key:" + x], .refused, "not-a-member")])

        // subject import prints pseudonyms only.
        r = t.run(["subject", "import", t.sheet, "--vault", t.hq, "--identity", t.dir + "/interviewer.key"])
        #expect(r.status == 0)
        let pseudonym = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pseudonym.count == 6 && pseudonym.dropFirst().first == "-")
        try log.expectNew([.init(i, "subject-import", [pseudonym], .ok)])

        // seal: ok for the interviewer, refused for an editor.
        r = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/interviewer.key", "--kind", "interview",
                   "--country", "KR", "--subject", pseudonym, "--quiet"])
        #expect(r.status == 0)
        let record = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(record.count == 32)
        try log.expectNew([.init(i, "seal", [record], .ok)])   // the pseudonym stays in the sealed metadata
        r = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/editor.key", "--kind", "interview", "--country", "KR"])
        #expect(r.status == 77)
        #expect(r.stdout.isEmpty)
        try log.expectNew([.init(e, "seal", [], .refused, "role-not-allowed")])

        // open: ok for the officer; refused for a member without a slot; a failed unlock.
        r = t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/opened.txt"])
        #expect(r.status == 0)
        #expect(FileManager.default.fileExists(atPath: t.dir + "/opened.txt"))
        try log.expectNew([.init(o, "open", [record], .ok)])
        r = t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/editor.key", "--out", t.dir + "/editor-open.txt"])
        #expect(r.status == 77)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/editor-open.txt"))
        try log.expectNew([.init(e, "open", [record], .refused, "not-a-recipient")])
        r = t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/wrong.txt"],
                  passphrase: "not the passphrase")
        #expect(r.status == 77)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/wrong.txt"))
        try log.expectNew([.init("vault", "unlock", ["key:" + o], .refused, "wrong-passphrase")])

        // bundle export names what it ships (an HQ bundle: the requested records
        // only); importing it back into the same vault adds nothing but its entry.
        r = t.run(["bundle", "export", record, "--vault", t.hq, "--out", t.dir + "/hq.bundle"])
        #expect(r.status == 0)
        let manifestEntry = try log.new()
        #expect(manifestEntry.count == 1 && manifestEntry.first?.action == "bundle-export" && manifestEntry.first?.actor == "vault")
        #expect(manifestEntry.first?.objects.first?.hasPrefix("manifest:") == true && manifestEntry.first?.objects.last == "objects:1")
        r = t.run(["bundle", "import", t.dir + "/hq.bundle", "--vault", t.hq])
        #expect(r.status == 0)
        let fresh = try log.new()
        #expect(fresh.count == 1)
        #expect(fresh.first.map { ($0.actor, $0.action, $0.outcome) == ("vault", "bundle-import", "ok") } == true)
        #expect(fresh.first?.objects.count == 3)
        #expect(fresh.first?.objects.first?.hasPrefix("manifest:") == true && fresh.first?.objects[1] == "objects:0")
        #expect(fresh.first?.objects.last?.hasPrefix("log:") == true)

        // approve, grant, export (ok; refused without a grant), revoke.
        r = t.run(["approve", record, "--vault", t.hq, "--identity", t.dir + "/officer.key"])
        #expect(r.status == 0)
        let excerpt = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(excerpt.count == 32)
        try log.expectNew([.init(o, "approve", [record, excerpt], .ok)])
        r = t.run(["grant", excerpt, "--to", "Editor Lee", "--vault", t.hq, "--identity", t.dir + "/officer.key"])
        #expect(r.status == 0)
        try log.expectNew([.init(o, "grant", [excerpt, e], .ok)])
        r = t.run(["export", excerpt, "--format", "txt", "--out", t.dir + "/excerpt.txt", "--vault", t.hq, "--identity", t.dir + "/editor.key"])
        #expect(r.status == 0)
        try log.expectNew([.init(e, "export", [excerpt, "format:txt"], .ok)])
        // No grant: refused on the grant check, before any key slot is tried.
        r = t.run(["export", excerpt, "--format", "txt", "--out", t.dir + "/nogrant.txt", "--vault", t.hq, "--identity", t.dir + "/interviewer.key"])
        #expect(r.status == 77)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/nogrant.txt"))
        try log.expectNew([.init(i, "export", [excerpt], .refused, "no-grant")])
        r = t.run(["revoke", excerpt, "--from", "Editor Lee", "--vault", t.hq, "--identity", t.dir + "/officer.key"])
        #expect(r.status == 0)
        try log.expectNew([.init(o, "revoke", [excerpt, e], .ok)])
        r = t.run(["export", excerpt, "--format", "txt", "--out", t.dir + "/revoked.txt", "--vault", t.hq, "--identity", t.dir + "/editor.key"])
        #expect(r.status == 77)
        try log.expectNew([.init(e, "export", [excerpt], .refused, "no-grant")])

        // checkpoint and report: officers only, each audited.
        r = t.run(["audit", "checkpoint", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/cp"])
        #expect(r.status == 0)
        try log.expectNew([.init(o, "checkpoint", [], .ok)])
        r = t.run(["audit", "checkpoint", "--vault", t.hq, "--identity", t.dir + "/editor.key", "--out", t.dir + "/cp2"])
        #expect(r.status == 77)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/cp2"))
        try log.expectNew([.init(e, "checkpoint", [], .refused, "role-not-allowed")])
        r = t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--html", t.dir + "/r.html", "--md", t.dir + "/r.md"])
        #expect(r.status == 0)
        try log.expectNew([.init(o, "audit-report", ["format:html", "format:md"], .ok)])
        r = t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/editor.key", "--html", t.dir + "/r2.html"])
        #expect(r.status == 77)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/r2.html"))
        try log.expectNew([.init(e, "audit-report", [], .refused, "role-not-allowed")])

        // Reading the log, exporting and verifying it need no key and add nothing.
        #expect(t.run(["audit", "export", "--vault", t.hq, "--out", t.dir + "/log.jsonl"]).status == 0)
        #expect(t.run(["audit", "verify", "--vault", t.hq, "--checkpoint", t.dir + "/cp"]).status == 0)
        #expect(t.run(["audit", "verify", "--file", t.dir + "/log.jsonl", "--checkpoint", t.dir + "/cp"]).status == 0)
        try log.expectNew([])
    }

    // MARK: fail closed

    @Test func auditWriteFailureStopsSealAndOpen() throws {
        let t = try AuditCLI.Team()
        var r = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--kind", "interview", "--country", "KR", "--quiet"])
        #expect(r.status == 0)
        let record = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let logBefore = t.run(["audit", "log", "--vault", t.hq, "--json"]).stdout
        let bodiesBefore = try AuditCLI.bodies(t.hq)
        #expect(bodiesBefore.count == 1)

        r = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--kind", "interview", "--country", "KR", "--quiet", "--again"],
                  fault: "audit")
        #expect(r.status == 74)
        #expect(r.stdout.isEmpty, "no record id is printed")
        #expect(r.stderr.contains("safehouse: error:"))
        #expect(try AuditCLI.bodies(t.hq) == bodiesBefore, "no body file is left behind")

        r = t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/out.txt"], fault: "audit")
        #expect(r.status == 74)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/out.txt"), "no plaintext without its audit entry")
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.dir).allSatisfy { !$0.hasPrefix(".safehouse-tmp") })

        r = t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--html", t.dir + "/r.html"], fault: "audit")
        #expect(r.status == 74)
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/r.html"))

        #expect(t.run(["audit", "log", "--vault", t.hq, "--json"]).stdout == logBefore, "the log is unchanged")
        let check = t.run(["check", "--vault", t.hq])
        #expect(check.status == 0)
        #expect(check.stderr.contains("1 objects") || check.stderr.contains("1 object"), "no record was added: \(check.stderr)")
    }

    // MARK: tampered exports

    @Test func everyTamperOfAnExportedLogIsCaught() throws {
        let t = try AuditCLI.Team()
        let sealed = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--kind", "interview", "--country", "KR", "--quiet"])
        let record = sealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<3 {
            #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/editor.key", "--out", t.dir + "/none"]).status == 77)
        }
        #expect(t.run(["audit", "checkpoint", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/cp"]).status == 0)
        #expect(t.run(["audit", "export", "--vault", t.hq, "--out", t.dir + "/log.jsonl"]).status == 0)
        let original = try String(contentsOfFile: t.dir + "/log.jsonl", encoding: .utf8)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast()
        // header, entries 0…n-1, trailer
        let entries = Array(lines.dropFirst().dropLast())
        let n = entries.count
        #expect(n >= 5)
        #expect(t.verifyFile(original).status == 0)

        func file(_ body: [String]) -> String { ([lines.first!] + body + [lines.last!]).joined(separator: "\n") + "\n" }
        let k = 2
        var edited = entries
        edited[k] = try AuditCLI.editEntry(entries[k]) { $0.replacingOccurrences(of: "\nactor ", with: "\nactor x") }
        var resigned = entries
        resigned[k] = try AuditCLI.editSignature(entries[k])
        var deleted = entries
        deleted.remove(at: k)
        var inserted = entries
        inserted.insert(entries[k], at: k + 1)
        var swapped = entries
        swapped.swapAt(k, k + 1)
        let cases: [(String, String, Int)] = [
            ("edit a field", file(edited), k),
            ("change a signature", file(resigned), k),
            ("delete an entry", file(deleted), k),
            ("insert an entry", file(inserted), k + 1),
            ("swap two entries", file(swapped), k),
            ("drop the last entry", file(Array(entries.dropLast())), n - 1),
        ]
        for (what, text, bad) in cases {
            let r = t.verifyFile(text)
            #expect(r.status == 65, "\(what): exit \(r.status)")
            #expect(r.stderr.contains("first bad entry: \(bad) "), "\(what): \(r.stderr)")
        }

        // Truncation with a rewritten trailer is self-consistent: only the checkpoint catches it.
        let kept = Array(entries.prefix(n - 2))
        let root = try AuditCLI.merkleRoot(kept)
        let truncated = ([lines.first!] + kept + ["{\"size\":\(n - 2),\"root\":\"\(Data(root).base64EncodedString())\"}"]).joined(separator: "\n") + "\n"
        #expect(t.verifyFile(truncated).status == 0, "a consistent truncated file passes without a checkpoint")
        let r = t.verifyFile(truncated, checkpoint: t.dir + "/cp")
        #expect(r.status == 65)
        #expect(r.stderr.contains("first bad entry: \(n - 2) (truncated"), "\(r.stderr)")
        #expect(t.verifyFile(original, checkpoint: t.dir + "/cp").status == 0)
    }

    // MARK: no identity, file name or content

    @Test func noIdentityFileNameOrContentReachesTheLogOrTheReport() throws {
        let t = try AuditCLI.Team(markers: true)
        var r = t.run(["subject", "import", t.sheet, "--vault", t.hq, "--identity", t.dir + "/interviewer.key"])
        #expect(r.status == 0)
        let pseudonym = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        r = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/interviewer.key", "--kind", "interview",
                   "--country", "KR", "--subject", pseudonym, "--note", "Qazmarker note", "--quiet"])
        #expect(r.status == 0)
        let record = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        r = t.run(["approve", record, "--vault", t.hq, "--identity", t.dir + "/officer.key"])
        #expect(r.status == 0)
        let excerpt = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(t.run(["grant", excerpt, "--to", "Editor Lee", "--vault", t.hq, "--identity", t.dir + "/officer.key"]).status == 0)
        #expect(t.run(["export", excerpt, "--format", "md", "--out", t.dir + "/excerpt.md", "--vault", t.hq, "--identity", t.dir + "/editor.key"]).status == 0)
        #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/opened.txt"]).status == 0)
        #expect(t.run(["subject", "show", pseudonym, "--vault", t.hq, "--identity", t.dir + "/officer.key"]).status == 0)
        #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/editor.key", "--out", t.dir + "/x.txt"]).status == 77)

        // Positive control: the markers are really in the material.
        let opened = try String(contentsOfFile: t.dir + "/opened.txt", encoding: .utf8)
        #expect(opened.contains(AuditCLI.contentMarker) && opened.contains(AuditCLI.nameMarker))
        #expect(try String(contentsOfFile: t.dir + "/excerpt.md", encoding: .utf8).contains(AuditCLI.contentMarker))

        let json = t.run(["audit", "log", "--vault", t.hq, "--json"])
        let text = t.run(["audit", "log", "--vault", t.hq])
        #expect(t.run(["audit", "export", "--vault", t.hq, "--out", t.dir + "/log.jsonl"]).status == 0)
        #expect(t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--html", t.dir + "/r.html", "--md", t.dir + "/r.md"]).status == 0)
        var outputs = [("audit log --json", json.stdout), ("audit log", text.stdout),
                       ("report.html", try String(contentsOfFile: t.dir + "/r.html", encoding: .utf8)),
                       ("report.md", try String(contentsOfFile: t.dir + "/r.md", encoding: .utf8))]
        // The export carries entries as base64: decode them.
        let export = try String(contentsOfFile: t.dir + "/log.jsonl", encoding: .utf8)
        outputs.append(("audit export", export))
        outputs.append(("audit export, decoded", try AuditCLI.decodedEntries(export).joined(separator: "\n")))
        #expect(json.stdout.contains(pseudonym) && json.stdout.contains(record), "the log names records by id and subjects by pseudonym")
        for (name, out) in outputs {
            #expect(!out.isEmpty, "\(name) is empty")
            for marker in AuditCLI.markers {
                #expect(!out.lowercased().contains(marker.lowercased()), "\(name) contains \(marker)")
            }
        }
    }

    // MARK: the report

    @Test func htmlReportIsSelfContainedAndHighlightsRefusals() throws {
        let t = try AuditCLI.Team()
        let r0 = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--kind", "interview", "--country", "KR", "--quiet"])
        let record = r0.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/editor.key", "--out", t.dir + "/x"]).status == 77)
        #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/o"]).status == 0)

        var r = t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--html", t.dir + "/report.html", "--md", t.dir + "/report.md"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let html = try String(contentsOfFile: t.dir + "/report.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 2, "a member timeline and a record timeline")
        for forbidden in ["<script", "src=", "href=", "http:", "https:", "url(", "@import", "<link", "<img", "<iframe"] {
            #expect(!html.lowercased().contains(forbidden), "the report must not reference \(forbidden)")
        }
        #expect(html.contains("<tr class=\"refused\">"), "refusal rows are highlighted")
        #expect(html.contains("class=\"refusal\""), "refusals are drawn in the timeline")
        #expect(html.contains("not-a-recipient"))
        #expect(html.contains(record))
        #expect(html.contains("Editor Lee (editor)"), "staff are named")
        let md = try String(contentsOfFile: t.dir + "/report.md", encoding: .utf8)
        #expect(md.contains("**REFUSED**") && md.contains("not-a-recipient"))
        #expect(md.contains("!"), "the text timeline marks refusals")

        // An existing output is refused (73) before anything is read or logged.
        let before = t.run(["audit", "log", "--vault", t.hq]).stdout
        r = t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--html", t.dir + "/report.html"])
        #expect(r.status == 73)
        #expect(t.run(["audit", "log", "--vault", t.hq]).stdout == before)
        #expect(try String(contentsOfFile: t.dir + "/report.html", encoding: .utf8) == html)
        // No format is a usage error.
        #expect(t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key"]).status == 64)
    }

    @Test(.enabled(if: AuditCLI.onPath("chromium"), "chromium is not installed: scripts/check-report-chromium.sh installs it (Debian package `chromium`)"))
    func chromiumDrawsTheTimeline() throws {
        let t = try AuditCLI.Team()
        let r0 = t.run(["seal", t.transcript, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--kind", "interview", "--country", "KR", "--quiet"])
        let record = r0.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<3 {
            #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/editor.key", "--out", t.dir + "/x"]).status == 77)
        }
        #expect(t.run(["open", record, "--vault", t.hq, "--identity", t.dir + "/officer.key", "--out", t.dir + "/o"]).status == 0)
        #expect(t.run(["audit", "report", "--vault", t.hq, "--identity", t.dir + "/officer.key", "--html", t.dir + "/report.html"]).status == 0)
        let script = AuditCLI.packageRoot + "/scripts/check-report-chromium.sh"
        let r = AuditCLI.exec("/bin/bash", [script, t.dir + "/report.html", t.dir + "/report.png"], env: ProcessInfo.processInfo.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("chart check passed"))
    }
}

/// Helpers of `AuditCLITests` (a namespace, so other CLI test files may use the same names).
enum AuditCLI {
    static let passphrase = "audit test passphrase"
    static let nameMarker = "Qazmarker"
    static let surnameMarker = "Plonkvist"
    static let fileMarker = "qazfile"
    static let contentMarker = "zebulonquartz"
    static let markers = [nameMarker, surnameMarker, fileMarker, contentMarker]

    static let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The `safehouse` binary next to this test bundle (or `$SAFEHOUSE_BIN`).
    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["SAFEHOUSE_BIN"], !b.isEmpty { return b }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("safehouse").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot + "/.build/debug/safehouse"
    }()

    static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func exec(_ path: String, _ args: [String], env: [String: String]) -> Result {
        let dir = NSTemporaryDirectory() + "audit-cli-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: dir + "/out")
        p.standardError = FileHandle(forWritingAtPath: dir + "/err")
        do { try p.run() } catch { return Result(status: -1, stdout: "", stderr: "cannot run \(path): \(error)") }
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
        return Result(status: p.terminationStatus, stdout: out, stderr: err)
    }

    /// An HQ vault with an officer, an interviewer and an editor, plus an
    /// outsider key that is no member, a subject sheet and a transcript.
    final class Team: @unchecked Sendable {
        let dir: String
        var hq: String { dir + "/hq" }
        var sheet: String { dir + "/subjects.json" }
        let transcript: String
        private(set) var officerFP = "", interviewerFP = "", editorFP = "", outsiderFP = ""

        init(markers: Bool = false) throws {
            dir = NSTemporaryDirectory() + "safehouse-audit-cli-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let name = markers ? "\(AuditCLI.nameMarker) \(AuditCLI.surnameMarker)" : "Kim Minsu"
            let sheetText = """
                {"subjects":[{"name":"\(name)","aliases":["\(markers ? AuditCLI.nameMarker : "Minsu")"],"consent":"pseudonym","category":"defector","country":"KR"}]}
                """
            try sheetText.write(toFile: dir + "/subjects.json", atomically: true, encoding: .utf8)
            let speaker = markers ? AuditCLI.nameMarker : "Minsu"
            let body = """
                [00:00:03] INTERVIEWER: Thank you for talking to us today.
                [00:00:09] \(speaker): My name is \(name). I kept \(markers ? AuditCLI.contentMarker : "careful") notes.
                [00:00:16] INTERVIEWER: Thank you.

                """
            transcript = dir + "/" + (markers ? "\(AuditCLI.fileMarker)-interview.txt" : "interview.txt")
            try body.write(toFile: transcript, atomically: true, encoding: .utf8)
            for (role, who) in [("officer", "Officer Han"), ("interviewer", "Field Kim"), ("editor", "Editor Lee"), ("outsider", "Out Sider")] {
                let r = run(["key", "new", "--name", who, "--role", role == "outsider" ? "interviewer" : role,
                             "--out", "\(dir)/\(role).key", "--kdf", "interactive"])
                guard r.status == 0, let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix("fingerprint: ") }) else {
                    throw AuditCLI.Failure("key new failed: \(r.stderr)")
                }
                let fp = line.dropFirst("fingerprint: ".count).replacingOccurrences(of: "-", with: "")
                switch role {
                case "officer": officerFP = fp
                case "interviewer": interviewerFP = fp
                case "editor": editorFP = fp
                default: outsiderFP = fp
                }
            }
            for args in [["init", "--vault", hq, "--identity", dir + "/officer.key"],
                         ["team", "add", dir + "/interviewer.key.pub", "--vault", hq, "--identity", dir + "/officer.key"],
                         ["team", "add", dir + "/editor.key.pub", "--vault", hq, "--identity", dir + "/officer.key"]] {
                let r = run(args)
                guard r.status == 0 else { throw AuditCLI.Failure("\(args[0]) failed: \(r.stderr)") }
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// Runs the binary with only the variables it needs (no inherited vault, key or fault).
        func run(_ args: [String], passphrase: String = AuditCLI.passphrase, fault: String? = nil) -> Result {
            var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir,
                       "SAFEHOUSE_PASSPHRASE": passphrase]
            if let fault { env["SAFEHOUSE_FAULT"] = fault }
            return AuditCLI.exec(AuditCLI.binary, args, env: env)
        }

        /// `audit verify --file` on the given text.
        func verifyFile(_ text: String, checkpoint: String? = nil) -> Result {
            let path = dir + "/verify-\(UUID().uuidString).jsonl"
            try? text.write(toFile: path, atomically: true, encoding: .utf8)
            return run(["audit", "verify", "--file", path] + (checkpoint.map { ["--checkpoint", $0] } ?? []))
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// One entry as `audit log --json` prints it.
    struct Entry: Equatable, CustomStringConvertible {
        let actor: String
        let action: String
        let objects: [String]
        let outcome: String
        let reason: String?

        enum Outcome: String { case ok, refused, failed }

        init(_ actor: String, _ action: String, _ objects: [String], _ outcome: Outcome, _ reason: String? = nil) {
            self.actor = actor; self.action = action; self.objects = objects; self.outcome = outcome.rawValue; self.reason = reason
        }

        init(json: [String: Any]) {
            actor = json["actor"] as? String ?? "?"
            action = json["action"] as? String ?? "?"
            objects = json["objects"] as? [String] ?? []
            outcome = json["outcome"] as? String ?? "?"
            reason = json["reason"] as? String
        }

        var description: String { "\(actor.prefix(8)) \(action) \(objects) \(outcome)\(reason.map { ":" + $0 } ?? "")" }
    }

    /// Reads `audit log --json` and returns the entries added since the last call.
    struct LogWatcher {
        let team: Team
        var seen = 0

        init(team: Team) { self.team = team }

        mutating func new() throws -> [Entry] {
            let r = team.run(["audit", "log", "--vault", team.hq, "--json"])
            guard r.status == 0 else { throw Failure("audit log failed: \(r.stderr)") }
            let all = try r.stdout.split(separator: "\n").map { line -> (Int, Entry) in
                guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { throw Failure("bad JSON line") }
                return ((o["seq"] as? Int) ?? -1, Entry(json: o))
            }
            #expect(all.map(\.0) == Array(0..<all.count), "seq runs 0, 1, 2, … without gaps")
            defer { seen = all.count }
            return all.dropFirst(seen).map(\.1)
        }

        mutating func expectNew(_ expected: [Entry], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let got = try new()
            #expect(got == expected, sourceLocation: sourceLocation)
        }
    }

    /// Names of the body files in a vault.
    static func bodies(_ vault: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: vault + "/objects").filter { $0.hasSuffix(".body") }.sorted()
    }

    /// An export entry line with its canonical entry changed (signature kept).
    static func editEntry(_ line: String, _ edit: (String) -> String) throws -> String {
        let parts = line.components(separatedBy: "\"")   // {"entry":"B64","sig":"B64","key":"B64"}
        guard parts.count == 13, let raw = Data(base64Encoded: parts[3]) else { throw Failure("unexpected export line") }
        let changed = edit(String(decoding: raw, as: UTF8.self))
        var p = parts
        p[3] = Data(changed.utf8).base64EncodedString()
        #expect(p[3] != parts[3])
        return p.joined(separator: "\"")
    }

    /// An export entry line with one bit of its signature flipped.
    static func editSignature(_ line: String) throws -> String {
        var p = line.components(separatedBy: "\"")
        guard p.count == 13, var sig = Data(base64Encoded: p[7]) else { throw Failure("unexpected export line") }
        sig[5] ^= 0x01
        p[7] = sig.base64EncodedString()
        return p.joined(separator: "\"")
    }

    /// The canonical entries of an export, decoded.
    static func decodedEntries(_ export: String) throws -> [String] {
        export.split(separator: "\n").compactMap { line in
            let p = line.components(separatedBy: "\"")
            guard p.count == 13, p[1] == "entry", let raw = Data(base64Encoded: p[3]) else { return nil }
            return String(decoding: raw, as: UTF8.self)
        }
    }

    /// RFC 6962 Merkle root of export entry lines, computed independently of SafehouseAudit.
    static func merkleRoot(_ lines: [String]) throws -> [UInt8] {
        let leaves = try lines.map { line -> [UInt8] in
            let p = line.components(separatedBy: "\"")
            guard p.count == 13, let entry = Data(base64Encoded: p[3]), let sig = Data(base64Encoded: p[7]) else { throw Failure("bad line") }
            return SHA256.hash([0] + [UInt8](entry) + [UInt8](sig))
        }
        func root(_ s: ArraySlice<[UInt8]>) -> [UInt8] {
            if s.isEmpty { return SHA256.hash([]) }
            if s.count == 1 { return s.first! }
            var k = 1
            while k * 2 < s.count { k *= 2 }
            return SHA256.hash([1] + root(s.prefix(k)) + root(s.dropFirst(k)))
        }
        return root(leaves[...])
    }
}
