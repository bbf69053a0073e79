import Foundation
import SafehouseCrypto
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The passphrase of every test key. It must never appear in any output.
let cliPassphrase = "cli-PASSPHRASE-MARKER-93b1"

/// Locating and running the built `safehouse` binary.
enum CLI {
    /// The package root: the nearest folder above this file holding Package.swift.
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `$SAFEHOUSE_BIN`, else the newest of `.build/debug/safehouse` and `.build-tests/debug/safehouse`.
    static let binary: String? = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SAFEHOUSE_BIN"], !env.isEmpty, fm.isExecutableFile(atPath: env) { return env }
        let candidates = [".build/debug/safehouse", ".build-tests/debug/safehouse"]
            .map { repoRoot.appendingPathComponent($0).path }
            .filter { fm.isExecutableFile(atPath: $0) }
        func modified(_ p: String) -> Date { (try? fm.attributesOfItem(atPath: p)[.modificationDate] as? Date) ?? .distantPast }
        return candidates.max { modified($0) < modified($1) }
    }()

    static func requireBinary(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(binary, "the safehouse binary was not found: run `swift build` first or set SAFEHOUSE_BIN", sourceLocation: sourceLocation)
    }

    /// The environment for a child: ours without any SAFEHOUSE_* variable, HOME and
    /// XDG_DATA_HOME inside the sandbox (so no per-user default vault is touched).
    static func environment(home: String, passphrase: String?, extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SAFEHOUSE_") }
        env["HOME"] = home
        env["XDG_DATA_HOME"] = home + "/xdg"
        if let passphrase { env["SAFEHOUSE_PASSPHRASE"] = passphrase }
        for (k, v) in extra { env[k] = v }
        return env
    }
}

/// What one command did.
struct RunResult: CustomStringConvertible {
    let args: [String]
    let status: Int32
    let stdout: String
    let stderr: String
    /// Peak resident memory of the child in KiB, when measured.
    var maxRSSKiB: Int? = nil

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast(stdout.hasSuffix("\n") ? 1 : 0).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    var errorLines: [String] { stderrLines.filter { $0.hasPrefix("safehouse: error:") } }

    var description: String { "safehouse \(args.joined(separator: " ")) → \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A temporary directory in which a test runs commands; removed by `remove()`.
final class Sandbox: @unchecked Sendable {
    let path: String
    let binary: String
    /// Every command run, for the "no secret in any output" checks.
    private(set) var history: [RunResult] = []

    init() throws {
        binary = try CLI.requireBinary()
        path = FileManager.default.temporaryDirectory.appendingPathComponent("safehouse-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    enum Passphrase {
        case env(String)
        case file(String)
        case none
    }

    /// Runs `safehouse args…` with the passphrase in `$SAFEHOUSE_PASSPHRASE` (default) and checks
    /// that no output contains the passphrase.
    @discardableResult
    /// - Parameter wrapper: a command the binary runs under (e.g. `faketime -f -30d`).
    func run(_ args: [String], passphrase: Passphrase = .env(cliPassphrase), env extra: [String: String] = [:],
             wrapper: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        var args = args
        var envPass: String? = nil
        switch passphrase {
        case .env(let p): envPass = p
        case .file(let f): args += ["--passphrase-file", f]
        case .none: break
        }
        let out = file(".stdout-\(UUID().uuidString)"), err = file(".stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: wrapper.first ?? binary)
        p.arguments = wrapper.isEmpty ? args : Array(wrapper.dropFirst()) + [binary] + args
        p.currentDirectoryURL = URL(fileURLWithPath: path)
        p.environment = CLI.environment(home: path, passphrase: envPass, extra: extra)
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        let result = RunResult(args: args, status: p.terminationStatus,
                               stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self),
                               stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self))
        record(result, sourceLocation: sourceLocation)
        return result
    }

    private func record(_ result: RunResult, sourceLocation: SourceLocation) {
        history.append(result)
        for secret in [cliPassphrase, "PASSPHRASE-MARKER"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret),
                    "the passphrase appears in the output of: \(result)", sourceLocation: sourceLocation)
        }
    }

