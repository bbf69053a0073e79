import Foundation
import Testing

/// `--out -` (standard output, never a terminal) and `--format` inferred from
/// `--out` (issue 16, small frictions).
@Suite("CLI: --out - and output formats", .serialized)
struct OutputFlagTests {
    /// Runs the binary on a pseudo-terminal (stdin, stdout and stderr), so
    /// `isatty(1)` holds; what it printed comes back on our stdout.
    static let onTerminal = ["/usr/bin/env", "python3", "-c",
                             "import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))"]

    @Test func openToStandardOutput() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = "Field notes: crossing at night.\n"
        let id = try sb.seal(Array(content.utf8))
        let base = ["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga")]
        let r = try sb.run(base + ["--out", "-"])
        #expect(r.status == 0 && r.stdout == content && r.stderr.isEmpty, "\(r)")
        #expect(!sb.exists("-"), "--out - writes no file named -")
        let range = try sb.run(base + ["--bytes", "6:5", "--out", "-"])
        #expect(range.status == 0 && range.stdout == "notes" && range.stderr.isEmpty, "\(range)")
        // The open is audited like one to a file.
        let log = try sb.run(["audit", "log", "--vault", sb.file("hq"), "--action", "open"])
        #expect(log.stdoutLines.count == 2, "\(log)")
    }

    @Test func aRecordOverTheHoldLimitStreamsWhole() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        // Over 16 MiB: written batch by batch as each authenticates.
        let line = Array("0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.\n".utf8)
        let content = Array((0..<((17 << 20) / line.count + 1)).map { _ in line }.joined())
        let id = try sb.seal(content, name: "big.txt", extra: ["--quiet"])
        let r = try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", "-"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.status) \(r.stderr)")
        #expect(r.stdout.utf8.count == content.count && Array(r.stdout.utf8) == content)
    }

    @Test func standardOutputOnATerminalIsRefused() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array("secret words\n".utf8))
        let r = try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", "-"], wrapper: Self.onTerminal)
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.contains("safehouse: error: --out - writes plaintext to standard output, which is a terminal"), "\(r)")
        #expect(!r.stdout.contains("secret words") && !sb.exists("-"), "\(r)")
    }

    @Test func exportToStandardOutputAndFormatFromTheExtension() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let rec = try sb.seal(Array(AccessCLITests.plainTranscript.utf8), name: "talk.txt")
        let ex = try sb.approve(rec)
        let base = ["export", ex, "--vault", sb.file("hq"), "--identity", sb.file("olga")]
        var r = try sb.run(base + ["--format", "srt", "--out", sb.file("explicit.srt")])
        try #require(r.status == 0, "\(r)")
        let srt = String(decoding: try sb.read("explicit.srt"), as: UTF8.self)
        #expect(srt.contains(" --> "))
        // --format left out: the extension says srt.
        r = try sb.run(base + ["--out", sb.file("cut.srt")])
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "\(r)")
        #expect(String(decoding: try sb.read("cut.srt"), as: UTF8.self) == srt)
        // An explicit --format wins over the extension.
        r = try sb.run(base + ["--format", "txt", "--out", sb.file("plain.srt")])
        #expect(r.status == 0, "\(r)")
        #expect(!String(decoding: try sb.read("plain.srt"), as: UTF8.self).contains(" --> "))
        // --out - with --format: the same bytes on stdout, no file.
        r = try sb.run(base + ["--format", "srt", "--out", "-"])
        #expect(r.status == 0 && r.stdout == srt && r.stderr.isEmpty, "\(r)")
        #expect(!sb.exists("-"))
        // Unknown extension, and stdout, without --format: 64 naming the formats; nothing written.
        r = try sb.run(base + ["--out", sb.file("cut.doc")])
        #expect(r.status == 64 && r.stdout.isEmpty, "\(r)")
        #expect(r.stderr == "safehouse: error: cannot tell the format from the name \(sb.file("cut.doc")): pass --format (one of txt, md, json, srt, vtt) or use one of those extensions\n")
        #expect(!sb.exists("cut.doc"))
        r = try sb.run(base + ["--out", "-"])
        #expect(r.status == 64 && r.stdout.isEmpty && r.stderr == "safehouse: error: --out - needs --format (one of txt, md, json, srt, vtt)\n", "\(r)")
    }

    @Test func statsAndAuditReportShareTheOutConvention() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        _ = try sb.seal(Array("notes\n".utf8))
        let stats = ["stats", "--vault", sb.file("hq"), "--identity", sb.file("olga")]
        let oldMD = try sb.run(stats + ["--md"])
        try #require(oldMD.status == 0 && oldMD.stdout.hasPrefix("#"), "\(oldMD)")
        #expect(try sb.run(stats + ["--format", "md"]).stdout == oldMD.stdout)
        var r = try sb.run(stats + ["--out", sb.file("s.md")])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        #expect(String(decoding: try sb.read("s.md"), as: UTF8.self) == oldMD.stdout)
        #expect(try sb.run(stats + ["--format", "json", "--out", "-"]).stdout == (try sb.run(stats + ["--json"])).stdout)
        r = try sb.run(stats + ["--html", sb.file("old.html")])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        r = try sb.run(stats + ["--out", sb.file("new.html")])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        #expect(try sb.read("new.html") == (try sb.read("old.html")))
        r = try sb.run(stats + ["--out", sb.file("s.doc")])
        #expect(r.status == 64 && r.stderr == "safehouse: error: cannot tell the format from --out \(sb.file("s.doc")): pass --format (one of text, json, md, html)\n", "\(r)")
        r = try sb.run(stats + ["--md", "--format", "md"])
        #expect(r.status == 64 && r.stderr == "safehouse: error: give --format/--out or the older --json/--md/--html, not both\n", "\(r)")

        let report = ["audit", "report", "--vault", sb.file("hq"), "--identity", sb.file("olga")]
        r = try sb.run(report + ["--out", sb.file("r.md")])
        #expect(try r.status == 0 && r.stdout.isEmpty && String(decoding: sb.read("r.md"), as: UTF8.self).hasPrefix("#"), "\(r)")
        r = try sb.run(report + ["--format", "html", "--out", sb.file("r.report")])
        #expect(try r.status == 0 && String(decoding: sb.read("r.report"), as: UTF8.self).contains("<html"), "\(r)")
        r = try sb.run(report + ["--format", "md", "--out", "-"])
        #expect(r.status == 0 && r.stdout.hasPrefix("#") && !sb.exists("-"), "\(r)")
        r = try sb.run(report + ["--md", sb.file("old.md")])
        #expect(r.status == 0 && sb.exists("old.md"), "the old spelling still works: \(r)")
        r = try sb.run(report + ["--out", sb.file("r.doc")])
        #expect(r.status == 64 && r.stderr == "safehouse: error: cannot tell the report's format from --out \(sb.file("r.doc")): pass --format html or --format md\n", "\(r)")
        #expect(!sb.exists("r.doc"))
    }

    /// `bundle export --out -` and `bundle import -`: a bundle piped from one vault
    /// to another (`ssh hq safehouse bundle export … --out - | safehouse bundle import -`).
    @Test func bundlesThroughAPipe() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = [UInt8]((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        let id = try sb.seal(content, name: "talk.bin", vault: "field", as: "ivan", extra: ["--quiet"])
        let field = sb.file("field"), hq = sb.file("hq")
        func exporting(_ id: String) -> String { "\"$0\" bundle export \(id) --vault \(field) --out -" }
        let export = exporting(id)
        // Exporter | importer.
        var r = try sb.run(["bundle", "import", "-", "--vault", hq], wrapper: ["/bin/sh", "-c", export + " | \"$0\" \"$@\""])
        #expect(r.status == 0 && r.stdout.contains(id), "\(r)")
        #expect(!sb.exists("-"), "--out - writes no file named -")
        r = try sb.run(["open", id, "--vault", hq, "--identity", sb.file("olga"), "--out", sb.file("opened.bin")])
        #expect(try r.status == 0 && sb.read("opened.bin") == content, "\(r)")
        r = try sb.run(["check", "--vault", hq], passphrase: .none)
        #expect(r.status == 0, "\(r)")
        // The export to stdout is audited like one to a file.
        r = try sb.run(["audit", "log", "--vault", field, "--action", "bundle-export"], passphrase: .none)
        #expect(r.stdoutLines.count == 1, "\(r)")
        // A second record, its bundle flipped in transit, then truncated: refused (65), not imported.
        let second = try sb.seal(content.reversed(), name: "second.bin", vault: "field", as: "ivan", extra: ["--quiet"])
        let flip = "python3 -c 'import sys; b = bytearray(sys.stdin.buffer.read()); b[len(b) // 2] ^= 1; sys.stdout.buffer.write(b)'"
        r = try sb.run(["bundle", "import", "-", "--vault", hq], wrapper: ["/bin/sh", "-c", exporting(second) + " | " + flip + " | \"$0\" \"$@\""])
        #expect(r.status == 65 && r.stdout.isEmpty && r.stderr.contains("the bundle on standard input"), "\(r)")
        r = try sb.run(["bundle", "import", "-", "--vault", hq], wrapper: ["/bin/sh", "-c", exporting(second) + " | head -c 100000 | \"$0\" \"$@\""])
        #expect(r.status == 65 && r.stdout.isEmpty, "\(r)")
        r = try sb.run(["list", "--vault", hq, "--identity", sb.file("olga")])
        #expect(r.status == 0 && r.stdout.contains(id) && !r.stdout.contains(second), "\(r)")
        r = try sb.run(["check", "--vault", hq], passphrase: .none)
        #expect(r.status == 0, "\(r)")
        // A failing export writes nothing to stdout.
        r = try sb.run(["bundle", "export", "0123456789abcdef0123456789abcdef", "--vault", field, "--out", "-"])
        #expect(r.status == 66 && r.stdout.isEmpty, "\(r)")
    }

    @Test func bundlesRefuseATerminal() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array("notes\n".utf8), vault: "field", as: "ivan")
        var r = try sb.run(["bundle", "export", id, "--vault", sb.file("field"), "--out", "-"], wrapper: Self.onTerminal)
        #expect(r.status == 64 && r.stdout.contains("safehouse: error: --out - writes the bundle to standard output, which is a terminal"), "\(r)")
        r = try sb.run(["audit", "log", "--vault", sb.file("field"), "--action", "bundle-export"], passphrase: .none)
        #expect(r.status == 0 && r.stdout.isEmpty, "a refused export is not logged as one: \(r)")
        r = try sb.run(["bundle", "import", "-", "--vault", sb.file("hq")], wrapper: Self.onTerminal)
        #expect(r.status == 64 && r.stdout.contains("reads the bundle from standard input, which is a terminal"), "\(r)")
    }

    @Test func bundleExportAndImportShowProgressOnATerminalOnly() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let big = [UInt8](repeating: 0x5a, count: 9 << 20)
        let id = try sb.seal(big, name: "big.bin", vault: "field", as: "ivan", extra: ["--quiet"])
        let export = ["bundle", "export", id, "--vault", sb.file("field")]
        var r = try sb.run(export + ["--out", sb.file("a.shb")], wrapper: Self.onTerminal)
        #expect(r.status == 0 && r.stdout.contains("exporting [##############################] 100%"), "\(r)")
        r = try sb.run(export + ["--out", sb.file("b.shb")])
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "no bar when stderr is not a terminal: \(r)")
        r = try sb.run(export + ["--out", sb.file("c.shb"), "--quiet"], wrapper: Self.onTerminal)
        #expect(r.status == 0 && !r.stdout.contains("exporting"), "--quiet: \(r)")
        r = try sb.run(["bundle", "import", sb.file("a.shb"), "--vault", sb.file("hq")], wrapper: Self.onTerminal)
        #expect(r.status == 0 && r.stdout.contains("verifying [##############################] 100%") && r.stdout.contains(id), "\(r)")
        r = try sb.run(["bundle", "import", sb.file("b.shb"), "--vault", sb.file("hq")])
        #expect(r.status == 0 && !r.stderr.contains("verifying"), "\(r)")
    }

    @Test func keyringCheckpointAndAuditExportToStandardOutput() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        var r = try sb.run(["team", "export", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", "-"])
        #expect(r.status == 0 && r.stderr.isEmpty && !sb.exists("-"), "\(r)")
        try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: sb.file("piped.keys")))
        r = try sb.run(["init", "--vault", sb.file("field2"), "--team", sb.file("piped.keys")], passphrase: .none)
        #expect(r.status == 0, "the piped keyring is a valid keyring: \(r)")
        r = try sb.run(["audit", "checkpoint", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", "-"])
        #expect(r.status == 0 && !r.stdout.isEmpty && !sb.exists("-"), "\(r)")
        try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: sb.file("cp.txt")))
        r = try sb.run(["audit", "verify", "--vault", sb.file("hq"), "--checkpoint", sb.file("cp.txt")], passphrase: .none)
        #expect(r.status == 0, "\(r)")
        r = try sb.run(["audit", "export", "--vault", sb.file("hq"), "--out", "-"], passphrase: .none)
        #expect(r.status == 0 && r.stderr.isEmpty && !sb.exists("-"), "\(r)")
        try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: sb.file("log.jsonl")))
        r = try sb.run(["audit", "verify", "--file", sb.file("log.jsonl")], passphrase: .none)
        #expect(r.status == 0, "the piped export verifies: \(r)")
    }
}
