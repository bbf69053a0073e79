import Foundation
import Testing

/// `safehouse recovery split|combine` end to end, with the built binary (Docs/RECOVERY.md).
/// Uses the shared `Sandbox` (Support/CLITestSupport.swift); keys come from `CachedKeys`
/// (made with `key new --kdf interactive`, passphrase `cliPassphrase`).
@Suite("CLI: recovery", .serialized)
struct RecoveryCLITests {
    static let newPassphrase = "recovered-pass-7f"

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    /// The share digits of a share file (the secret part), to check they appear nowhere else.
    static func dataDigits(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("data:") }.flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) }
    }

    @Test func splitDeleteCombineThenTheNewKeyOpensOldRecords() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.installKeys(["olga"])
        #expect(try sb.run(["init", "--vault", sb.file("hq"), "--identity", sb.file("olga")]).status == 0)
        let testimony = Array("testimony sealed before the key was lost\n".utf8)
        let rid = try sb.seal(testimony)
        let originalCard = try sb.read("olga.pub")
        let fp = try #require(try sb.run(["key", "show", sb.file("olga.pub")], passphrase: .none).stdoutLines.last)

        let split = try sb.run(["recovery", "split", "--identity", sb.file("olga"), "--shares", "5", "--threshold", "3",
                                "--out-dir", sb.file("shares"), "--vault", sb.file("hq")])
        #expect(split.status == 0, "\(split)")
        #expect(split.stdoutLines == (1...5).map { sb.file("shares/share-\($0)-of-5.txt") })
        #expect(split.errorLines.isEmpty)
        #expect(sb.listing("shares") == (1...5).map { "share-\($0)-of-5.txt" })
        var digits: [String] = []
        for i in 1...5 {
            let path = sb.file("shares/share-\(i)-of-5.txt")
            #expect(Self.mode(path) == 0o600)
            let text = String(decoding: try sb.read("shares/share-\(i)-of-5.txt"), as: UTF8.self)
            #expect(text.hasPrefix("safehouse-recovery-share v1\nmember: Olga\nrole: officer\n\(fp)\n"))
            #expect(text.contains("\nthreshold: 3\nshare: \(i) of 5\n"))
            digits += Self.dataDigits(text)
        }

        // The key and its card are lost.
        try FileManager.default.removeItem(atPath: sb.file("olga"))
        try FileManager.default.removeItem(atPath: sb.file("olga.pub"))

        let combine = try sb.run(["recovery", "combine", sb.file("shares/share-2-of-5.txt"), sb.file("shares/share-4-of-5.txt"),
                                  sb.file("shares/share-5-of-5.txt"), "--out", sb.file("olga-new"), "--kdf", "interactive",
                                  "--vault", sb.file("hq")], passphrase: .env(Self.newPassphrase))
        #expect(combine.status == 0, "\(combine)")
        #expect(combine.stdoutLines == ["\(sb.file("olga-new")).pub: Olga (officer)", fp])
        #expect(Self.mode(sb.file("olga-new")) == 0o600)
        #expect(try sb.read("olga-new.pub") == originalCard, "the rebuilt card must equal the original")

        // The new file answers to the new passphrase only, and opens the old record.
        let oldPass = try sb.run(["open", rid, "--vault", sb.file("hq"), "--identity", sb.file("olga-new"), "--out", sb.file("a.txt")])
        #expect(oldPass.status == 77, "\(oldPass)")
        #expect(!sb.exists("a.txt"))
        let open = try sb.run(["open", rid, "--vault", sb.file("hq"), "--identity", sb.file("olga-new"), "--out", sb.file("out.txt")],
                              passphrase: .env(Self.newPassphrase))
        #expect(open.status == 0, "\(open)")
        #expect(try sb.read("out.txt") == testimony)

        // Both steps are on record, without share content, and the log verifies.
        let log = try sb.run(["audit", "log", "--vault", sb.file("hq")], passphrase: .none)
        let compact = fp.dropFirst("fingerprint: ".count).replacingOccurrences(of: "-", with: "")
        let splitLine = try #require(log.stdoutLines.first { $0.contains("\trecovery-split\t") })
        #expect(splitLine.hasSuffix("\tok\t\(compact),k:3,n:5"))
        let combineLine = try #require(log.stdoutLines.first { $0.contains("\trecovery-combine\t") })
        #expect(combineLine.hasSuffix("\tok\t\(compact),k:3,n:5"))
        #expect(try sb.run(["audit", "verify", "--vault", sb.file("hq")], passphrase: .none).status == 0)

        // No share digit ever reached stdout or stderr (set id and checksum are not secret).
        let everything = sb.history.map { $0.stdout + $0.stderr }.joined()
        #expect(!digits.contains { everything.contains($0 + " ") }, "share data appeared in command output")
    }

    /// Shares made once for the refusal tests: a 3-of-5 split of olga, and a second 2-of-3 split.
    static func splitTwice(_ sb: Sandbox) throws {
        try sb.installKeys(["olga"])
        for (dir, n, k) in [("a", "5", "3"), ("b", "3", "2")] {
            let r = try sb.run(["recovery", "split", "--identity", sb.file("olga"), "--shares", n, "--threshold", k, "--out-dir", sb.file(dir)])
            try #require(r.status == 0, "\(r)")
        }
    }

    @Test func refusalsLeaveNoKeyFile() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try Self.splitTwice(sb)
        let out = sb.file("rec")
        func combine(_ shares: [String]) throws -> RunResult {
            try sb.run(["recovery", "combine"] + shares.map { sb.file($0) } + ["--out", out, "--kdf", "interactive"],
                       passphrase: .env(Self.newPassphrase))
        }

        // One mistyped character: exit 65, naming the file and "checksum mismatch".
        var text = String(decoding: try sb.read("a/share-2-of-5.txt"), as: UTF8.self)
        let dataLine = try #require(text.range(of: "\ndata: "))
        let at = text.index(dataLine.upperBound, offsetBy: 2)
        text.replaceSubrange(at...at, with: text[at] == "q" ? "r" : "q")
        try Data(text.utf8).write(to: URL(fileURLWithPath: sb.file("typed.txt")))
        let typo = try combine(["a/share-1-of-5.txt", "typed.txt", "a/share-3-of-5.txt"])
        #expect(typo.status == 65, "\(typo)")
        #expect(typo.errorLines.first?.contains(sb.file("typed.txt") + ": checksum mismatch") == true, "\(typo)")
        #expect(!Self.dataDigits(text).contains { typo.stderr.contains($0 + " ") })

        // Fewer than the threshold.
        let few = try combine(["a/share-1-of-5.txt", "a/share-3-of-5.txt"])
        #expect(few.status == 64, "\(few)")
        #expect(few.errorLines == ["safehouse: error: recovering \(try fingerprint(sb)) needs 3 of its 5 shares; only 2 given"])

        // Shares of two splits.
        let mixed = try combine(["a/share-1-of-5.txt", "b/share-2-of-3.txt", "a/share-3-of-5.txt"])
        #expect(mixed.status == 65, "\(mixed)")
        #expect(mixed.errorLines.first?.contains("from a different split") == true)

        // The same share twice.
        let twice = try combine(["a/share-1-of-5.txt", "a/share-1-of-5.txt", "a/share-3-of-5.txt"])
        #expect(twice.status == 64, "\(twice)")

        // A file that is no share, and one that does not exist.
        let card = try combine(["olga.pub", "a/share-1-of-5.txt", "a/share-3-of-5.txt"])
        #expect(card.status == 65, "\(card)")
        let missing = try combine(["nope.txt", "a/share-1-of-5.txt", "a/share-3-of-5.txt"])
        #expect(missing.status == 66, "\(missing)")

        #expect(!sb.exists("rec") && !sb.exists("rec.pub"))

        // An existing output is not replaced without --force.
        _ = FileManager.default.createFile(atPath: out, contents: Data("old".utf8))
        let exists = try combine(["b/share-1-of-3.txt", "b/share-3-of-3.txt"])
        #expect(exists.status == 73, "\(exists)")
        #expect(try sb.read("rec") == Array("old".utf8))
        #expect(!sb.exists("rec.pub"))
    }

    func fingerprint(_ sb: Sandbox) throws -> String {
        let line = try #require(try sb.run(["key", "show", sb.file("olga.pub")], passphrase: .none).stdoutLines.last)
        return String(line.dropFirst("fingerprint: ".count))
    }

    @Test func splitRefusalsWriteNoShares() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.installKeys(["olga"])
        func split(_ extra: [String], dir: String = "s", passphrase: Sandbox.Passphrase = .env(cliPassphrase)) throws -> RunResult {
            try sb.run(["recovery", "split", "--identity", sb.file("olga"), "--out-dir", sb.file(dir)] + extra, passphrase: passphrase)
        }
        for bad in [["--shares", "3", "--threshold", "1"], ["--shares", "3", "--threshold", "4"], ["--shares", "256", "--threshold", "2"]] {
            let r = try split(bad)
            #expect(r.status == 64, "\(r)")
        }
        let wrong = try split(["--shares", "3", "--threshold", "2"], passphrase: .env("not-the-passphrase"))
        #expect(wrong.status == 77, "\(wrong)")
        #expect(!sb.exists("s"))

        // One name taken: nothing is written, the existing file is untouched.
        try FileManager.default.createDirectory(atPath: sb.file("s"), withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: sb.file("s/share-2-of-3.txt"), contents: Data("mine".utf8))
        #expect(try sb.run(["init", "--vault", sb.file("hq"), "--identity", sb.file("olga")]).status == 0)
        let taken = try split(["--shares", "3", "--threshold", "2", "--vault", sb.file("hq")])
        #expect(taken.status == 73, "\(taken)")
        #expect(sb.listing("s") == ["share-2-of-3.txt"])
        let log = try sb.run(["audit", "log", "--vault", sb.file("hq")], passphrase: .none)
        #expect(log.status == 0 && !log.stdout.contains("recovery-split"), "a refused split must not be on record as done")
        let forced = try split(["--shares", "3", "--threshold", "2", "--force"])
        #expect(forced.status == 0, "\(forced)")
        #expect(sb.listing("s") == ["share-1-of-3.txt", "share-2-of-3.txt", "share-3-of-3.txt"])

        // Without the member card there is no name and role to write on the shares.
        try FileManager.default.removeItem(atPath: sb.file("olga.pub"))
        let noCard = try split(["--shares", "3", "--threshold", "2"], dir: "t")
        #expect(noCard.status == 66, "\(noCard)")
        #expect(sb.listing("t").isEmpty)
    }
}
