import Foundation
import Testing

/// What an external tool (ffmpeg, ffprobe, exiftool, sox, python3) did.
struct ToolResult: CustomStringConvertible {
    let args: [String]
    let status: Int32
    let stdout: Data
    let stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
    var description: String { "\(args.joined(separator: " ")) → \(status)\nstdout: \(text.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
}

extension Sandbox {
    /// Runs `args` (looked up on PATH) in the sandbox, stdout and stderr through files.
    @discardableResult
    func tool(_ args: [String], env extra: [String: String] = [:]) throws -> ToolResult {
        let out = file(".tool-out-\(UUID().uuidString)"), err = file(".tool-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: path)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        return ToolResult(args: args, status: p.terminationStatus, stdout: try Data(contentsOf: URL(fileURLWithPath: out)),
                          stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self))
    }

    /// Runs a tool that must succeed.
    @discardableResult
    func mustTool(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ToolResult {
        let r = try tool(args)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return r
    }

    /// The media tools the tests need; a missing one fails the test (scripts/setup.sh installs them).
    func requireMediaTools(sourceLocation: SourceLocation = #_sourceLocation) throws {
        for t in ["ffmpeg", "ffprobe", "espeak-ng", "sox", "exiftool", "python3"] {
            let r = try tool(["sh", "-c", "command -v \(t)"])
            try #require(r.status == 0, "\(t) is not installed: run scripts/setup.sh", sourceLocation: sourceLocation)
        }
    }

    /// Seals a file already in the sandbox as olga at HQ; returns the record id.
    func sealFile(_ name: String, kind: String = "interview", extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try run(["seal", file(name), "--vault", file("hq"), "--identity", file("olga"), "--kind", kind, "--country", "KR", "--quiet"] + extra,
                        sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        let id = r.stdout.trimmingCharacters(in: .newlines)
        try #require(isRecordID(id), "\(r)", sourceLocation: sourceLocation)
        return id
    }

    /// Exports an excerpt to `out` (container or format from the extension) as `key`.
    @discardableResult
    func exportOut(_ excerpt: String, _ out: String, as key: String = "olga", sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let r = try run(["export", excerpt, "--vault", file("hq"), "--identity", file(key), "--out", file(out), "--force"], sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return r
    }

    /// The provenance of an excerpt, from its JSON export.
    func provenance(_ excerpt: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try exportOut(excerpt, "prov-\(excerpt).json", sourceLocation: sourceLocation)
        let json = try JSONSerialization.jsonObject(with: Data(read("prov-\(excerpt).json"))) as? [String: Any]
        return try #require(json?["provenance"] as? [String: Any], sourceLocation: sourceLocation)
    }

    /// Every file under the sandbox, recursively (the run helpers' own files left out).
    func allFiles(under dir: String? = nil) -> [String] {
        let root = dir ?? path
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let full = root + "/" + rel
            var st = stat()
            if lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, !rel.contains(".stdout-"), !rel.contains(".stderr-"),
               !rel.contains(".tool-out-"), !rel.contains(".tool-err-") {
                out.append(full)
            }
        }
        return out.sorted()
    }
}

/// Whether `hay` contains `needle`.
func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, hay.count >= needle.count else { return false }
    let first = needle[0]
    var i = 0
    let last = hay.count - needle.count
    while i <= last {
        if hay[i] == first, hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
        i += 1
    }
    return false
}

/// The processes whose parent is `pid` (from /proc).
func childProcesses(of pid: Int32) -> [(pid: Int32, name: String, state: String)] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return names.compactMap { n -> (Int32, String, String)? in
        guard let p = Int32(n), let stat = try? String(contentsOfFile: "/proc/\(n)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let name = String(stat[stat.index(after: stat.firstIndex(of: "(")!)..<close])
        let rest = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard rest.count > 2, Int32(rest[1]) == pid else { return nil }
        return (p, name, String(rest[0]))
    }
}
