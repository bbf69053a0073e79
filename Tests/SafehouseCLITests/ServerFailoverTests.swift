import Foundation
import SafehouseCrypto
import SafehouseVault
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 20 part A: the team server survives losing its database primary.
///
/// Real PostgreSQL — a primary and a synchronous streaming standby from
/// `scripts/pg.sh pair` — two real `safehouse-server` processes on the multi-host
/// URL with `--require-synchronous-standby`, and parallel real `safehouse push`
/// processes from several field vaults, alternating between the two servers. Mid-load
/// the primary is killed with SIGKILL (postmaster and every backend, by PID) and the
/// standby promoted. Every push that got a receipt (the client stores it in the
/// vault's delivery.json) must be on the promoted standby, with bytes that hash to
/// its content address. `runs` cycles, each on a fresh pair; 0 receipts lost.
@Suite("Server: failover of the database primary", .serialized, .enabled(if: ServerTestEnvironment.enabled))
struct ServerFailoverTests {
    /// Kill/promote cycles, each on a fresh primary/standby pair (Docs/SERVER.md quotes this number).
    static let runs = 3
    /// Field vaults pushing at once, and records each pushes one by one.
    static let vaults = 3
    static let recordsPerVault = 8
    /// Receipts the field vaults must hold before the primary is killed.
    static let receiptsBeforeCrash = 3

    struct Outcome { var receipts = 0, beforeCrash = 0, lost = 0 }

