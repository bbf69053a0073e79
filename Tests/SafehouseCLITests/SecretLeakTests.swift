import Foundation
import Testing

@Suite("CLI: no secrets or plaintext in output", .serialized)
struct SecretLeakTests {
    static let contentMarker = "PLAINTEXT-MARKER-k4Rx"

    @Test func aWholeSessionNeverPrintsThePassphraseOrPlaintext() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = Array(String(repeating: "\(Self.contentMarker) the source's own words\n", count: 2000).utf8)
        let fieldID = try sb.seal(content, name: "words.txt", vault: "field", as: "ivan")
        let hqID = try sb.seal(content, name: "words2.txt")
        let commands: [[String]] = [
            ["list", "--vault", sb.file("field"), "--identity", sb.file("ivan")],
            ["list", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--json"],
            ["open", fieldID, "--vault", sb.file("field"), "--identity", sb.file("ivan"), "--out", sb.file("o1")],
            ["open", hqID, "--vault", sb.file("hq"), "--identity", sb.file("edith"), "--out", sb.file("o2")],
            ["open", hqID, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("o3")],
            ["open", hqID, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("o3")],
            ["bundle", "export", fieldID, "--vault", sb.file("field"), "--out", sb.file("b.shb")],
            ["bundle", "import", sb.file("b.shb"), "--vault", sb.file("hq")],
            ["check", "--vault", sb.file("hq")],
            ["audit", "log", "--vault", sb.file("hq")],
            ["audit", "log", "--vault", sb.file("field"), "--json"],
            ["key", "show", sb.file("olga")],
            ["team", "list", "--vault", sb.file("hq")],
        ]
        for args in commands { try sb.run(args) }
        // and with a wrong passphrase, through both channels
        try sb.run(["open", hqID, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("o4")],
                   passphrase: .env(cliPassphrase + "-but-wrong"))
        // (Sandbox.run already checks every stdout/stderr for the passphrase)
        #expect(sb.history.count >= commands.count + 8)
        #expect(try sb.read("o3") == content, "control: the marker is in the plaintext")
        for r in sb.history {
            #expect(!r.stderr.contains(Self.contentMarker), "plaintext on stderr: \(r)")
            // Only an error about the very file a command was given may name it (its own input path).
            let givenTheFile = r.args.contains { $0.hasSuffix("/words.txt") }
            let namesTheFile = r.stderr.contains("words.txt")
            #expect(!namesTheFile || (givenTheFile && !r.errorLines.isEmpty), "a sealed file name on stderr: \(r)")
            if !r.args.contains("--out") || r.args.first != "open" {
                #expect(!r.stdout.contains(Self.contentMarker), "plaintext on stdout: \(r.args)")
            }
        }
        // the field vault's listing and audit log never show file names
        let fieldLog = try #require(sb.history.first { $0.args.starts(with: ["audit", "log"]) && $0.args.contains(sb.file("field")) })
        #expect(!fieldLog.stdout.contains("words"))
        let fieldList = try #require(sb.history.first { $0.args.first == "list" && $0.args.contains(sb.file("field")) })
        #expect(!fieldList.stdout.contains("words") && !fieldList.stdout.contains("interview"))
        // nothing readable in the vault folders or the bundle
        for dir in ["hq", "field"] {
            let files = FileManager.default.enumerator(atPath: sb.file(dir))?.allObjects as? [String] ?? []
            for f in files {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: sb.file(dir + "/" + f), isDirectory: &isDir), !isDir.boolValue else { continue }
                let data = try Data(contentsOf: URL(fileURLWithPath: sb.file(dir + "/" + f)))
                #expect(data.range(of: Data(Self.contentMarker.utf8)) == nil, "plaintext in \(dir)/\(f)")
                #expect(data.range(of: Data("words.txt".utf8)) == nil, "a file name in \(dir)/\(f)")
                #expect(data.range(of: Data(cliPassphrase.utf8)) == nil)
            }
        }
        let bundle = try Data(contentsOf: URL(fileURLWithPath: sb.file("b.shb")))
        #expect(bundle.range(of: Data(Self.contentMarker.utf8)) == nil && bundle.range(of: Data("words.txt".utf8)) == nil)
    }

    @Test func thePassphraseIsNeverTakenFromArguments() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let r = try sb.run(["key", "new", "--name", "X", "--role", "officer", "--out", sb.file("x"), "--passphrase", "argv-secret"],
                           passphrase: .none)
        #expect(r.status == 64, "\(r)")
        #expect(!sb.exists("x"))
        // with no passphrase source and no terminal, a clear error instead of a prompt
        let none = try sb.run(["key", "new", "--name", "X", "--role", "officer", "--out", sb.file("y"), "--kdf", "interactive"], passphrase: .none)
        #expect(none.status != 0)
        #expect(none.errorLines.count == 1 && none.stderr.contains("SAFEHOUSE_PASSPHRASE"), "\(none)")
        #expect(!sb.exists("y") && !sb.exists("y.pub"))
    }
}
