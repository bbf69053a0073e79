import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SafehouseCrypto
import SafehouseVault
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL (from `scripts/pg.sh`, named by `$SAFEHOUSE_TEST_DATABASE`
/// and `$SAFEHOUSE_TEST_PGDATA`) and a real `safehouse-server` started on a free
/// loopback port against a fresh database of its own.
enum ServerTestEnvironment {
    static let env = ProcessInfo.processInfo.environment
    static var databaseURL: String? { env["SAFEHOUSE_TEST_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } }
    static var dataDirectory: String? { env["SAFEHOUSE_TEST_PGDATA"].flatMap { $0.isEmpty ? nil : $0 } }
    /// In CI a missing database is a failure, not a skip.
    static var inCI: Bool { ["true", "1"].contains(env["CI"]?.lowercased() ?? "") }
    static var enabled: Bool { databaseURL != nil || inCI }

    static func requireDatabase(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(databaseURL, "SAFEHOUSE_TEST_DATABASE is not set: run scripts/test.sh (it starts PostgreSQL with scripts/pg.sh)",
                     sourceLocation: sourceLocation)
    }

    static var serverBinary: String {
        URL(fileURLWithPath: CLI.binary ?? "").deletingLastPathComponent().appendingPathComponent("safehouse-server").path
    }

    /// Runs psql with `sql` against `url`; returns stdout (unaligned, tuples only).
    @discardableResult
    static func psql(_ url: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-q", "-c", sql]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "psql failed: \(String(decoding: e, as: UTF8.self))", sourceLocation: sourceLocation)
        return String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// One running `safehouse-server` with its own database; `stop()` ends it by PID.
final class ServerFixture: @unchecked Sendable {
    let databaseURL: String
    let databaseName: String
    let port: Int
    let logPath: String
    /// Arguments every start passes (e.g. `--require-synchronous-standby`).
    let fixedArguments: [String]
    private var process: Process?
    private var starts = 0
    var url: String { "http://127.0.0.1:\(port)" }

    /// A server on `databaseURL` as given (a primary and its standby, say), which it neither makes nor drops.
    init(sandbox: Sandbox, databaseURL: String, logName: String, arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.databaseURL = databaseURL
        databaseName = ""
        fixedArguments = arguments
        port = ServerTestEnvironment.freePort()
        logPath = sandbox.file(logName)
        try start(sourceLocation: sourceLocation)
    }

    init(sandbox: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let admin = try ServerTestEnvironment.requireDatabase(sourceLocation: sourceLocation)
        databaseName = "sh_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try ServerTestEnvironment.psql(admin, "CREATE DATABASE \(databaseName)", sourceLocation: sourceLocation)
        var c = try #require(URLComponents(string: admin))
        c.path = "/" + databaseName
        databaseURL = c.string!
        port = ServerTestEnvironment.freePort()
        logPath = sandbox.file("server.log")
        fixedArguments = []
        try start(sourceLocation: sourceLocation)
    }

    func startTLS(cert: String, key: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try start(extra: ["--tls-cert", cert, "--tls-key", key], probe: "https", sourceLocation: sourceLocation)
    }

    func start(extra: [String] = [], probe: String = "http", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bin = ServerTestEnvironment.serverBinary
        try #require(FileManager.default.isExecutableFile(atPath: bin), "\(bin) is not built: run `swift build`", sourceLocation: sourceLocation)
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["--database", databaseURL, "--listen", "127.0.0.1:\(port)", "--database-timeout", "2"] + fixedArguments + extra
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        starts += 1
        // Ready when it answers (HTTPS: when it logs that it listens; the test's client does not trust its certificate).
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if probe == "http", let r = try? HTTP.send(url + "/v1/server", method: "GET"), r.status == 200 { return }
            if probe == "https", ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").components(separatedBy: "Server started").count > starts { return }
            guard p.isRunning else { break }
            usleep(100_000)
        }
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        Issue.record("safehouse-server did not start: \(text)", sourceLocation: sourceLocation)
        throw CocoaError(.executableLoad)
    }

    func stop() {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        process = nil
    }

    func psql(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try ServerTestEnvironment.psql(databaseURL, sql, sourceLocation: sourceLocation)
    }

    func remove() {
        stop()
        if !databaseName.isEmpty, let admin = ServerTestEnvironment.databaseURL { _ = try? ServerTestEnvironment.psql(admin, "DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)") }
    }
}

/// Raw HTTP for the refusal tests: requests the CLI would never send.
enum HTTP {
    struct Reply { let status: Int; let body: Data
        var message: String { (((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["error"] as? [String: Any])?["message"] as? String ?? "" }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    static func send(_ url: String, method: String, body: [UInt8] = [], headers: [(String, String)] = []) throws -> Reply {
        var req = URLRequest(url: URL(string: url)!)
        req.httpMethod = method
        if !body.isEmpty { req.httpBody = Data(body) }
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        final class Box: @unchecked Sendable { var data: Data?; var status = 0; var error: Error? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: req) { d, r, e in
            box.data = d; box.status = (r as? HTTPURLResponse)?.statusCode ?? 0; box.error = e; done.signal()
        }.resume()
        done.wait()
        if let e = box.error { throw e }
        return Reply(status: box.status, body: box.data ?? Data())
    }

    /// A request signed by `identity` (optionally with a forged time, nonce or claimed member).
    static func signed(_ base: String, _ method: String, _ path: String, body: [UInt8] = [], by identity: Identity,
                       time: Int64? = nil, nonce: String? = nil, claiming member: String? = nil) throws -> (Reply, [(String, String)]) {
        var headers = try SignedRequest.headers(method: method, path: path, body: body, by: identity,
                                                time: time ?? Int64(Date().timeIntervalSince1970), nonce: nonce ?? SignedRequest.newNonce())
        if let member { headers[0] = (SignedRequest.memberHeader, member) }
        return (try send(base + path, method: method, body: body, headers: headers), headers)
    }
}

extension Sandbox {
    /// makeTeam + an editor vault for Edith, a running server, and the keyring published.
    static func serverTeam(sourceLocation: SourceLocation = #_sourceLocation) throws -> (Sandbox, ServerFixture) {
        let t = try Sandbox()
        try t.makeTeam(sourceLocation: sourceLocation)
        var r = try t.run(["init", "--vault", t.file("edithvault"), "--team", t.file("team.txt"), "--identity", t.file("edith")])
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        let s = try ServerFixture(sandbox: t, sourceLocation: sourceLocation)
        r = try t.run(["team", "publish", "--server", s.url, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return (t, s)
    }

    /// Olga approves `record` at HQ and grants the excerpt to `member`; the excerpt id.
    func approveAndGrant(_ record: String, to member: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        var r = try run(["approve", record, "--vault", file("hq"), "--identity", file("olga")])
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        let excerpt = r.stdout.trimmingCharacters(in: .newlines)
        r = try run(["grant", excerpt, "--to", member, "--vault", file("hq"), "--identity", file("olga")])
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return excerpt
    }

    /// A server command on `vault` as `key`.
    func cli(_ s: ServerFixture, _ verb: [String], vault: String, key: String) throws -> RunResult {
        try run(verb + ["--server", s.url, "--vault", file(vault), "--identity", file(key)])
    }

    /// Unlocks a test key file in-process (the passphrase of every test key).
    func identity(_ name: String) throws -> Identity {
        let pass = try Array(cliPassphrase.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        return try KeyFile.unlock(path: file(name), passphrase: pass)
    }

    /// Every file under `dir` whose bytes contain one of `markers`.
    static func filesContaining(_ markers: [String], under dir: String) -> [String: String] {
        var hits: [String: String] = [:]
        let needles = markers.map { Data($0.utf8) }
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [:] }
        for case let rel as String in walker {
            let p = dir + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: p) else { continue }
            for (i, n) in needles.enumerated() where data.range(of: n) != nil { hits[rel] = markers[i] }
        }
        return hits
    }
}

extension ServerFixture {
    /// Delivers `bytes` to a member's mailbox as an officer would, without the CLI
    /// (upload, one chunk, complete).
    func deliver(_ bytes: [UInt8], to member: String, by who: Identity) throws {
        let sha = Hex.encode(ContentSHA256.hash(bytes))
        var (h, _) = try HTTP.signed(url, "POST", "/v1/uploads", body: Array(#"{"to":"\#(member)","sha256":"\#(sha)","size":\#(bytes.count)}"#.utf8), by: who)
        try #require(h.status == 201, "\(h.status) \(h.message)")
        let id = try #require(h.json?["upload"] as? String)
        (h, _) = try HTTP.signed(url, "PUT", "/v1/uploads/\(id)?offset=0", body: bytes, by: who)
        try #require(h.status == 200, "\(h.status) \(h.message)")
        (h, _) = try HTTP.signed(url, "POST", "/v1/uploads/\(id)/complete", by: who)
        try #require(h.status == 200, "\(h.status) \(h.message)")
    }
}
