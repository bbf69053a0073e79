import Foundation
import SafehouseCrypto
import Testing

/// The repository root (the nearest folder above this file holding Package.swift)
/// and the `age` tools and vectors the age tests need. Nothing here skips: a
/// missing tool or vector folder fails the test that needs it.
enum AgeTools {
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `../shared/vectors/age/testdata` next to the repository.
    static func testdata(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let dir = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors/age/testdata")
        var isDir: ObjCBool = false
        try #require(FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) && isDir.boolValue,
                     "the age testkit must sit at ../shared/vectors/age/testdata (relative to the repository root)",
                     sourceLocation: sourceLocation)
        return dir
    }

    /// The path of an installed tool (`age`, `age-keygen`), found on PATH.
    static func tool(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(path, "`\(name)` is not installed (Debian package `age`; setup.sh installs it)", sourceLocation: sourceLocation)
    }

    struct Result {
        let status: Int32
        let stdout: [UInt8]
        let stderr: String
    }

    /// Runs `exe args…` with `stdin`, collecting both outputs through files (no pipe deadlock).
    static func run(_ exe: String, _ args: [String], stdin: [UInt8] = [], in dir: URL? = nil) throws -> Result {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("age-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let inURL = tmp.appendingPathComponent("in"), outURL = tmp.appendingPathComponent("out"), errURL = tmp.appendingPathComponent("err")
        try Data(stdin).write(to: inURL)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let dir { p.currentDirectoryURL = dir }
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: [UInt8](try Data(contentsOf: outURL)),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// A fresh `age-keygen` identity file in `dir`: (path, its recipient).
    static func keygen(in dir: URL, name: String = "key.txt", sourceLocation: SourceLocation = #_sourceLocation) throws -> (path: String, recipient: String) {
        let path = dir.appendingPathComponent(name).path
        let r = try run(try tool("age-keygen", sourceLocation: sourceLocation), ["-o", path])
        try #require(r.status == 0, "age-keygen failed: \(r.stderr)", sourceLocation: sourceLocation)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("# public key: ") }, sourceLocation: sourceLocation)
        return (path, String(line.dropFirst("# public key: ".count)))
    }

    /// A temporary folder, removed by the caller.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("age-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// The failure an age operation gave, nil on success.
func ageFailure(_ body: () throws -> Void) -> AgeFailure? {
    do { try body(); return nil } catch AgeError.unreadable(let f) { return f } catch { Issue.record("unexpected error \(error)"); return nil }
}
