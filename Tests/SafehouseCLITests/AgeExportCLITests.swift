import Foundation
import SafehouseCrypto
import Testing

/// `export --age-recipient` and `key show --age` (issue 16, "age-format export"):
/// `age -d` opens every age export, byte-equal to the plain export; recipients
/// files as age reads them; usage errors name the line; every refusal of a
/// plain export applies first, and no file is left; the audit entry names each
/// recipient's fingerprint. The `age` tools must be installed: missing, the tests fail.
@Suite("CLI: age export", .serialized)
struct AgeExportCLITests {
    static let transcript = """
        [00:00:10] REPORTER: The river was frozen that winter.
        [00:00:20] WITNESS: We waited for the night before crossing.

        """

    static func tool(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(path, "`\(name)` is not installed (Debian package `age`; setup.sh installs it)", sourceLocation: sourceLocation)
    }

    /// An outside editor's `age-keygen` key in the sandbox: (identity file, recipient).
    static func outsideKey(_ t: Sandbox, _ name: String) throws -> (path: String, recipient: String) {
        let r = try runTool(try tool("age-keygen"), ["-o", t.file(name)])
        try #require(r.status == 0, "\(r)")
        let text = try String(contentsOfFile: t.file(name), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("# public key: ") })
        return (t.file(name), String(line.dropFirst("# public key: ".count)))
    }

    /// `age -d -i key file`: the plaintext, or nil when age refuses.
    static func ageDecrypt(_ t: Sandbox, key: String, _ file: String) throws -> [UInt8]? {
        let r = try runTool(try tool("age"), ["-d", "-i", key, "-o", t.file(".age-out"), t.file(file)])
        defer { try? FileManager.default.removeItem(atPath: t.file(".age-out")) }
        return r.status == 0 ? try t.read(".age-out") : nil
    }

    /// A team, one approved excerpt granted to Edith: the excerpt id.
    static func excerptForEdith(_ t: Sandbox) throws -> String {
        try t.makeTeam()
        let ex = try t.approve(try t.seal(Array(transcript.utf8), name: "talk.txt"))
        try t.grant(ex, to: "Edith")
        return ex
    }

    @Test func ageExportIsByteEqualToThePlainExportInEveryFormat() throws {
        let t = try Sandbox()
        defer { t.remove() }
        let ex = try Self.excerptForEdith(t)
        let (key, recipient) = try Self.outsideKey(t, "broadcaster.txt")
        for format in ["txt", "md", "json", "srt", "vtt"] {
            for who in ["edith", "olga"] {
                var r = try t.export(ex, as: who, out: "\(who).\(format)", format: format)
                try #require(r.status == 0, "\(r)")
                r = try t.export(ex, as: who, out: "\(who).\(format).age", format: format, extra: ["--age-recipient", recipient])
                try #require(r.status == 0, "\(r)")
                #expect(r.stdout.isEmpty, "stdout carries nothing for an export to a file: \(r)")
                let file = try t.read("\(who).\(format).age")
                #expect(file.starts(with: Array("age-encryption.org/v1\n-> X25519 ".utf8)), "\(who) \(format): not an age file")
                #expect(!file.contains(subsequence: Array("river was frozen".utf8)), "\(who) \(format): plaintext in the age file")
                let attrs = try FileManager.default.attributesOfItem(atPath: t.file("\(who).\(format).age"))
                #expect((attrs[.posixPermissions] as? Int) == 0o600)
                let opened = try Self.ageDecrypt(t, key: key, "\(who).\(format).age")
                #expect(opened == (try t.read("\(who).\(format)")), "\(who) \(format): age -d must give the plain export byte for byte")
            }
        }
    }

    @Test func keyShowAgePrintsTheMembersRecipient() throws {
        let t = try Sandbox()
        defer { t.remove() }
        let ex = try Self.excerptForEdith(t)
        var r = try t.run(["key", "show", t.file("edith.pub"), "--age"])
        try #require(r.status == 0, "\(r)")
        let recipient = r.stdout.trimmingCharacters(in: .newlines)
        #expect(r.stdoutLines.count == 1 && recipient.hasPrefix("age1") && recipient.count == 62, "\(r)")
        // It is the card's box key in Bech32, and age itself accepts it.
        let card = String(decoding: try t.read("edith.pub"), as: UTF8.self)
        let box = try #require(card.split(separator: "\n").first { $0.hasPrefix("box: ") }.flatMap { Data(base64Encoded: String($0.dropFirst(5))) })
        #expect(Bech32.decode(recipient)?.data == [UInt8](box) && Bech32.decode(recipient)?.hrp == "age")
        let enc = try runTool(try Self.tool("age"), ["-r", recipient, "-o", t.file("to-edith.age"), t.file("edith.pub")])
        #expect(enc.status == 0, "age -r refuses the recipient: \(enc)")
        // The officer exports to both the member and an outside key at once.
        let (key, outside) = try Self.outsideKey(t, "outside.txt")
        r = try t.export(ex, as: "olga", out: "two.age", extra: ["--age-recipient", recipient, "--age-recipient", outside])
        try #require(r.status == 0, "\(r)")
        r = try t.export(ex, as: "olga", out: "plain.txt")
        #expect(try Self.ageDecrypt(t, key: key, "two.age") == (try t.read("plain.txt")))
        // A secret key file has no --age form; a missing card is 66.
        r = try t.run(["key", "show", t.file("edith"), "--age"])
        #expect(r.status == 64 && r.stdout.isEmpty && r.stderr.contains("member card"), "\(r)")
        r = try t.run(["key", "show", t.file("nobody.pub"), "--age"])
        #expect(r.status == 66, "\(r)")
    }

    @Test func recipientsFileAsAgeReadsIt() throws {
        let t = try Sandbox()
        defer { t.remove() }
        let ex = try Self.excerptForEdith(t)
        let a = try Self.outsideKey(t, "a.txt"), b = try Self.outsideKey(t, "b.txt"), c = try Self.outsideKey(t, "c.txt")
        try Data("# broadcaster edit suite\n\n\(a.recipient)\n   \n  \(b.recipient)  \r\n# end\n".utf8).write(to: URL(fileURLWithPath: t.file("rcpt.txt")))
        var r = try t.export(ex, as: "edith", out: "x.age", extra: ["--age-recipients-file", t.file("rcpt.txt"), "--age-recipient", c.recipient])
        try #require(r.status == 0, "\(r)")
        r = try t.export(ex, as: "edith", out: "x.txt")
        for k in [a, b, c] { #expect(try Self.ageDecrypt(t, key: k.path, "x.age") == (try t.read("x.txt")), "\(k.path)") }
        #expect(try Self.ageDecrypt(t, key: try Self.outsideKey(t, "d.txt").path, "x.age") == nil, "a fourth key opens nothing")
    }

    @Test func badRecipientsAreUsageErrorsNamingTheLine() throws {
        let t = try Sandbox()
        defer { t.remove() }
        let ex = try Self.excerptForEdith(t)
        let good = try Self.outsideKey(t, "a.txt").recipient
        let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN"
        let plugin = Bech32.encode(hrp: "age1yubikey", data: [UInt8](repeating: 7, count: 33))
        var typo = Array(good)
        typo[20] = typo[20] == "q" ? "p" : "q"
        let auditBefore = try t.run(["audit", "log", "--vault", t.file("hq"), "--json"]).stdout
        let cases: [(String, String, String)] = [
            ("# list\n\(good)\n\(ssh)\n", "line 3", "SSH"),
            ("\(good)\n\n\(plugin)\n", "line 3", "plugin"),
            ("\(String(typo))\n", "line 1", "not an age recipient"),
            ("# only comments\n\n", "no recipient", "holds"),
        ]
        for (i, (text, place, kind)) in cases.enumerated() {
            try Data(text.utf8).write(to: URL(fileURLWithPath: t.file("r\(i).txt")))
            let r = try t.export(ex, as: "edith", out: "bad\(i).age", extra: ["--age-recipients-file", t.file("r\(i).txt")])
            #expect(r.status == 64, "\(r)")
            #expect(r.stderr.contains(place) && r.stderr.contains(kind) && r.stderr.contains("r\(i).txt"), "\(r)")
            #expect(!r.stderr.contains("AAAAC3Nz") && !r.stderr.contains(String(typo)) && !r.stderr.contains(good), "the line is not echoed: \(r)")
            #expect(!t.exists("bad\(i).age"))
        }
        for (value, kind) in [(ssh, "SSH"), (String(typo), "not an age recipient"), ("age1", "not an age recipient"), (plugin, "plugin")] {
            let r = try t.export(ex, as: "edith", out: "bad.age", extra: ["--age-recipient", good, "--age-recipient", value])
            #expect(r.status == 64 && r.stderr.contains("--age-recipient #2") && r.stderr.contains(kind), "\(r)")
            #expect(!t.exists("bad.age"))
        }
        let r = try t.export(ex, as: "edith", out: "bad.age", extra: ["--age-recipients-file", t.file("missing.txt")])
        #expect(r.status == 66 && !t.exists("bad.age"), "\(r)")
        #expect(try t.run(["audit", "log", "--vault", t.file("hq"), "--json"]).stdout == auditBefore, "usage errors are not exports")
    }

    @Test func refusalsApplyBeforeAnythingIsWritten() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let ex = try t.approve(try t.seal(Array(Self.transcript.utf8), name: "talk.txt"))
        let (_, recipient) = try Self.outsideKey(t, "a.txt")
        let age = ["--age-recipient", recipient]
        func refused(_ why: String, as who: String = "edith", status: Int32 = 77) throws {
            let before = t.listing()
            let r = try t.export(ex, as: who, out: "refused.age", extra: age)
            #expect(r.status == status, "\(why): \(r)")
            #expect(r.stdout.isEmpty && r.stderr.contains("safehouse: error:"), "\(why): \(r)")
            #expect(!t.exists("refused.age") && t.listing() == before, "\(why): nothing is left behind")
        }
        try refused("no grant")
        try refused("the interviewer", as: "ivan")
        try t.grant(ex, to: "Edith")
        var r = try t.export(ex, as: "edith", out: "ok.age", extra: age)
        #expect(r.status == 0, "\(r)")
        r = try t.export(ex, as: "edith", out: "ok.age", extra: age)
        #expect(r.status == 73, "an existing output is not replaced without --force: \(r)")
        r = try t.export(ex, as: "edith", out: "ok.age", extra: age + ["--force"])
        #expect(r.status == 0, "\(r)")
        r = try t.run(["revoke", ex, "--from", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        try refused("after revocation")

        // Withdrawn consent refuses the age export as it does the plain one, for everyone
        // (an editor's copy is revoked by the withdrawal, an officer sees the withdrawal).
        try Data(AccessCLITests.sheet.utf8).write(to: URL(fileURLWithPath: t.file("sheet.json")))
        r = try t.run(["subject", "import", t.file("sheet.json"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0 && r.stdoutLines.count == 1, "\(r)")
        let subject = r.stdoutLines[0]
        let about = try t.approve(try t.seal(Array(AccessCLITests.transcriptAboutSubject.utf8), name: "about.txt", extra: ["--subject", subject]))
        try t.grant(about, to: "Edith")
        r = try t.export(about, as: "edith", out: "before.age", extra: age)
        #expect(r.status == 0, "\(r)")
        r = try t.run(["subject", "withdraw", subject, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        for (who, reason) in [("edith", "revoked"), ("olga", "withdrawn consent")] {
            let before = t.listing()
            r = try t.export(about, as: who, out: "withdrawn.age", extra: age)
            #expect(r.status == 77 && r.stderr.contains(reason), "\(who): \(r)")
            #expect(!t.exists("withdrawn.age") && t.listing() == before, "\(who): nothing is left behind")
        }
    }

    @Test func theAuditEntryNamesEachRecipientsFingerprint() throws {
        let t = try Sandbox()
        defer { t.remove() }
        let ex = try Self.excerptForEdith(t)
        let a = try Self.outsideKey(t, "a.txt").recipient, b = try Self.outsideKey(t, "b.txt").recipient
        let r = try t.export(ex, as: "edith", out: "x.age", format: "srt", extra: ["--age-recipient", a, "--age-recipient", b])
        try #require(r.status == 0, "\(r)")
        let log = try t.run(["audit", "log", "--vault", t.file("hq"), "--json"])
        try #require(log.status == 0, "\(log)")
        // Fingerprint: hex of the first 16 bytes of SHA-256 of the 32-byte key.
        let fps = try [a, b].map { r in hex(Array(SHA256.hash(try #require(Bech32.decode(r)).data).prefix(16))) }
        let exportLines = log.stdout.split(separator: "\n").filter { $0.contains("\"export\"") }
        let last = try #require(exportLines.last, "\(log)")
        for fp in fps { #expect(last.contains("age-recipient:\(fp)"), "\(last)") }
        #expect(last.contains("format:srt") && last.contains(ex), "\(last)")
        #expect(!last.contains(a) && !last.contains(b), "the entry holds fingerprints, not the recipients")
        #expect(try t.run(["audit", "verify", "--vault", t.file("hq")]).status == 0)
    }
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