    @Test func everyReceiptSurvivesTheLossOfThePrimary() throws {
        // In CI a missing PostgreSQL fails here (scripts/test.sh starts one; pg.sh brings the binaries).
        _ = try ServerTestEnvironment.requireDatabase()
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        // Ivan's field vaults with their records, sealed once; each run pushes from fresh copies.
        // The last vault holds the one record pushed during the outage.
        var records: [[String]] = []
        for v in 0...Self.vaults {
            var r = try t.run(["init", "--vault", t.file("template\(v)"), "--team", t.file("team.txt"), "--identity", t.file("ivan")])
            try #require(r.status == 0, "\(r)")
            let count = v < Self.vaults ? Self.recordsPerVault : 1
            let files = try (0..<count).map { i -> String in
                let f = t.file("talk-\(v)-\(i).txt")
                try Data("[00:00:0\(i % 10)] WITNESS: vault \(v), talk \(i), \(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: f))
                return f
            }
            r = try t.run(["seal"] + files + ["--vault", t.file("template\(v)"), "--identity", t.file("ivan"), "--kind", "interview", "--country", "KR"])
            try #require(r.status == 0 && r.stdoutLines.count == count, "\(r)")
            records.append(r.stdoutLines)
        }
        var total = Outcome()
        for run in 1...Self.runs {
            let started = Date()
            let o = try failoverRun(t, run: run, records: records)
            print("failover run \(run): \(o.receipts) receipts (\(o.beforeCrash) before the kill -9), \(o.lost) lost, "
                  + String(format: "%.1f s", Date().timeIntervalSince(started)))
            total.receipts += o.receipts; total.beforeCrash += o.beforeCrash; total.lost += o.lost
        }
        #expect(total.lost == 0, "receipts whose object is not on the promoted standby: \(total.lost) of \(total.receipts)")
        #expect(total.beforeCrash >= Self.runs * Self.receiptsBeforeCrash, "the primary was killed after receipts were given")
        print("failover: \(Self.runs) runs, \(total.receipts) receipts, \(total.lost) lost")
    }

    @Test func withoutSynchronousReplicationTheServerAnswers503() throws {
        // The test database has no synchronous standby: with the flag, the server listens but serves nothing.
        let admin = try ServerTestEnvironment.requireDatabase()
        let t = try Sandbox()
        defer { t.remove() }
        let port = ServerTestEnvironment.freePort()
        let (server, log) = try Self.server(t, ["--database", admin, "--listen", "127.0.0.1:\(port)", "--database-timeout", "2",
                                                "--require-synchronous-standby"], log: "refusing.log")
        defer { kill(server.processIdentifier, SIGTERM); server.waitUntilExit() }
        var status = 0
        try Self.waitFor("the server to answer", timeout: 40) {
            status = (try? HTTP.send("http://127.0.0.1:\(port)/v1/server", method: "GET"))?.status ?? 0
            return status != 0
        }
        #expect(status == 503, "no receipt key is handed out without synchronous replication: \(status)")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("refusing to serve (503): --require-synchronous-standby") && text.contains("synchronous_standby_names empty"), "\(text)")
        #expect(!text.contains("schema migrated"), "nothing is written to a database that is refused")

        // A URL the server cannot use is a usage error (64) before anything starts.
        let (bad, badLog) = try Self.server(t, ["--database", "postgres://u@127.0.0.1:1,127.0.0.1:2/db?target_session_attrs=any",
                                                "--listen", "127.0.0.1:\(ServerTestEnvironment.freePort())"], log: "bad.log")
        bad.waitUntilExit()
        #expect(bad.terminationStatus == 64 && ((try? String(contentsOfFile: badLog, encoding: .utf8)) ?? "").contains("target_session_attrs=any"))
    }

    /// Starts `safehouse-server args…` with its output in the sandbox file `log`.
    static func server(_ t: Sandbox, _ args: [String], log: String) throws -> (Process, String) {
        let path = t.file(log)
        FileManager.default.createFile(atPath: path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ServerTestEnvironment.serverBinary)
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try p.run()
        return (p, path)
    }

    /// One cycle: fresh pair, two servers, load, kill -9 of the primary, promotion, checks.
    func failoverRun(_ t: Sandbox, run: Int, records: [[String]]) throws -> Outcome {
        let dir = t.file("pg\(run)")
        let pair = try Self.pg(["pair", dir], t)
        defer { _ = try? Self.pg(["stop", dir], t) }
        let primaryPort = try #require(pair["PRIMARY_PORT"]), standbyPort = try #require(pair["STANDBY_PORT"])
        let url = "postgres://postgres@127.0.0.1:\(primaryPort),127.0.0.1:\(standbyPort)/postgres?target_session_attrs=read-write"
        let servers = try (0..<2).map {
            try ServerFixture(sandbox: t, databaseURL: url, logName: "server-\(run)-\($0).log", arguments: ["--require-synchronous-standby"])
        }
        defer { servers.forEach { $0.stop() } }
        var r = try t.run(["team", "publish", "--server", servers[0].url, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let vaultPaths = (0...Self.vaults).map { t.file("run\(run)-vault\($0)") }
        for (v, path) in vaultPaths.enumerated() { try FileManager.default.copyItem(atPath: t.file("template\(v)"), toPath: path) }
        let ivan = try t.identity("ivan")

        // The load: one pusher per vault, record by record, each push to the other server than the last.
        let failures = LockedList(), retried = LockedList()
        let done = DispatchGroup()
        // Declared after the servers: on an early exit the pushers end before the servers stop.
        defer { _ = done.wait(timeout: .now() + 90) }
        for v in 0..<Self.vaults {
            done.enter()
            DispatchQueue.global().async {
                defer { done.leave() }
                for (k, id) in records[v].enumerated() where !Self.sent(vaultPaths[v]).contains(where: { $0.records.contains(id) }) {
                    let at = ["--server", servers[(v + k) % 2].url, "--vault", vaultPaths[v], "--identity", t.file("ivan")]
                    var p = Self.cli(t, ["push", id] + at)
                    // A push that gave up (an outage longer than its retries) is finished as a person
                    // would: `push --all` sends the spooled bundle first, then what is not sent yet
                    // (those records are skipped above, so none is exported twice).
                    if p.status != 0 { retried.append("vault \(v) record \(k) at \(Self.clock()): \(p.status) \(p.stderr.suffix(300))") }
                    for _ in 0..<3 where p.status != 0 { p = Self.cli(t, ["push", "--all"] + at) }
                    if p.status != 0 { failures.append("vault \(v) record \(k): \(p)") }
                }
            }
        }

        try Self.waitFor("\(Self.receiptsBeforeCrash) receipts", timeout: 120) {
            vaultPaths.prefix(Self.vaults).map { Self.sent($0).count }.reduce(0, +) >= Self.receiptsBeforeCrash
        }
        let beforeCrash = vaultPaths.prefix(Self.vaults).flatMap { Self.sent($0) }
        try Self.pg(["crash", dir + "/primary"], t)
        let crashedAt = Self.clock()

        // The outage: no primary. A request is answered 503, a push exits 75 — never a receipt.
        let body = Array(#"{"to":"hq","sha256":"\#(String(repeating: "cd", count: 32))","size":10}"#.utf8)
        let (h, _) = try HTTP.signed(servers[0].url, "POST", "/v1/uploads", body: body, by: ivan)
        #expect(h.status == 503, "during the outage: \(h.status) \(h.message)")
        let probeAt = ["--server", servers[1].url, "--vault", vaultPaths[Self.vaults], "--identity", t.file("ivan")]
        let probe = Self.cli(t, ["push", records[Self.vaults][0]] + probeAt, env: ["SAFEHOUSE_RETRY_SECONDS": "0"])
        #expect(probe.status == 75 && Self.sent(vaultPaths[Self.vaults]).isEmpty, "a push during the outage: \(probe)")

        // The failover: the standby is promoted; a new synchronous standby joins it (with
        // synchronous_standby_names kept, its COMMITs wait until one does: Patroni's strict mode).
        try Self.pg(["promote", dir + "/standby"], t)
        let promotedAt = Self.clock()
        try Self.pg(["standby", dir, "standby2", standbyPort], t)
        let standbyAt = Self.clock()
        #expect(done.wait(timeout: .now() + 180) == .success, "the pushes finished")
        print("failover run \(run): killed at \(crashedAt), promoted at \(promotedAt), new standby at \(standbyAt), pushes done at \(Self.clock())"
              + (retried.items.isEmpty ? "" : "; pushes that gave up and were run again: \(retried.items)"))
        #expect(failures.items.isEmpty, "pushes that never got a receipt: \(failures.items)")
        r = try t.run(["push", "--all", "--server", servers[1].url, "--vault", vaultPaths[Self.vaults], "--identity", t.file("ivan")])
        #expect(r.status == 0 && Self.sent(vaultPaths[Self.vaults]).count == 1, "the outage's push, resumed: \(r)")

        // Every receipt is on the promoted standby: the mailbox entry, and bytes that hash to the object's address.
        let promoted = "postgres://postgres@127.0.0.1:\(standbyPort)/postgres"
        #expect(try ServerTestEnvironment.psql(promoted, "SELECT pg_is_in_recovery()") == "f")
        let receipts = vaultPaths.flatMap { Self.sent($0) }
        for (v, path) in vaultPaths.enumerated() {
            #expect(Set(Self.sent(path).flatMap(\.records)) == Set(records[v]), "every record of vault \(v) has a receipt")
        }
        let fp = ivan.fingerprint.compact
        let rows = try ServerTestEnvironment.psql(promoted, """
            SELECT w.sha,
                   coalesce((SELECT encode(sha256(string_agg(c.data, ''::bytea ORDER BY c.offset_bytes)), 'hex')
                             FROM objects o JOIN object_chunks c ON c.upload_id = o.upload_id WHERE o.sha256 = w.sha), 'missing'),
                   (SELECT count(*) FROM mailbox m WHERE m.object = w.sha AND m.mailbox = 'hq' AND m.sender = '\(fp)')
            FROM (VALUES \(receipts.map { "('\($0.object)')" }.joined(separator: ","))) AS w(sha)
            """)
        let found = rows.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        let lost = found.filter { $0.count != 3 || $0[1] != $0[0] || $0[2] != "1" }
        #expect(found.count == receipts.count && lost.isEmpty, "receipted but not on the promoted standby: \(lost)")
        #expect(try ServerTestEnvironment.psql(promoted, "SELECT count(*) FROM mailbox") == "\(receipts.count)",
                "one mailbox entry per receipt: nothing delivered twice")
        // Both servers found the new primary by themselves.
        for s in servers {
            let log = (try? String(contentsOfFile: s.logPath, encoding: .utf8)) ?? ""
            #expect(log.contains("database primary lost") && log.contains("127.0.0.1:\(standbyPort)"), "\(s.logPath) shows the failover")
        }
        if run == Self.runs {
            // HQ pulls everything from the promoted standby and opens it: the server key, the
            // keyring and the objects all came across.
            try FileManager.default.copyItem(atPath: t.file("hq"), toPath: t.file("hq-after"))
            r = try t.run(["pull", "--server", servers[0].url, "--vault", t.file("hq-after"), "--identity", t.file("olga")])
            #expect(r.status == 0 && Set(records.flatMap { $0 }).isSubset(of: Set(r.stdoutLines)), "\(r)")
        }
        return Outcome(receipts: receipts.count, beforeCrash: beforeCrash.count, lost: lost.count + max(0, receipts.count - found.count))
    }

    // MARK: - Helpers

    /// Wall-clock time of day, for the phase lines the test prints.
    static func clock() -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss.SSS"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// The receipts a vault holds (`sent` in its delivery.json: object and records).
    static func sent(_ vault: String) -> [(object: String, records: [String])] {
        guard let data = FileManager.default.contents(atPath: vault + "/delivery.json"),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let sent = json["sent"] as? [[String: Any]] else { return [] }
        return sent.compactMap { s in
            guard let o = s["object"] as? String, let rec = s["records"] as? [String], s["receipt"] is String else { return nil }
            return (o, rec)
        }
    }

    /// Runs `scripts/pg.sh args…`; returns the KEY=VALUE lines it printed.
    @discardableResult
    static func pg(_ args: [String], _ t: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.repoRoot.appendingPathComponent("scripts/pg.sh").path] + args
        let out = Pipe()
        let errPath = t.file("pg-\(args[0]).err")
        FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        try #require(p.terminationStatus == 0, "scripts/pg.sh \(args.joined(separator: " ")) failed: \(err)", sourceLocation: sourceLocation)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return values
    }

    /// `safehouse args…` from any thread (Sandbox.run records a history, one thread at a time);
    /// Reliability's spawner, waited for.
    static func cli(_ t: Sandbox, _ args: [String], env: [String: String] = [:]) -> RunResult {
        let tag = "failover-" + UUID().uuidString
        defer { for f in [".stdout-", ".stderr-"] { try? FileManager.default.removeItem(atPath: t.file(f + tag)) } }
        guard let p = try? Reliability.start(t, args, env: env, tag: tag) else {
            return RunResult(args: args, status: -1, stdout: "", stderr: "could not start safehouse")
        }
        p.waitUntilExit()
        let (out, err) = Reliability.output(t, tag: tag)
        #expect(!err.contains(cliPassphrase) && !out.contains(cliPassphrase), "the passphrase appears in the output of safehouse \(args.first ?? "")")
        return RunResult(args: args, status: p.terminationStatus, stdout: out, stderr: err)
    }

    static func waitFor(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        try ServerCLITests().waitFor(what, timeout: timeout, condition)
    }
}

/// Lines appended from several threads.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
