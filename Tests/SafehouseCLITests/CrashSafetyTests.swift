import Foundation
import SafehouseCrypto
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Crash safety: the CLI is killed with SIGKILL at random moments of seal, open,
// bundle import, approve and grant (each of which appends to the audit log).
// After every kill the vault must pass `check` and `audit verify`, list no
// partial record, open every listed record byte-exact, and no plaintext may be
// left on disk under any name (vault, the child's $TMPDIR, the output folder).

/// Helpers shared by the reliability suites (crash, concurrency, faults).
enum Reliability {
    /// A small seeded PRNG (SplitMix64) so a failing run can be replayed from its seed.
    struct PRNG: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `$SAFEHOUSE_TEST_SEED`, else a fresh one (printed in failure messages).
    static func seed() -> UInt64 {
        if let s = ProcessInfo.processInfo.environment["SAFEHOUSE_TEST_SEED"], let v = UInt64(s) { return v }
        return UInt64.random(in: 1...UInt64.max)
    }

    /// Writes `size` bytes of pseudo-random content to `path` with `marker` at
    /// offset 0, every MiB and at the very end, so any plaintext fragment of
    /// 1 MiB or more, or any prefix, contains the marker.
    static func writeMarkedInput(_ path: String, size: Int, marker: String, seed: UInt64 = 7) throws {
        let m = Array(marker.utf8)
        var rng = PRNG(seed: seed)
        var block = [UInt8](repeating: 0, count: 1 << 20)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var written = 0
        while written < size {
            let n = min(block.count, size - written)
            block.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<words.count { words[i] = rng.next() }
            }
            for (i, b) in m.enumerated() where i < n { block[i] = b }
            if written + n == size, n >= m.count { for (i, b) in m.enumerated() { block[n - m.count + i] = b } }
            let w = block.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, n) }
            guard w == n else { throw CocoaError(.fileWriteUnknown) }
            written += n
        }
    }

    /// Every regular file under `roots` (recursively) whose content contains
    /// `marker`, or whose name is a safehouse temp name. Skips `exclude`.
    static func plaintextLeftovers(in roots: [String], marker: String, exclude: Set<String> = []) -> [String] {
        var found: [String] = []
        let m = Array(marker.utf8)
        let fm = FileManager.default
        for root in roots {
            guard let walker = fm.enumerator(atPath: root) else { continue }
            while let rel = walker.nextObject() as? String {
                let path = root + "/" + rel
                if exclude.contains(path) { continue }
                let name = rel.split(separator: "/").last.map(String.init) ?? rel
                if name.hasPrefix(".safehouse-tmp-") || name == "new.body" { found.append(path + " (temp name)"); continue }
                var st = stat()
                guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                if fileContains(path, m) { found.append(path) }
            }
        }
        return found
    }

    /// glibc's memmem (not exported by the Swift overlay without _GNU_SOURCE).
    private typealias MemmemFn = @convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?
    private static let memmemFn: MemmemFn = unsafeBitCast(dlsym(nil, "memmem")!, to: MemmemFn.self)

    /// Streams a file looking for `needle` (memmem; matches across reads are found
    /// because the last `needle.count - 1` bytes are carried over).
    static func fileContains(_ path: String, _ needle: [UInt8]) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, !needle.isEmpty else { return false }
        defer { close(fd) }
        let cap = 4 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
        defer { buf.deallocate() }
        var have = 0
        while true {
            let n = read(fd, buf + have, cap - have)
            if n <= 0 { return false }
            have += n
            if needle.withUnsafeBytes({ memmemFn(buf, have, $0.baseAddress!, needle.count) }) != nil { return true }
            let keep = min(have, needle.count - 1)
            memmove(buf, buf + (have - keep), keep)
            have = keep
        }
    }

    /// Starts `safehouse args…` in the sandbox without waiting.
    static func start(_ sandbox: Sandbox, _ args: [String], env extra: [String: String] = [:], tag: String = UUID().uuidString) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sandbox.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: sandbox.path)
        p.environment = CLI.environment(home: sandbox.path, passphrase: cliPassphrase, extra: extra)
        p.standardInput = FileHandle.nullDevice
        let out = sandbox.file(".stdout-\(tag)"), err = sandbox.file(".stderr-\(tag)")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        return p
    }

    /// Output of a process started with `start(…, tag:)`.
    static func output(_ sandbox: Sandbox, tag: String) -> (stdout: String, stderr: String) {
        func text(_ f: String) -> String { (try? String(contentsOfFile: sandbox.file(f), encoding: .utf8)) ?? "" }
        return (text(".stdout-\(tag)"), text(".stderr-\(tag)"))
    }

    /// Runs `safehouse args…` and kills it with SIGKILL after `delayMs`. Returns
    /// the exit status (128+9 when killed) — the command may have finished first.
    @discardableResult
    static func runAndKill(_ sandbox: Sandbox, _ args: [String], afterMs delayMs: Int, env: [String: String] = [:]) throws -> Int32 {
        let tag = UUID().uuidString
        let p = try start(sandbox, args, env: env, tag: tag)
        if delayMs > 0 { usleep(UInt32(delayMs) * 1000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try? FileManager.default.removeItem(atPath: sandbox.file(".stdout-\(tag)"))
        try? FileManager.default.removeItem(atPath: sandbox.file(".stderr-\(tag)"))
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }

    struct Listed: Decodable { let id: String; let type: String; let size: UInt64 }

    /// `list --json` as (id, type, size).
    static func list(_ sandbox: Sandbox, vault: String, key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Listed] {
        let r = try sandbox.run(["list", "--vault", vault, "--identity", key, "--json"], sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode([Listed].self, from: Data(r.stdout.utf8))
    }

    /// The audit log's sequence numbers, in order (`audit log --json`).
    static func auditSeqs(_ sandbox: Sandbox, vault: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int] {
        let r = try sandbox.run(["audit", "log", "--vault", vault, "--json"], passphrase: .none, sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try r.stdoutLines.map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], sourceLocation: sourceLocation)
            return try #require(o["seq"] as? Int, sourceLocation: sourceLocation)
        }
    }

    /// Names in a folder (sorted), ignoring the sandbox's captured-output files.
    static func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { !$0.hasPrefix(".stdout-") && !$0.hasPrefix(".stderr-") }.sorted()
    }

    /// `check` and `audit verify` both exit 0.
    static func expectIntact(_ sandbox: Sandbox, vault: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = try sandbox.run(["check", "--vault", vault], passphrase: .none, sourceLocation: sourceLocation)
        #expect(c.status == 0, "check after \(context): \(c)", sourceLocation: sourceLocation)
        let a = try sandbox.run(["audit", "verify", "--vault", vault], passphrase: .none, sourceLocation: sourceLocation)
        #expect(a.status == 0, "audit verify after \(context): \(a)", sourceLocation: sourceLocation)
    }
}