    /// Runs a command and measures the child's peak resident memory: with
    /// `/usr/bin/time -f %M` when installed, else from `wait4`'s rusage.
    func runMeasured(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let env = CLI.environment(home: path, passphrase: cliPassphrase, extra: [:])
        let out = file(".m-stdout"), err = file(".m-stderr"), timeOut = file(".m-time")
        defer { for f in [out, err, timeOut] { try? FileManager.default.removeItem(atPath: f) } }
        var result: RunResult
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/time") {
            let (status, o, e) = try spawn("/usr/bin/time", ["-f", "%M", "-o", timeOut, binary] + args, env: env, stdout: out, stderr: err)
            result = RunResult(args: args, status: status, stdout: o, stderr: e)
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: timeOut)), as: UTF8.self)
            result.maxRSSKiB = text.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        } else {
            let (status, o, e, rss) = try spawnWithRusage(binary, args, env: env, stdout: out, stderr: err)
            result = RunResult(args: args, status: status, stdout: o, stderr: e)
            result.maxRSSKiB = rss
        }
        record(result, sourceLocation: sourceLocation)
        return result
    }

    private func spawn(_ exe: String, _ args: [String], env: [String: String], stdout: String, stderr: String) throws -> (Int32, String, String) {
        FileManager.default.createFile(atPath: stdout, contents: nil)
        FileManager.default.createFile(atPath: stderr, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: path)
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOfFile: stdout, encoding: .utf8), try String(contentsOfFile: stderr, encoding: .utf8))
    }

    /// posix_spawn + wait4, so the rusage is this child's alone.
    private func spawnWithRusage(_ exe: String, _ args: [String], env: [String: String], stdout: String, stderr: String) throws -> (Int32, String, String, Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, envp)
        guard rc == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, try String(contentsOfFile: stdout, encoding: .utf8), try String(contentsOfFile: stderr, encoding: .utf8), Int(usage.ru_maxrss))
    }

    // MARK: - Fixtures

    /// Writes the cached key files (made once by `key new`) for `names` into the sandbox.
    func installKeys(_ names: [String] = ["olga", "ivan", "edith"]) throws {
        for name in names {
            let k = try #require(CachedKeys.shared.files[name], "no cached key \(name)")
            try k.secret.write(to: URL(fileURLWithPath: file(name)))
            chmod(file(name), 0o600)
            try k.card.write(to: URL(fileURLWithPath: file(name + ".pub")))
        }
    }

    /// HQ vault `hq` rooted in olga (officer) with ivan (interviewer) and edith (editor),
    /// team keyring `team.txt` (signed by olga), and field vault `field` made from it, bound to ivan.
    func makeTeam(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try installKeys()
        for args in [["init", "--vault", file("hq"), "--identity", file("olga")],
                     ["team", "add", file("ivan.pub"), "--vault", file("hq"), "--identity", file("olga")],
                     ["team", "add", file("edith.pub"), "--vault", file("hq"), "--identity", file("olga")],
                     ["team", "export", "--vault", file("hq"), "--out", file("team.txt"), "--identity", file("olga")],
                     ["init", "--vault", file("field"), "--team", file("team.txt"), "--identity", file("ivan")]] {
            let r = try run(args, sourceLocation: sourceLocation)
            try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        }
    }

    /// Seals `content` (as `name`) and returns the record id.
    func seal(_ content: [UInt8], name: String = "input.txt", vault: String = "hq", as key: String = "olga",
              extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try Data(content).write(to: URL(fileURLWithPath: file(name)))
        // --again: tests seal the same bytes more than once on purpose, and each time want a new record.
        let r = try run(["seal", file(name), "--vault", file(vault), "--identity", file(key), "--kind", "interview", "--country", "KR", "--again"] + extra,
                        sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return r.stdout.trimmingCharacters(in: .newlines)
    }

    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: file(name)))) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    /// Files left in a folder of the sandbox (hidden temp files included).
    func listing(_ folder: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? path : file(folder))) ?? [])
            .filter { !$0.hasPrefix(".stdout-") && !$0.hasPrefix(".stderr-") }.sorted()
    }
}

/// Key files made once per test run with `safehouse key new --kdf interactive`.
struct CachedKeys: @unchecked Sendable {
    struct Files { let secret: Data; let card: Data }
    let files: [String: Files]

    static let shared: CachedKeys = {
        var files: [String: Files] = [:]
        guard let sandbox = try? Sandbox() else { return CachedKeys(files: [:]) }
        defer { sandbox.remove() }
        for (name, role) in [("olga", "officer"), ("ivan", "interviewer"), ("edith", "editor"), ("sam", "officer")] {
            let display = name.prefix(1).uppercased() + name.dropFirst()
            guard let r = try? sandbox.run(["key", "new", "--name", display, "--role", role, "--out", sandbox.file(name), "--kdf", "interactive"]),
                  r.status == 0,
                  let secret = FileManager.default.contents(atPath: sandbox.file(name)),
                  let card = FileManager.default.contents(atPath: sandbox.file(name + ".pub")) else { continue }
            files[name] = Files(secret: secret, card: card)
        }
        return CachedKeys(files: files)
    }()
}

/// A streamed BLAKE2b-256 of a file (constant memory, for multi-GiB files).
func streamedHash(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile) }
    defer { close(fd) }
    let h = GenericHash(length: 32)
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
    defer { buf.deallocate() }
    while true {
        let n = read(fd, buf.baseAddress!, buf.count)
        if n < 0 { if errno == EINTR { continue }; throw CocoaError(.fileReadUnknown) }
        if n == 0 { break }
        h.update(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
    }
    return h.finalize()
}

func isRecordID(_ s: String) -> Bool { s.count == 32 && s.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) } }
