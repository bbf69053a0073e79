import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A file cut short while seal or open reads it must end in the contract's
/// error and exit code and leave nothing behind.
@Suite("CLI: input truncated while it is read", .serialized)
struct ChangingInputTests {
    /// Starts `safehouse args…`, waits until it holds an unnamed output file whose
    /// path contains `marker`, runs `cut`, and returns what the command did.
    private func runAndCut(_ sb: Sandbox, _ args: [String], marker: String, cut: () throws -> Void) throws -> (Int32, String) {
        let err = sb.file(".cut-stderr")
        FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sb.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: sb.path)
        p.environment = CLI.environment(home: sb.path, passphrase: cliPassphrase, extra: [:])
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        var seen = false
        for _ in 0..<2000 where p.isRunning && !seen {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.processIdentifier)/fd")) ?? []
            seen = fds.contains { fd in
                let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.processIdentifier)/fd/\(fd)")) ?? ""
                return link.contains(marker) && link.hasSuffix("(deleted)")
            }
            if !seen { usleep(2_000) }
        }
        #expect(seen, "the command never opened its unnamed output")
        try cut()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self))
    }

    /// Writes go through the page cache by default; `SAFEHOUSE_DIRECT=1` writes
    /// whole batches with O_DIRECT. Both must give the same bytes back, for a
    /// size whose last batch is unaligned and a range across a batch border.
    @Test(arguments: ["1", "0"])
    func bothWritePathsRoundTrip(direct: String) throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = (0..<(5 << 20) + 13).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 13) }
        try Data(content).write(to: URL(fileURLWithPath: sb.file("tape.bin")))
        let env = ["SAFEHOUSE_DIRECT": direct]
        let seal = try sb.run(["seal", sb.file("tape.bin"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                               "--kind", "interview", "--country", "KR", "--quiet"], env: env)
        try #require(seal.status == 0, "\(seal)")
        let id = seal.stdout.trimmingCharacters(in: .newlines)
        let open = try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("back.bin")], env: env)
        #expect(open.status == 0, "\(open)")
        #expect(try sb.read("back.bin") == content)
        let start = (2 << 20) - 1000
        let part = try sb.run(["open", id, "--bytes", "\(start):5000", "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                               "--out", sb.file("part.bin")], env: env)
        #expect(part.status == 0, "\(part)")
        #expect(try sb.read("part.bin") == Array(content[start..<start + 5000]))
        let check = try sb.run(["check", "--vault", sb.file("hq")], passphrase: .none)
        #expect(check.status == 0, "\(check)")
    }

    @Test func sealOfAFileCutShortFailsWith74AndStoresNothing() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        // 4 GiB of holes: cheap to create, seconds to seal, so the cut lands mid-way.
        let big = sb.file("recording.mov")
        FileManager.default.createFile(atPath: big, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        try h.truncate(atOffset: 4 << 30)
        try h.close()
        let (status, stderr) = try runAndCut(sb, ["seal", big, "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                                                  "--kind", "interview", "--country", "KR", "--quiet"], marker: "/hq/objects/") {
            #expect(truncate(big, 1000) == 0)
        }
        #expect(status == 74, "stderr: \(stderr)")
        #expect(stderr.contains("safehouse: error:") && stderr.contains("changed size"), "\(stderr)")
        #expect(sb.listing("hq/objects").filter { $0.hasSuffix(".body") }.isEmpty, "no body file is left")
        let list = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(list.status == 0 && list.stdout.isEmpty, "no record was stored: \(list)")
        let check = try sb.run(["check", "--vault", sb.file("hq")], passphrase: .none)
        #expect(check.status == 0, "\(check)")
    }

    @Test func openOfABodyCutShortFailsWith65AndWritesNothing() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let src = sb.file("tape.wav")
        FileManager.default.createFile(atPath: src, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: src))
        try h.truncate(atOffset: 768 << 20)
        try h.close()
        let seal = try sb.run(["seal", src, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--kind", "interview", "--country", "KR", "--quiet"])
        try #require(seal.status == 0, "\(seal)")
        let id = seal.stdout.trimmingCharacters(in: .newlines)
        let body = try #require(sb.listing("hq/objects").first { $0.hasPrefix(id) && $0.hasSuffix(".body") })
        let (status, stderr) = try runAndCut(sb, ["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                                                  "--out", sb.file("out.wav"), "--quiet"], marker: sb.path + "/") {
            #expect(truncate(sb.file("hq/objects/" + body), 1000) == 0)
        }
        #expect(status == 65, "stderr: \(stderr)")
        #expect(stderr.contains("safehouse: error: record \(id): bad or tampered data"), "\(stderr)")
        #expect(!sb.exists("out.wav"), "no plaintext output is left")
        #expect(!sb.listing().contains { $0.hasPrefix(".safehouse-tmp") })
    }
}
