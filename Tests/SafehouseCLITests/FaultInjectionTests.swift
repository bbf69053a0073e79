import Foundation
import SafehouseCrypto
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Full disks and I/O errors. `SAFEHOUSE_FAULT` (Internal/FaultInjection.swift)
// makes the storage layer fail as ENOSPC / EIO would at a chosen write step;
// a real 2 MiB tmpfs checks the same with the kernel's own ENOSPC. Every
// failure must exit 74 with a `safehouse: error:` line naming the object, leave
// no output file, and leave the vault exactly as it was.

extension Reliability {
    /// Whether this machine lets us mount a tmpfs (root, no seccomp/userns block).
    static let canMountTmpfs: Bool = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("safehouse-mnt-probe-\(UUID().uuidString)").path
        guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return false }
        defer { rmdir(dir) }
        guard runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]) == 0 else { return false }
        _ = runTool("/bin/umount", [dir])
        return true
    }()

    /// Runs `safehouse args…`, killing it if it outlives `seconds` (a hang is a failure, not a stuck suite).
    static func runBounded(_ t: Sandbox, _ args: [String], seconds: Double, env: [String: String] = [:]) throws -> (status: Int32, stderr: String, hung: Bool) {
        let tag = UUID().uuidString
        let p = try start(t, args, env: env, tag: tag)
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        let hung = p.isRunning
        if hung { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let err = output(t, tag: tag).stderr
        try? FileManager.default.removeItem(atPath: t.file(".stdout-\(tag)"))
        try? FileManager.default.removeItem(atPath: t.file(".stderr-\(tag)"))
        #expect(!err.contains(cliPassphrase))
        return (p.terminationStatus, err, hung)
    }

    @discardableResult
    static func runTool(_ exe: String, _ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: exe) ? exe : "/usr" + exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// What `check` reports ("vault intact: N objects, M members, K audit entries")
    /// and the body files in objects/.
    struct VaultState: Equatable, CustomStringConvertible {
        let objects: String
        let auditEntries: Int
        let objectFiles: [String]
        var description: String { "\(objects), \(auditEntries) audit entries, files=\(objectFiles)" }
    }

    static func state(_ t: Sandbox, vault: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> VaultState {
        let c = try t.run(["check", "--vault", vault], passphrase: .none, sourceLocation: sourceLocation)
        #expect(c.status == 0, "check: \(c)", sourceLocation: sourceLocation)
        let parts = c.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let audit = parts.last.flatMap { Int($0.split(separator: " ").first ?? "") } ?? -1
        return VaultState(objects: parts.dropLast().joined(separator: ", "), auditEntries: audit, objectFiles: names(vault + "/objects"))
    }
}

@Suite("Full disk and I/O errors", .serialized)
struct FaultInjectionTests {
    /// HQ vault with a 3 MiB record and an approved excerpt; `in/`, `out/` folders.
    final class Fixture {
        let t: Sandbox
        let record: String
        let excerpt: String
        let marker = "FAULT-PLAINTEXT-MARKER-\(UUID().uuidString)"
        var hq: String { t.file("hq") }
        var olga: String { t.file("olga") }
        var big: String { t.file("in/big.bin") }

        init() throws {
            t = try Sandbox()
            try t.makeTeam()
            for d in ["in", "out", "tmp"] { try FileManager.default.createDirectory(atPath: t.file(d), withIntermediateDirectories: true) }
            try Reliability.writeMarkedInput(t.file("in/big.bin"), size: 3 << 20, marker: marker)
            let r = try t.run(["seal", t.file("in/big.bin"), "--vault", t.file("hq"), "--identity", t.file("olga"), "--kind", "interview", "--country", "KR"])
            try #require(r.status == 0, "\(r)")
            record = r.stdout.trimmingCharacters(in: .newlines)
            try Data("[00:00:01] A: hello there\n[00:00:05] B: fine weather today\n".utf8).write(to: URL(fileURLWithPath: t.file("in/talk.txt")))
            let s = try t.run(["seal", t.file("in/talk.txt"), "--vault", t.file("hq"), "--identity", t.file("olga"), "--kind", "interview", "--country", "KR"])
            try #require(s.status == 0, "\(s)")
            let a = try t.run(["approve", s.stdout.trimmingCharacters(in: .newlines), "--vault", t.file("hq"), "--identity", t.file("olga")])
            try #require(a.status == 0, "\(a)")
            excerpt = a.stdout.trimmingCharacters(in: .newlines)
        }

        deinit { t.remove() }

        /// Runs a failing command and checks: exit `code`, one error line naming
        /// `object`, no file at `output`, nothing new in out/ or the child's TMPDIR,
        /// and the vault unchanged (objects, members, audit entries, files).
        func expectCleanFailure(_ args: [String], fault: String, code: Int32 = 74, object: String, output: String?,
                                auditLoggedBeforeFsync: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let before = try Reliability.state(t, vault: hq, sourceLocation: sourceLocation)
            let outBefore = Reliability.names(t.file("out"))
            let r = try t.run(args, env: ["SAFEHOUSE_FAULT": fault, "TMPDIR": t.file("tmp")], sourceLocation: sourceLocation)
            let what = "\(args.prefix(2).joined(separator: " ")) with SAFEHOUSE_FAULT=\(fault)"
            #expect(r.status == code, "\(what): expected exit \(code): \(r)", sourceLocation: sourceLocation)
            #expect(r.errorLines.count == 1, "\(what): expected one `safehouse: error:` line: \(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.errorLines.first?.contains(object) == true, "\(what): the error does not name \(object): \(r.stderr)", sourceLocation: sourceLocation)
            if let output { #expect(!FileManager.default.fileExists(atPath: output), "\(what): output \(output) was left behind", sourceLocation: sourceLocation) }
            #expect(Reliability.names(t.file("out")) == outBefore, "\(what): files appeared in the output folder", sourceLocation: sourceLocation)
            #expect(Reliability.names(t.file("tmp")).isEmpty, "\(what): temp files left in TMPDIR", sourceLocation: sourceLocation)
            let after = try Reliability.state(t, vault: hq, sourceLocation: sourceLocation)
            #expect(after.objects == before.objects && after.objectFiles == before.objectFiles,
                    "\(what): the vault changed: \(before) → \(after)", sourceLocation: sourceLocation)
            // Outputs are fsynced before their audit entry, so a failing disk leaves no "ok" entry.
            _ = auditLoggedBeforeFsync
            #expect(after.auditEntries == before.auditEntries, "\(what): audit entries \(before.auditEntries) → \(after.auditEntries)",
                    sourceLocation: sourceLocation)
            let left = Reliability.plaintextLeftovers(in: [t.file("hq"), t.file("out"), t.file("tmp")], marker: marker)
            #expect(left.isEmpty, "\(what): plaintext left behind: \(left)", sourceLocation: sourceLocation)
        }
    }

    static let sizes: [String] = ["enospc-after:0", "enospc-after:1", "enospc-after:65536", "enospc-after:2097153", "fsync"]

    @Test("seal: ENOSPC at each write step and a failing fsync leave the vault unchanged", .timeLimit(.minutes(1)))
    func seal() throws {
        let f = try Fixture()
        for fault in Self.sizes {
            try f.expectCleanFailure(["seal", f.big, "--vault", f.hq, "--identity", f.olga, "--kind", "interview", "--country", "KR"],
                                     fault: fault, object: "vault \(f.hq) (writing \(f.big))", output: nil)
        }
    }

    @Test("open: ENOSPC / fsync failure leaves no output and the vault unchanged", .timeLimit(.minutes(1)))
    func open() throws {
        let f = try Fixture()
        let out = f.t.file("out/opened.bin")
        for fault in Self.sizes {
            try f.expectCleanFailure(["open", f.record, "--vault", f.hq, "--identity", f.olga, "--out", out], fault: fault, object: out, output: out,
                                     auditLoggedBeforeFsync: fault == "fsync")
        }
        // The same command without the fault works.
        let r = try f.t.run(["open", f.record, "--vault", f.hq, "--identity", f.olga, "--out", out])
        #expect(r.status == 0, "\(r)")
        #expect(try streamedHash(out) == streamedHash(f.big))
    }

    @Test("bundle export: ENOSPC / fsync failure leaves no bundle and the vault unchanged", .timeLimit(.minutes(1)))
    func bundleExport() throws {
        let f = try Fixture()
        let out = f.t.file("out/b.shb")
        for fault in Self.sizes {
            try f.expectCleanFailure(["bundle", "export", f.record, "--vault", f.hq, "--out", out], fault: fault, object: out, output: out,
                                     auditLoggedBeforeFsync: fault == "fsync")
        }
    }

    @Test("excerpt export: ENOSPC / fsync failure leaves no file and the vault unchanged",
          .timeLimit(.minutes(1)))
    func excerptExport() throws {
        let f = try Fixture()
        let out = f.t.file("out/x.txt")
        for fault in ["enospc-after:0", "enospc-after:1", "enospc-after:16", "fsync"] {
            try f.expectCleanFailure(["export", f.excerpt, "--vault", f.hq, "--identity", f.olga, "--format", "txt", "--out", out],
                                     fault: fault, object: out, output: out, auditLoggedBeforeFsync: fault == "fsync")
        }
    }

    @Test("audit export and team export: ENOSPC leaves no file")
    func smallOutputs() throws {
        let f = try Fixture()
        let a = f.t.file("out/audit.jsonl")
        try f.expectCleanFailure(["audit", "export", "--vault", f.hq, "--out", a], fault: "enospc-after:10", object: a, output: a)
        let k = f.t.file("out/team.txt")
        try f.expectCleanFailure(["team", "export", "--vault", f.hq, "--out", k, "--identity", f.olga], fault: "fsync", object: k, output: k)
    }

    @Test("an audit append that fails releases nothing: seal and open fail, vault unchanged")
    func auditFailure() throws {
        let f = try Fixture()
        let out = f.t.file("out/opened.bin")
        try f.expectCleanFailure(["seal", f.big, "--vault", f.hq, "--identity", f.olga, "--kind", "interview", "--country", "KR", "--again"],
                                 fault: "audit", object: "audit log", output: nil)
        try f.expectCleanFailure(["open", f.record, "--vault", f.hq, "--identity", f.olga, "--out", out], fault: "audit", object: "audit log", output: out)
    }

    @Test("a real 2 MiB file system: sealing 5 MiB into it and opening into it exit 74, nothing partial",
          .enabled(if: Reliability.canMountTmpfs, "skipped: cannot mount a tmpfs here (needs root and mount permission)"))
    func realFullDisk() throws {
        let f = try Fixture()
        let t = f.t
        let small = t.file("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        try #require(Reliability.runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small]) == 0, "mount failed")
        defer { Reliability.runTool("/bin/umount", ["-l", small]) }
        func freeBytes() -> UInt64 { var s = statvfs(); statvfs(small, &s); return UInt64(s.f_bavail) * UInt64(s.f_frsize) }

        // A vault on the small file system.
        let v = small + "/vault"
        let i = try t.run(["init", "--vault", v, "--identity", f.olga])
        try #require(i.status == 0, "\(i)")
        let input = t.file("in/five.bin")
        try Reliability.writeMarkedInput(input, size: 5 << 20, marker: f.marker, seed: 5)
        let before = try Reliability.state(t, vault: v)
        let free0 = freeBytes()
        let r = try Reliability.runBounded(t, ["seal", input, "--vault", v, "--identity", f.olga, "--kind", "interview", "--country", "KR"],
                                           seconds: 20, env: ["TMPDIR": t.file("tmp")])
        #expect(!r.hung, "seal hung on a full disk (killed after 20 s)")
        #expect(r.status == 74, "sealing 5 MiB into a 2 MiB file system: exit \(r.status): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").first { $0.hasPrefix("safehouse: error:") }?.contains(v) == true,
                "the error does not name the vault: \(r.stderr)")
        #expect(try Reliability.state(t, vault: v) == before, "the vault changed after a failed seal")
        #expect(freeBytes() >= free0, "space was not given back (an unnamed file still open?)")

        // Opening a 3 MiB record into the small file system.
        let out = small + "/opened.bin"
        let hqBefore = try Reliability.state(t, vault: f.hq)
        let o = try Reliability.runBounded(t, ["open", f.record, "--vault", f.hq, "--identity", f.olga, "--out", out], seconds: 20)
        #expect(!o.hung, "open hung on a full disk (killed after 20 s)")
        #expect(o.status == 74, "opening 3 MiB into a full file system: exit \(o.status): \(o.stderr)")
        #expect(o.stderr.split(separator: "\n").first { $0.hasPrefix("safehouse: error:") }?.contains(out) == true,
                "the error does not name the output: \(o.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "a partial output was left")
        #expect(Reliability.names(small) == ["vault"], "files left on the small file system: \(Reliability.names(small))")
        #expect(try Reliability.state(t, vault: f.hq) == hqBefore)
        let left = Reliability.plaintextLeftovers(in: [small, t.file("tmp")], marker: f.marker)
        #expect(left.isEmpty, "plaintext left behind: \(left)")
    }
}

