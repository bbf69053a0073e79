import Foundation
import Testing

/// Each failure: the contract's exit code, one `safehouse: error:` line, nothing
/// on stdout, and no output file left behind.
@Suite("CLI: exit codes and error lines", .serialized)
struct ExitCodeTests {
    func expectFailure(_ r: RunResult, _ code: Int32, noFile: String? = nil, in sb: Sandbox,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == code, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "stdout carries only requested data: \(r)", sourceLocation: sourceLocation)
        #expect(r.errorLines.count == 1, "exactly one `safehouse: error:` line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderrLines.allSatisfy { $0.hasPrefix("safehouse: ") }, "every stderr line in the contract's form: \(r.stderr)",
                sourceLocation: sourceLocation)
        if let noFile {
            #expect(!sb.exists(noFile), "a failed command left \(noFile) behind", sourceLocation: sourceLocation)
        }
        #expect(sb.listing().allSatisfy { !$0.hasPrefix(".safehouse-tmp") }, "temporary files left behind", sourceLocation: sourceLocation)
    }

    func openArgs(_ sb: Sandbox, _ id: String, vault: String = "hq", key: String = "olga", out: String = "out.txt") -> [String] {
        ["open", id, "--vault", sb.file(vault), "--identity", sb.file(key), "--out", sb.file(out)]
    }

    @Test func wrongPassphraseIs77AndAudited() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array("secret".utf8))
        let r = try sb.run(openArgs(sb, id), passphrase: .env("not-the-WRONGPASS-marker"))
        expectFailure(r, 77, noFile: "out.txt", in: sb)
        #expect(!r.stderr.contains("WRONGPASS"), "the wrong passphrase is echoed: \(r.stderr)")
        #expect(r.errorLines.first?.contains("passphrase") == true, "the line says what went wrong: \(r.stderr)")
        try Data("also-WRONGPASS\n".utf8).write(to: URL(fileURLWithPath: sb.file("pw")))
        let viaFile = try sb.run(openArgs(sb, id), passphrase: .file(sb.file("pw")))
        expectFailure(viaFile, 77, noFile: "out.txt", in: sb)
        #expect(!viaFile.stderr.contains("WRONGPASS"))
        // the failed unlock is in the audit log, attributed to the key's fingerprint
        let log = try sb.run(["audit", "log", "--vault", sb.file("hq"), "--json"], passphrase: .none)
        #expect(log.status == 0)
        let entries = try log.stdoutLines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let unlocks = entries.filter { $0["action"] as? String == "unlock" }
        #expect(unlocks.count == 2)
        #expect(unlocks.allSatisfy { $0["outcome"] as? String == "refused" && $0["reason"] as? String == "wrong-passphrase" })
        #expect(!log.stdout.contains("WRONGPASS"))
        #expect(try sb.run(["audit", "verify", "--vault", sb.file("hq")], passphrase: .none).status == 0)
    }

    @Test func theFieldLaptopCannotOpenItsOwnRecord() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array("interview".utf8), vault: "field", as: "ivan")
        let r = try sb.run(openArgs(sb, id, vault: "field", key: "ivan"))
        expectFailure(r, 77, noFile: "out.txt", in: sb)
        #expect(r.errorLines.first?.contains(id) == true, "the line names the record: \(r.stderr)")
    }

    @Test func anEditorCannotOpenAnOriginal() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array("original".utf8))
        expectFailure(try sb.run(openArgs(sb, id, key: "edith")), 77, noFile: "out.txt", in: sb)
        // nor seal to an editor
        try Data("x".utf8).write(to: URL(fileURLWithPath: sb.file("x.txt")))
        let to = try sb.run(["seal", sb.file("x.txt"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                             "--kind", "interview", "--country", "KR", "--to", "Edith"])
        expectFailure(to, 77, in: sb)
    }

    @Test func missingInputFileIs66() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let r = try sb.run(["seal", sb.file("no-such-file.wav"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                            "--kind", "interview", "--country", "KR"])
        expectFailure(r, 66, in: sb)
        #expect(try sb.run(["bundle", "import", sb.file("no.shb"), "--vault", sb.file("hq")], passphrase: .none).status == 66)
        #expect(try sb.run(["key", "show", sb.file("nobody.pub")], passphrase: .none).status == 66)
        #expect(try sb.run(["check", "--vault", sb.file("no-vault")], passphrase: .none).status == 66)
    }

    @Test func missingRecordIs66() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        for id in [String(repeating: "ab", count: 16), "not-an-id"] {
            expectFailure(try sb.run(openArgs(sb, id)), 66, noFile: "out.txt", in: sb)
        }
        let export = try sb.run(["bundle", "export", String(repeating: "cd", count: 16), "--vault", sb.file("hq"), "--out", sb.file("b.shb")],
                                passphrase: .none)
        expectFailure(export, 66, noFile: "b.shb", in: sb)
    }

    @Test func anExistingOutputIs73AndUntouched() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array("fresh content".utf8))
        try Data("precious".utf8).write(to: URL(fileURLWithPath: sb.file("out.txt")))
        expectFailure(try sb.run(openArgs(sb, id)), 73, in: sb)
        #expect(try sb.read("out.txt") == Array("precious".utf8))
        let forced = try sb.run(openArgs(sb, id) + ["--force"])
        #expect(forced.status == 0, "\(forced)")
        #expect(try sb.read("out.txt") == Array("fresh content".utf8))
        // a bundle output as well
        try Data("keep".utf8).write(to: URL(fileURLWithPath: sb.file("b.shb")))
        expectFailure(try sb.run(["bundle", "export", id, "--vault", sb.file("hq"), "--out", sb.file("b.shb")], passphrase: .none), 73, in: sb)
        #expect(try sb.read("b.shb") == Array("keep".utf8))
    }

    @Test func tamperedDataIs65() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array(repeating: 0x42, count: 70_000), vault: "field", as: "ivan")
        #expect(try sb.run(["bundle", "export", id, "--vault", sb.file("field"), "--out", sb.file("b.shb")], passphrase: .none).status == 0)
        var bundle = try sb.read("b.shb")
        bundle[bundle.count / 2] ^= 0x01
        try Data(bundle).write(to: URL(fileURLWithPath: sb.file("bad.shb")))
        expectFailure(try sb.run(["bundle", "import", sb.file("bad.shb"), "--vault", sb.file("hq")], passphrase: .none), 65, in: sb)
        #expect(sb.listing("hq/objects").allSatisfy { !$0.hasPrefix(id) }, "nothing of a refused bundle is kept")
        // a tampered key file
        var key = try sb.read("olga")
        key[0] ^= 0x01
        try Data(key).write(to: URL(fileURLWithPath: sb.file("olga-bad")))
        try FileManager.default.copyItem(atPath: sb.file("olga.pub"), toPath: sb.file("olga-bad.pub"))
        expectFailure(try sb.run(openArgs(sb, id, key: "olga-bad")), 65, noFile: "out.txt", in: sb)
        // a flipped byte in a stored body: open refuses, no output; check reports it
        #expect(try sb.run(["bundle", "import", sb.file("b.shb"), "--vault", sb.file("hq")], passphrase: .none).status == 0)
        let body = try #require(sb.listing("hq/objects").first { $0.hasPrefix(id) })
        var bytes = try sb.read("hq/objects/" + body)
        bytes[bytes.count - 1] ^= 0x80
        try Data(bytes).write(to: URL(fileURLWithPath: sb.file("hq/objects/" + body)))
        expectFailure(try sb.run(openArgs(sb, id)), 65, noFile: "out.txt", in: sb)
        expectFailure(try sb.run(["check", "--vault", sb.file("hq")], passphrase: .none), 65, in: sb)
    }

    @Test func unknownFlagIs64() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        try Data("x".utf8).write(to: URL(fileURLWithPath: sb.file("x.txt")))
        let r = try sb.run(["seal", sb.file("x.txt"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                            "--kind", "interview", "--country", "KR", "--bogus-flag"])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("--bogus-flag"), "the message names the flag: \(r.stderr)")
        #expect(r.errorLines.count == 1, "usage errors too are one `safehouse: error:` line (CLI-CONTRACT, Common): \(r.stderr)")
        #expect(try sb.run(["open", "--vault", sb.file("hq")]).status == 64)
        #expect(try sb.run(["frobnicate"], passphrase: .none).status == 64)
        // a bad value is a usage error as well, reported by the library in the contract's form
        let country = try sb.run(["seal", sb.file("x.txt"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                                  "--kind", "interview", "--country", "Korea"])
        #expect(country.status == 64 && country.errorLines.count == 1, "\(country)")
        #expect(sb.listing("hq/objects").filter { $0.hasSuffix(".body") && $0 != "new.body" }.isEmpty)
    }
}
