import Foundation
import Testing

/// `safehouse stats`: officers only, audited, small cells suppressed in every
/// format, and the HTML chart really drawn (headless Chromium, when installed).
@Suite("CLI: stats", .serialized)
struct StatsCLITests {
    @Test func statsSuppressSmallCellsInEveryFormatAndAreOfficerOnly() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        for _ in 0..<4 { _ = try t.seal(Array("[00:00:01] A: x".utf8), name: "FILENAME-MARKER.txt", as: "ivan", extra: ["--rating", "4"]) }
        _ = try t.seal(Array("one".utf8), name: "one.txt", as: "ivan", extra: ["--kind", "legal", "--status", "filed"])
        var r = try t.run(["stats", "--json", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0, "\(r)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tables = try #require(json["tables"] as? [[String: Any]])
        let byKind = try #require(tables.first { ($0["title"] as? String) == "Records by kind and country" })
        let cells = try #require(byKind["cells"] as? [[Any]])
        // Four interviews rated 4 and one legal record: with the ratings table beside
        // it, a printed total of 5 would give the legal record away, so it is hidden.
        #expect(byKind["total"] as? Int != 5)
        // The independent solver finds no hidden number in what was printed.
        try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: t.file("stats.json")))
        let attack = try runTool("/usr/bin/env", ["python3", CLI.repoRoot.appendingPathComponent("Tests/Python/attack_stats.py").path, t.file("stats.json")])
        #expect(attack.status == 0, "\(attack)")
        #expect(cells.flatMap { $0 }.contains { ($0 as? String) == "<3" }, "the single legal record must read <3")
        for format in [["--md"], [], ["--json"]] {
            r = try t.run(["stats", "--vault", t.file("hq"), "--identity", t.file("olga")] + format)
            #expect(r.status == 0)
            #expect(!r.stdout.contains("MARKER") && !r.stdout.contains("one.txt"))
            #expect(!r.stdout.contains(" 1 ") || format == ["--md"] || format == [], "a count of one must not be printed")
        }
        r = try t.run(["stats", "--vault", t.file("hq"), "--identity", t.file("edith")])
        #expect(r.status == 77 && r.stderr.contains("safehouse: error:"))
        r = try t.run(["stats", "--threshold", "2", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 64, "the threshold can only be raised")
        r = try t.run(["audit", "log", "--json", "--vault", t.file("hq")])
        let actions = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { ($0["action"] as? String) == "stats" }.map { $0["outcome"] as? String }
        #expect(actions.contains("ok") && actions.contains("refused"))
    }

    @Test(.enabled(if: (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/chromium") },
                   "chromium is not installed (Debian package `chromium`)"))
    func chromiumDrawsTheStatsChart() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        for _ in 0..<5 { _ = try t.seal(Array("x".utf8), as: "ivan") }
        let r = try t.run(["stats", "--html", t.file("stats.html"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0, "\(r)")
        let html = String(decoding: try t.read("stats.html"), as: UTF8.self)
        #expect(html.contains("<svg") && !html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.repoRoot.appendingPathComponent("scripts/check-report-chromium.sh").path, t.file("stats.html"), t.file("stats.png")]
        p.environment = ProcessInfo.processInfo.environment.merging(["CHART": "stats"]) { $1 }
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "the bar chart is not drawn in the screenshot")
    }
}