@Suite("Crash safety: kill -9 at random points", .serialized)
struct CrashSafetyTests {
    let seed = Reliability.seed()

    /// After a kill: intact vault, no partial record, every record opens byte-exact
    /// (new ones are checked against `expected` by size), no plaintext anywhere.
    private func verifyAfterKill(_ t: Sandbox, vault: String, key: String, known: inout [String: [UInt8]],
                                 expected: [UInt64: [UInt8]], marker: String, inputs: Set<String>, context: String) throws {
        try Reliability.expectIntact(t, vault: vault, context)
        let listed = try Reliability.list(t, vault: vault, key: key)
        for row in listed where row.type == "record" && known[row.id] == nil {
            // A new record: it must be complete — its size is one we sealed, and it opens to exactly those bytes.
            let want = try #require(expected[row.size], "record \(row.id) of unexpected size \(row.size) after \(context) (seed \(seed))")
            let out = t.file("out/verify.bin")
            let r = try t.run(["open", row.id, "--vault", vault, "--identity", key, "--out", out])
            #expect(r.status == 0, "a listed record does not open after \(context): \(r)")
            if r.status == 0 { #expect(try streamedHash(out) == want, "record \(row.id) is not byte-exact after \(context)") }
            unlink(out)
            known[row.id] = want
        }
        let leftovers = Reliability.plaintextLeftovers(in: [t.path], marker: marker, exclude: inputs)
        #expect(leftovers.isEmpty, "plaintext or temp files left after \(context) (seed \(seed)): \(leftovers)")
    }

    @Test("seal and open survive kill -9; no partial record or plaintext temp file")
    func sealAndOpen() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        var rng = Reliability.PRNG(seed: seed)
        let marker = "SAFEHOUSE-PLAINTEXT-MARKER-\(UUID().uuidString)"
        for d in ["in", "out", "tmp"] { try FileManager.default.createDirectory(atPath: t.file(d), withIntermediateDirectories: true) }
        let env = ["TMPDIR": t.file("tmp")]
        let input = t.file("in/recording.bin")
        let size = 40 << 20
        try Reliability.writeMarkedInput(input, size: size, marker: marker)
        let hash = try streamedHash(input)
        var known: [String: [UInt8]] = [:]
        let hq = t.file("hq"), olga = t.file("olga")
        var sealed = 0, killed = 0
        for i in 0..<12 {
            let delay = Int(rng.next() % 300)
            let status = try Reliability.runAndKill(t, ["seal", input, "--vault", hq, "--identity", olga, "--kind", "interview", "--country", "KR"],
                                                    afterMs: delay, env: env)
            if status == 0 { sealed += 1 } else { killed += 1 }
            try verifyAfterKill(t, vault: hq, key: olga, known: &known, expected: [UInt64(size): hash], marker: marker,
                                inputs: [input], context: "seal #\(i) killed at \(delay) ms (status \(status))")
        }
        // A kill can land after a seal committed but before the process exited: that
        // record is complete (it opened byte-exact above) though its run counts as killed.
        #expect(known.count >= sealed && known.count <= sealed + killed,
                "every completed seal is listed exactly once, nothing else is (seed \(seed)): \(known.count) listed, \(sealed) sealed, \(killed) killed")
        // Make sure there is one record to open, then kill opens.
        if known.isEmpty {
            let r = try t.run(["seal", input, "--vault", hq, "--identity", olga, "--kind", "interview", "--country", "KR"])
            try #require(r.status == 0, "\(r)")
            known[r.stdout.trimmingCharacters(in: .newlines)] = hash
        }
        let id = try #require(known.keys.sorted().first)
        for i in 0..<8 {
            let delay = Int(rng.next() % 300)
            let out = t.file("out/opened-\(i).bin")
            let status = try Reliability.runAndKill(t, ["open", id, "--vault", hq, "--identity", olga, "--out", out], afterMs: delay, env: env)
            if FileManager.default.fileExists(atPath: out) {
                // Only a complete output may ever carry the final name.
                #expect(try streamedHash(out) == hash, "a partial output appeared after open killed at \(delay) ms (status \(status))")
                unlink(out)
            } else {
                #expect(status != 0, "open succeeded without writing its output")
            }
            try verifyAfterKill(t, vault: hq, key: olga, known: &known, expected: [:], marker: marker, inputs: [input],
                                context: "open #\(i) killed at \(delay) ms (status \(status))")
        }
        #expect(killed > 0, "no seal was interrupted (seed \(seed)): the kill delays are too long for this machine")
    }

    @Test("bundle import survives kill -9: all or nothing")
    func bundleImport() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        var rng = Reliability.PRNG(seed: seed ^ 0xB0B)
        let marker = "SAFEHOUSE-PLAINTEXT-MARKER-\(UUID().uuidString)"
        for d in ["in", "out", "tmp"] { try FileManager.default.createDirectory(atPath: t.file(d), withIntermediateDirectories: true) }
        let env = ["TMPDIR": t.file("tmp")]
        let field = t.file("field"), hq = t.file("hq"), ivan = t.file("ivan"), olga = t.file("olga")
        // Four field records of 8 MiB, one bundle each.
        var bundles: [(path: String, id: String)] = []
        var expected: [UInt64: [UInt8]] = [:]
        var inputs: Set<String> = []
        for b in 0..<4 {
            let input = t.file("in/field-\(b).bin")
            let size = (8 << 20) + b
            try Reliability.writeMarkedInput(input, size: size, marker: marker, seed: UInt64(100 + b))
            expected[UInt64(size)] = try streamedHash(input)
            inputs.insert(input)
            let r = try t.run(["seal", input, "--vault", field, "--identity", ivan, "--kind", "interview", "--country", "KR"])
            try #require(r.status == 0, "\(r)")
            let id = r.stdout.trimmingCharacters(in: .newlines)
            let bundle = t.file("in/bundle-\(b).shb")
            let e = try t.run(["bundle", "export", id, "--vault", field, "--out", bundle])
            try #require(e.status == 0, "\(e)")
            bundles.append((bundle, id))
        }
        var known: [String: [UInt8]] = [:]
        for i in 0..<8 {
            guard let next = bundles.first(where: { known[$0.id] == nil }) else { break }
            let delay = Int(rng.next() % 250)
            let status = try Reliability.runAndKill(t, ["bundle", "import", next.path, "--vault", hq], afterMs: delay, env: env)
            try verifyAfterKill(t, vault: hq, key: olga, known: &known, expected: expected, marker: marker, inputs: inputs,
                                context: "bundle import #\(i) killed at \(delay) ms (status \(status))")
            if status == 0 { #expect(known[next.id] != nil, "a completed import is not listed") }
        }
        // A killed import can simply be repeated.
        for b in bundles {
            let r = try t.run(["bundle", "import", b.path, "--vault", hq])
            #expect(r.status == 0, "\(r)")
        }
        try verifyAfterKill(t, vault: hq, key: olga, known: &known, expected: expected, marker: marker, inputs: inputs, context: "re-import")
        #expect(Set(known.keys) == Set(bundles.map(\.id)))
    }

    @Test("approve and grant survive kill -9; excerpts stay exportable")
    func approveAndGrant() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        var rng = Reliability.PRNG(seed: seed ^ 0xA99)
        let marker = "MARKERWORD\(UInt32.random(in: 100_000...999_999))"
        for d in ["in", "out", "tmp"] { try FileManager.default.createDirectory(atPath: t.file(d), withIntermediateDirectories: true) }
        let env = ["TMPDIR": t.file("tmp")]
        let hq = t.file("hq"), olga = t.file("olga")
        let transcript = t.file("in/talk.txt")
        let lines = (0..<400).map { "[00:\(String(format: "%02d", $0 / 60 % 60)):\(String(format: "%02d", $0 % 60))] A: line \($0) \(marker) about the weather" }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: transcript))
        let s = try t.run(["seal", transcript, "--vault", hq, "--identity", olga, "--kind", "interview", "--country", "KR"])
        try #require(s.status == 0, "\(s)")
        let record = s.stdout.trimmingCharacters(in: .newlines)
        var known: [String: [UInt8]] = [record: try streamedHash(transcript)]
        func excerpts() throws -> [String] { try Reliability.list(t, vault: hq, key: olga).filter { $0.type == "excerpt" }.map(\.id) }
        func exportAll(_ context: String) throws {
            for x in try excerpts() {
                let out = t.file("out/x.txt")
                let r = try t.run(["export", x, "--vault", hq, "--identity", olga, "--format", "txt", "--out", out])
                #expect(r.status == 0, "excerpt \(x) does not export after \(context): \(r)")
                unlink(out)
            }
        }
        for i in 0..<6 {
            let delay = Int(rng.next() % 300)
            let status = try Reliability.runAndKill(t, ["approve", record, "--vault", hq, "--identity", olga], afterMs: delay, env: env)
            let context = "approve #\(i) killed at \(delay) ms (status \(status))"
            try verifyAfterKill(t, vault: hq, key: olga, known: &known, expected: [:], marker: marker, inputs: [transcript], context: context)
            try exportAll(context)
        }
        if try excerpts().isEmpty {
            let r = try t.run(["approve", record, "--vault", hq, "--identity", olga])
            try #require(r.status == 0, "\(r)")
        }
        let excerpt = try #require(try excerpts().first)
        for i in 0..<6 {
            let delay = Int(rng.next() % 250)
            let status = try Reliability.runAndKill(t, ["grant", excerpt, "--to", "Edith", "--replace", "--vault", hq, "--identity", olga], afterMs: delay, env: env)
            let context = "grant #\(i) killed at \(delay) ms (status \(status))"
            try verifyAfterKill(t, vault: hq, key: olga, known: &known, expected: [:], marker: marker, inputs: [transcript], context: context)
            try exportAll(context)
        }
        // Whatever was interrupted, a final grant works and the editor can export.
        let g = try t.run(["grant", excerpt, "--to", "Edith", "--replace", "--vault", hq, "--identity", olga])
        #expect(g.status == 0, "\(g)")
        let e = try t.run(["export", excerpt, "--vault", hq, "--identity", t.file("edith"), "--format", "txt", "--out", t.file("out/edith.txt")])
        #expect(e.status == 0, "\(e)")
    }
}
