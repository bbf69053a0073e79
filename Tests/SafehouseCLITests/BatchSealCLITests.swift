import Foundation
import SafehouseCrypto
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `safehouse seal FILE… [--recursive DIR]`: one unlock for a whole SD card,
/// ids in input order, files already sealed skipped, one bad file failing alone.
@Suite("CLI: batch seal")
struct BatchSealCLITests {
    private func content(_ n: Int, seed: UInt64) -> [UInt8] {
        var rng = Reliability.PRNG(seed: seed)
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Writes the files and returns their paths, in the given order.
    private func write(_ t: Sandbox, _ files: [(String, [UInt8])]) throws -> [String] {
        try files.map { name, bytes in
            let path = t.file(name)
            try FileManager.default.createDirectory(atPath: parentDir(path), withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    private func parentDir(_ p: String) -> String { String(p[..<p.lastIndex(of: "/")!]) }

    private func fieldSeal(_ t: Sandbox, _ args: [String], passphrase: Sandbox.Passphrase = .env(cliPassphrase),
                           env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        try t.run(["seal"] + args + ["--vault", t.file("field"), "--identity", t.file("ivan"), "--kind", "coverage", "--country", "CN"],
                  passphrase: passphrase, env: env, sourceLocation: sourceLocation)
    }

    /// Body files in the field vault's objects folder.
    private func bodies(_ t: Sandbox) -> [String] { t.listing("field/objects") }

    private func recordCount(_ t: Sandbox) throws -> Int {
        try Reliability.list(t, vault: t.file("field"), key: t.file("ivan")).filter { $0.type == "record" }.count
    }

    @Test("many files in one command: ids in input order, each opens at HQ byte-equal after a bundle")
    func manyFilesOpenAtHQ() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let sizes = [0, 1, 65_535, 65_536, 65_537, (2 << 20) + 3, 300_000, 17, (2 << 20), 5_000]
        // Names in an order that is not sorted, so "input order" is tested.
        let files = sizes.enumerated().map { ("card/\(["z", "a", "m", "b", "y", "c", "x", "d", "w", "e"][$0.offset])-\($0.offset).jpg",
                                               content($0.element, seed: UInt64($0.offset + 1))) }
        let paths = try write(t, files)
        let r = try fieldSeal(t, paths)
        try #require(r.status == 0, "\(r)")
        let ids = r.stdoutLines
        #expect(ids.count == files.count && ids.allSatisfy(isRecordID) && Set(ids).count == ids.count, "\(r)")
        // One summary line per file, in input order, naming file and record.
        let sealedLines = r.stderrLines.filter { $0.hasPrefix("safehouse: sealed ") }
        #expect(sealedLines == zip(paths, ids).map { "safehouse: sealed \($0) → \($1)" }, "\(r)")
        #expect(r.stderr.contains("\(files.count) file(s): \(files.count) sealed, 0 already sealed, 0 skipped, 0 failed"), "\(r)")
        // The laptop cannot open what it sealed.
        let refused = try t.run(["open", ids[0], "--vault", t.file("field"), "--identity", t.file("ivan"), "--out", t.file("x")])
        #expect(refused.status == 77, "\(refused)")
        // At HQ, after a bundle, each record is its file.
        var b = try t.run(["bundle", "export", "--all", "--vault", t.file("field"), "--out", t.file("to-hq.bundle")])
        try #require(b.status == 0, "\(b)")
        b = try t.run(["bundle", "import", t.file("to-hq.bundle"), "--vault", t.file("hq")])
        try #require(b.status == 0, "\(b)")
        for (i, id) in ids.enumerated() {
            let out = t.file("opened-\(i)")
            let o = try t.run(["open", id, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", out])
            try #require(o.status == 0, "\(o)")
            #expect(try t.read("opened-\(i)") == files[i].1, "record \(id) is not byte-equal to \(paths[i])")
        }
    }

    @Test("--recursive walks the tree in sorted order, regular files only, never follows links")
    func recursive() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let tree = ["card/b.jpg", "card/a/2.jpg", "card/a/10.jpg", "card/B.jpg", "card/.hidden", "card/a/sub/deep.wav"]
        _ = try write(t, tree.enumerated().map { ($0.element, content(1000 + $0.offset, seed: UInt64(100 + $0.offset))) })
        _ = try write(t, [("outside/secret.txt", content(4000, seed: 999))])
        try FileManager.default.createSymbolicLink(atPath: t.file("card/link-out"), withDestinationPath: t.file("outside/secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: t.file("card/dir-link"), withDestinationPath: t.file("outside"))
        #expect(mkfifo(t.file("card/a/pipe"), 0o600) == 0)
        let r = try fieldSeal(t, ["--recursive", t.file("card")])
        try #require(r.status == 0, "\(r)")
        // Byte order: ".hidden" < "B.jpg" < "a/…" < "b.jpg" < "dir-link" < "link-out"; inside a/: "10.jpg" < "2.jpg" < "pipe" < "sub/".
        let expected = [".hidden", "B.jpg", "a/10.jpg", "a/2.jpg", "a/sub/deep.wav", "b.jpg"].map { t.file("card/" + $0) }
        let sealed = r.stderrLines.filter { $0.hasPrefix("safehouse: sealed ") }.map { String($0.dropFirst("safehouse: sealed ".count).split(separator: " ")[0]) }
        #expect(sealed == expected, "\(r)")
        #expect(r.stdoutLines.count == expected.count, "\(r)")
        #expect(r.stderr.contains("skipped \(t.file("card/a/pipe")): not a regular file"), "\(r)")
        #expect(r.stderr.contains("skipped \(t.file("card/link-out")): a symbolic link (not followed)"), "\(r)")
        #expect(r.stderr.contains("skipped \(t.file("card/dir-link")): a symbolic link (not followed)"), "\(r)")
        #expect(try recordCount(t) == expected.count, "nothing outside the tree was sealed")
        // The same walk again: everything is already sealed; same ids, same order, nothing new.
        let again = try fieldSeal(t, ["--recursive", t.file("card")])
        #expect(again.status == 0 && again.stdoutLines == r.stdoutLines, "\(again)")
        #expect(try recordCount(t) == expected.count)
    }

    @Test("a file already sealed is skipped with its record id unless --again; no body is left for it")
    func duplicates() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let paths = try write(t, [("a.jpg", content(70_000, seed: 1)), ("b.jpg", content(3 << 20, seed: 2)), ("c.jpg", content(10, seed: 3))])
        // A single-file seal records its tag too.
        let one = try fieldSeal(t, [paths[0]])
        try #require(one.status == 0, "\(one)")
        let first = try fieldSeal(t, [paths[1], paths[0]])
        try #require(first.status == 0, "\(first)")
        let idB = first.stdoutLines[0]
        #expect(first.stdoutLines == [idB, one.stdout.trimmingCharacters(in: .newlines)], "\(first)")
        #expect(first.stderr.contains("skipped \(paths[0]): already sealed as \(first.stdoutLines[1])"), "\(first)")
        // A copy under another name is the same file; the same file twice in one batch too.
        try FileManager.default.copyItem(atPath: paths[1], toPath: t.file("b-copy.jpg"))
        let second = try fieldSeal(t, [paths[2], t.file("b-copy.jpg"), paths[2]])
        try #require(second.status == 0, "\(second)")
        #expect(second.stdoutLines.count == 3 && second.stdoutLines[1] == idB && second.stdoutLines[2] == second.stdoutLines[0], "\(second)")
        #expect(try recordCount(t) == 3)
        #expect(bodies(t).count == 3, "a skipped file leaves no body behind: \(bodies(t))")
        // --again seals anew.
        let again = try fieldSeal(t, [paths[0], paths[1], "--again"])
        try #require(again.status == 0, "\(again)")
        #expect(again.stdoutLines.count == 2 && !again.stdoutLines.contains(idB), "\(again)")
        #expect(try recordCount(t) == 5 && bodies(t).count == 5)
        // One file named alone and already sealed: its id again, with a note; --again seals it anew.
        let single = try fieldSeal(t, [paths[2]])
        #expect(single.status == 0 && single.stdoutLines == [second.stdoutLines[0]], "\(single)")
        #expect(single.stderr.contains("already sealed in this vault as \(second.stdoutLines[0])"), "\(single)")
        #expect(try recordCount(t) == 5)
        let singleAgain = try fieldSeal(t, [paths[2], "--again"])
        #expect(singleAgain.status == 0 && singleAgain.stdoutLines.count == 1 && singleAgain.stdoutLines != single.stdoutLines, "\(singleAgain)")
        #expect(try recordCount(t) == 6)
        let check = try t.run(["check", "--vault", t.file("field")], passphrase: .none)
        #expect(check.status == 0 && !check.stderr.contains("unreferenced"), "\(check)")
    }

    @Test("--remove-original in a batch: each sealed original removed after verification, skipped ones kept")
    func removeOriginals() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let files = [("card/a.jpg", content((5 << 20) + 77, seed: 51)), ("card/b.jpg", content(0, seed: 52)), ("card/c.jpg", content(4097, seed: 53))]
        let paths = try write(t, files)
        let first = try fieldSeal(t, [paths[2]])
        try #require(first.status == 0, "\(first)")
        let r = try fieldSeal(t, ["--recursive", t.file("card"), "--remove-original", "--json"])
        try #require(r.status == 0, "\(r)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = try #require(doc["files"] as? [[String: Any]])
        #expect(rows.map { $0["status"] as? String } == ["sealed", "sealed", "duplicate"], "\(r)")
        #expect(rows.map { $0["originalRemoved"] as? Bool } == [true, true, false], "\(r)")
        #expect(!t.exists("card/a.jpg") && !t.exists("card/b.jpg") && t.exists("card/c.jpg"))
        var b = try t.run(["bundle", "export", "--all", "--vault", t.file("field"), "--out", t.file("x.bundle")])
        try #require(b.status == 0, "\(b)")
        b = try t.run(["bundle", "import", t.file("x.bundle"), "--vault", t.file("hq")])
        try #require(b.status == 0, "\(b)")
        for (i, row) in rows.prefix(2).enumerated() {
            let id = try #require(row["record"] as? String)
            let o = try t.run(["open", id, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("o\(i)")])
            try #require(o.status == 0, "\(o)")
            #expect(try t.read("o\(i)") == files[i].1)
        }
    }

    @Test("one failing file leaves the others sealed; exit code of the first failure; nothing left for it")
    func failures() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let good = try write(t, [("g1.jpg", content(5000, seed: 11)), ("g2.jpg", content(3 << 20, seed: 12)), ("g3.jpg", content(9, seed: 13))])
        try FileManager.default.createDirectory(atPath: t.file("adir"), withIntermediateDirectories: true)
        let r = try fieldSeal(t, [good[0], t.file("missing.jpg"), good[1], t.file("adir"), good[2]])
        #expect(r.status == 66, "the first failure (a missing file) decides the exit code: \(r)")
        #expect(r.stdoutLines.count == 3 && r.stdoutLines.allSatisfy(isRecordID), "\(r)")
        #expect(r.errorLines.contains("safehouse: error: \(t.file("missing.jpg")) does not exist"), "\(r)")
        #expect(r.errorLines.contains { $0.contains(t.file("adir")) && $0.contains("--recursive") }, "\(r)")
        #expect(r.stderr.contains("5 file(s): 3 sealed, 0 already sealed, 0 skipped, 2 failed"), "\(r)")
        #expect(try recordCount(t) == 3 && bodies(t).count == 3, "\(bodies(t))")
        // Order decides: the folder first gives its usage error's code.
        let r2 = try fieldSeal(t, [t.file("adir"), t.file("missing.jpg")])
        #expect(r2.status == 64 && r2.stdout.isEmpty, "\(r2)")
        if getuid() != 0 {
            let locked = try write(t, [("locked.jpg", content(100, seed: 14))])[0]
            chmod(locked, 0)
            let r3 = try fieldSeal(t, [locked, good[0]])
            #expect(r3.status == 74 && r3.stdoutLines == [r.stdoutLines[0]], "unreadable → 74, the other is still reported: \(r3)")
        }
        #expect(try recordCount(t) == 3 && bodies(t).count == 3)
        let check = try t.run(["check", "--vault", t.file("field")], passphrase: .none)
        #expect(check.status == 0 && !check.stderr.contains("unreferenced"), "\(check)")
    }

    @Test("a file that changes while it is read fails alone (74) and leaves nothing; the others are sealed")
    func changingFile() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let paths = try write(t, [("a.jpg", content(3000, seed: 61)), ("growing.wav", content(4 << 20, seed: 62)), ("c.jpg", content(4000, seed: 63))])
        // A recorder still writing: appends to the file until the seal is over.
        let stop = Flag()
        let done = DispatchSemaphore(value: 0)
        let growing = paths[1]
        Thread.detachNewThread {
            let fd = open(growing, O_WRONLY | O_APPEND | O_CLOEXEC)
            let chunk = [UInt8](repeating: 7, count: 512)
            while !stop.isSet { _ = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }; usleep(500) }
            close(fd)
            done.signal()
        }
        let r = try fieldSeal(t, paths)
        stop.set()
        done.wait()
        #expect(r.status == 74, "\(r)")
        #expect(r.stdoutLines.count == 2, "\(r)")
        #expect(r.errorLines.contains { $0.contains(growing) && $0.contains("changed") }, "\(r)")
        #expect(try recordCount(t) == 2 && bodies(t).count == 2, "\(bodies(t))")
    }

    @Test("the passphrase is read once for the whole batch; with the agent, not at all")
    func passphraseOnce() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let paths = try write(t, (0..<6).map { ("f\($0).bin", content(2000 + $0, seed: UInt64(20 + $0))) })
        let passFile = t.file("pass.txt")
        try Data((cliPassphrase + "\n").utf8).write(to: URL(fileURLWithPath: passFile))
        // inotify counts every open of the passphrase file during the run.
        let ino = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        try #require(ino >= 0)
        defer { close(ino) }
        try #require(inotify_add_watch(ino, passFile, UInt32(IN_OPEN)) >= 0)
        let r = try fieldSeal(t, paths, passphrase: .file(passFile))
        #expect(r.status == 0 && r.stdoutLines.count == paths.count, "\(r)")
        var opens = 0
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(ino, $0.baseAddress!, $0.count) }
            guard n > 0 else { break }
            var off = 0
            while off + 16 <= n {
                let len = buf.withUnsafeBytes { Int($0.load(fromByteOffset: off + 12, as: UInt32.self)) }
                opens += 1
                off += 16 + len
            }
        }
        #expect(opens == 1, "the passphrase file was opened \(opens) times for one batch")
        // With the key agent: no passphrase source at all, and the batch still seals (dedupe included).
        let env = ["SAFEHOUSE_AGENT_DIR": t.file("ag")]
        let start = try t.run(["agent", "start", "--identity", t.file("ivan"), "--ttl", "2m"], env: env)
        try #require(start.status == 0, "\(start)")
        defer { _ = try? t.run(["agent", "stop", "--identity", t.file("ivan")], passphrase: .none, env: env) }
        let more = try write(t, [("g.bin", content(777, seed: 29))])
        let viaAgent = try fieldSeal(t, paths + more, passphrase: .none, env: env)
        #expect(viaAgent.status == 0 && viaAgent.stdoutLines.prefix(paths.count) == r.stdoutLines[...], "\(viaAgent)")
        #expect(viaAgent.stderr.contains("7 file(s): 1 sealed, 6 already sealed"), "\(viaAgent)")
    }

    @Test("--json: one document with each file's result")
    func json() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let paths = try write(t, [("one.jpg", content(1234, seed: 31)), ("two.jpg", content(99, seed: 32))])
        let r = try fieldSeal(t, [paths[0], t.file("nope.jpg"), paths[1], paths[0], "--json"])
        #expect(r.status == 66, "\(r)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
        let files = try #require(doc["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == [paths[0], t.file("nope.jpg"), paths[1], paths[0]])
        #expect(files.map { $0["status"] as? String } == ["sealed", "failed", "sealed", "duplicate"])
        #expect(files[0]["size"] as? Int == 1234 && isRecordID(files[0]["record"] as? String ?? ""))
        #expect(files[3]["record"] as? String == files[0]["record"] as? String)
        #expect(files[1]["exitCode"] as? Int == 66 && (files[1]["reason"] as? String)?.contains("does not exist") == true)
        #expect(doc["sealed"] as? Int == 2 && doc["duplicates"] as? Int == 1 && doc["failed"] as? Int == 1 && doc["skipped"] as? Int == 0)
        #expect(r.stdoutLines.count == 1, "stdout is the JSON document only")
    }

    @Test("a season's card: 1,000 small files in one command")
    func seasonScale() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        try FileManager.default.createDirectory(atPath: t.file("season"), withIntermediateDirectories: true)
        for i in 0..<1000 {
            var bytes = content(64, seed: UInt64(5000 + i))
            bytes += Array("photo \(i)".utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: t.file(String(format: "season/%04d.jpg", i))))
        }
        let start = Date()
        let r = try fieldSeal(t, ["--recursive", t.file("season"), "--quiet"])
        let seconds = Date().timeIntervalSince(start)
        try #require(r.status == 0, "\(r.stderr.suffix(500))")
        #expect(r.stdoutLines.count == 1000 && Set(r.stdoutLines).count == 1000)
        #expect(seconds < 120, "1,000 files took \(seconds) s")
        #expect(try recordCount(t) == 1000)
    }

    @Test("kill -9 during a batch: every reported id is a complete record, no half record, no plaintext")
    func crashDuringBatch() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let seed = Reliability.seed()
        var rng = Reliability.PRNG(seed: seed)
        let marker = "SAFEHOUSE-PLAINTEXT-MARKER-\(UUID().uuidString)"
        for d in ["card", "tmp"] { try FileManager.default.createDirectory(atPath: t.file(d), withIntermediateDirectories: true) }
        var hashes: [String: [UInt8]] = [:]
        for i in 0..<90 {
            let p = t.file(String(format: "card/%03d.jpg", i))
            try Reliability.writeMarkedInput(p, size: 1 << 20, marker: marker, seed: UInt64(i + 1))
            hashes[p] = try streamedHash(p)
        }
        let inputs = Set(hashes.keys)
        var known: [String: [UInt8]] = [:]
        var killed = 0
        for round in 0..<4 {
            let tag = UUID().uuidString
            let args = ["seal", "--recursive", t.file("card"), "--vault", t.file("field"), "--identity", t.file("ivan"),
                        "--kind", "coverage", "--country", "CN", "--quiet"]
            let p = try Reliability.start(t, args, env: ["TMPDIR": t.file("tmp")], tag: tag)
            let delay = 150 + Int(rng.next() % 900)
            usleep(UInt32(delay) * 1000)
            if p.isRunning { kill(p.processIdentifier, SIGKILL); killed += 1 }
            p.waitUntilExit()
            let (out, err) = Reliability.output(t, tag: tag)
            let context = "round \(round) killed at \(delay) ms (seed \(seed))"
            try Reliability.expectIntact(t, vault: t.file("field"), context)
            let listed = Set(try Reliability.list(t, vault: t.file("field"), key: t.file("ivan")).filter { $0.type == "record" }.map(\.id))
            let reported = out.split(separator: "\n").map(String.init).filter(isRecordID)
            #expect(Set(reported).isSubset(of: listed), "an id printed before the kill is not in the vault: \(context)\n\(err)")
            for line in err.split(separator: "\n") where line.hasPrefix("safehouse: sealed ") {
                let parts = line.dropFirst("safehouse: sealed ".count).components(separatedBy: " → ")
                if parts.count == 2 { known[parts[1]] = hashes[parts[0]] }
            }
            #expect(Reliability.plaintextLeftovers(in: [t.path], marker: marker, exclude: inputs).isEmpty, "plaintext or temp files after \(context)")
        }
        // A last complete run seals the rest and reports every file; every record opens at HQ byte-exact.
        let final = try fieldSeal(t, ["--recursive", t.file("card"), "--quiet"])
        try #require(final.status == 0, "\(final)")
        #expect(final.stdoutLines.count == 90 && Set(final.stdoutLines).count == 90, "one record per file, no duplicates after kills: \(final.stderr.suffix(400))")
        let paths = hashes.keys.sorted()
        for (i, id) in final.stdoutLines.enumerated() { known[id] = hashes[paths[i]] }
        var b = try t.run(["bundle", "export", "--all", "--vault", t.file("field"), "--out", t.file("b.bundle")])
        try #require(b.status == 0, "\(b)")
        b = try t.run(["bundle", "import", t.file("b.bundle"), "--vault", t.file("hq")])
        try #require(b.status == 0, "\(b)")
        let records = try Reliability.list(t, vault: t.file("hq"), key: t.file("olga")).filter { $0.type == "record" }
        #expect(records.count == 90, "no record beyond one per file (seed \(seed))")
        for r in records {
            let o = try t.run(["open", r.id, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("o.bin")])
            #expect(o.status == 0, "\(o)")
            if o.status == 0 { #expect(try streamedHash(t.file("o.bin")) == known[r.id], "record \(r.id) is not its file") }
            unlink(t.file("o.bin"))
        }
        #expect(killed > 0, "no batch was interrupted (seed \(seed))")
    }

    @Test("an I/O fault in a batch leaves no record and no body; without it the batch works")
    func faultDuringBatch() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let paths = try write(t, (0..<5).map { ("f\($0).bin", content(100_000 + $0, seed: UInt64(40 + $0))) })
        for fault in ["fsync", "audit"] {
            let r = try fieldSeal(t, paths, env: ["SAFEHOUSE_FAULT": fault])
            #expect(r.status == 74 && r.stdout.isEmpty, "\(fault): \(r)")
            #expect(try recordCount(t) == 0 && bodies(t).isEmpty, "\(fault): \(bodies(t))")
        }
        let ok = try fieldSeal(t, paths)
        #expect(ok.status == 0 && ok.stdoutLines.count == 5, "\(ok)")
    }
}

/// A flag one thread sets and another polls.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
