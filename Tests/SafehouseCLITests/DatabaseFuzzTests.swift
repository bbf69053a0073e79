import Foundation
import Testing

/// A damaged database is reported, never a trap (issue 15): every column of
/// every table set to NULL, text, an integer or a blob, headers swapped, an audit
/// row duplicated — each read command then exits 0, 65, 66 or 77, never with a
/// signal, and `check` reports every damage it can see.
@Suite("CLI: database fuzzer", .serialized)
struct DatabaseFuzzTests {
    @Test func everyColumnOfEveryTableDamagedNeverTraps() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        try Data(AccessCLITests.sheet.utf8).write(to: URL(fileURLWithPath: t.file("sheet.json")))
        var r = try t.run(["subject", "import", t.file("sheet.json"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let ex = try t.approve(try t.seal(Array(AccessCLITests.transcriptAboutSubject.utf8), name: "talk.txt"))
        try t.grant(ex, to: "Edith", expires: "2030-01-01")
        r = try t.run(["subject", "withdraw", r.stdoutLines[0], "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.repoRoot.appendingPathComponent("Tests/Python/db_fuzz.py").path, t.binary, t.file("hq"), t.file("olga")]
        var env = CLI.environment(home: t.path, passphrase: cliPassphrase, extra: [:])
        env["SAFEHOUSE_NO_AGENT"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "python3 must run the database fuzzer")
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.count > 300, "the fuzzer ran \(lines.count) commands")
        for l in lines {
            let code = Int32(l.last ?? "") ?? -1
            #expect([0, 65, 66, 77].contains(code), "\(l.joined(separator: " "))")
            // `check` sees every damage but a first leaf hash it recomputes anyway.
            if l.count >= 4, l[l.count - 2] == "check-" && !(l[0] == "audit" && l[1] == "leaf_hash") {
                #expect(code == 65, "check missed: \(l.joined(separator: " "))")
            }
        }
    }
}