@Suite("Oversized input is refused or handled in bounded memory", .serialized)
struct OversizedInputTests {
    /// Runs the CLI under `/usr/bin/time -f %M` with its data segment capped at
    /// 1 GiB (`prlimit --data`), so a run that would exhaust memory fails fast.
    /// Returns the exit status (128+signal when killed), stderr and peak RSS in KiB.
    func runCapped(_ t: Sandbox, _ args: [String]) throws -> (status: Int32, stderr: String, rssKiB: Int?) {
        let timeOut = t.file(".rss"), err = t.file(".capped-err")
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        p.arguments = ["-f", "%M", "-o", timeOut, "/usr/bin/prlimit", "--data=\(1 << 30)", "--", t.binary] + args
        p.currentDirectoryURL = URL(fileURLWithPath: t.path)
        p.environment = CLI.environment(home: t.path, passphrase: nil, extra: [:])
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        let timeText = (try? String(contentsOfFile: timeOut, encoding: .utf8)) ?? ""
        let rss = timeText.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        // /usr/bin/time reports a signalled child as "Command terminated by signal N".
        let signalled = timeText.contains("terminated by signal")
        return (signalled ? 128 : p.terminationStatus, stderr, rss)
    }

    @Test("redact: a 64 MiB single-line transcript is refused early or redacted in under 1 GiB",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") && FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func hugeTranscriptLine() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try Data(#"{"subjects":[{"name":"김영호","identifiers":["010-2345-6789"]}]}"#.utf8).write(to: URL(fileURLWithPath: t.file("s.json")))
        let line = "[00:00:01] A: " + String(repeating: "hello world ", count: (64 << 20) / 12) + "\n"
        try Data(line.utf8).write(to: URL(fileURLWithPath: t.file("big.txt")))
        let r = try runCapped(t, ["redact", "--subjects", t.file("s.json"), "--input", t.file("big.txt"), "--output", t.file("out.txt")])
        let rssMiB = (r.rssKiB ?? 0) / 1024
        // Either a clean refusal (a `safehouse: error:` line, exit 64/65) or a bounded run.
        let refused = [64, 65].contains(r.status) && r.stderr.contains("safehouse: error:")
        #expect(refused, "redact of a 64 MiB line must be refused early (exit \(r.status), peak \(rssMiB) MiB, stderr: \(r.stderr.prefix(300)))")
        #expect(rssMiB < 256, "refusing a huge cue must not first load it (peak \(rssMiB) MiB)")
        if !refused && r.status != 0 { #expect(!t.exists("out.txt"), "a failed redact left its output") }
    }
}
