import Foundation
import Testing

/// The README and the role guides, run as written.
///
/// Every fenced block whose info string is `sh run:N` is a runnable step; `sh norun`
/// marks a block that is only shown (it needs a terminal, a real card reader, or it
/// runs the test suite itself). A `sh` block with neither fails this suite, so no
/// command block goes unchecked by accident. The README's blocks run in one scratch
/// folder; the three guides' blocks run together in another, ordered by N, because
/// they are one team's story: the interviewer makes a key, the officer builds the
/// team, the interviewer seals and hands over a bundle, the officer approves and
/// grants, the editor exports. Shell variables set in one step (`$R`, `$E`) carry
/// over to the next, exactly as they would in the reader's own shell.
@Suite(.serialized) struct GuideTests {
    struct Step {
        let doc: String
        let line: Int
        let order: Int
        let text: String
    }

    /// Runnable steps of `doc`; records a failure for any `sh` block left unmarked.
    static func steps(in doc: String) throws -> [Step] {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent(doc), encoding: .utf8)
        #expect(!text.contains("\n<<<<<<< ") && !text.contains("\n>>>>>>> "), "\(doc) holds merge-conflict markers")
        var steps: [Step] = []
        var open: (info: String, line: Int, body: [String])?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Blocks may be indented under a list item.
            let line = raw.drop { $0 == " " }
            if line.hasPrefix("```") {
                if let block = open {
                    let words = block.info.split(separator: " ")
                    if words.first == "sh" || words.first == "bash" {
                        if let run = words.first(where: { $0.hasPrefix("run:") }), let n = Int(run.dropFirst(4)) {
                            steps.append(Step(doc: doc, line: block.line, order: n, text: block.body.joined(separator: "\n")))
                            #expect(steps.filter { $0.order == n }.count == 1, "\(doc):\(block.line): step run:\(n) is used twice")
                        } else if !words.contains("norun") {
                            Issue.record("\(doc):\(block.line): a sh block must be marked `sh run:N` (runnable step) or `sh norun`")
                        }
                    }
                    open = nil
                } else {
                    open = (String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), i + 1, [])
                }
            } else if open != nil {
                open!.body.append(String(line))
            }
        }
        #expect(open == nil, "\(doc): a fenced block is never closed")
        return steps
    }

    /// Runs `steps` (ordered by N) as one bash script in a fresh folder holding the demo
    /// material; returns the folder and the result.
    static func play(_ steps: [Step], setup: (String) throws -> Void) throws -> (world: String, status: Int32, log: String) {
        let binary = try CLI.requireBinary()
        // Short: the key agent's socket lives under it, and socket paths are at most 108 bytes.
        let world = "/tmp/sg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: world + "/run", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try setup(world)
        var script = "set -Eeuo pipefail\ntrap 'echo \"guide step failed: $STEP (exit $?)\" >&2' ERR\n"
        for s in steps.sorted(by: { $0.order < $1.order }) {
            script += "STEP='\(s.doc):\(s.line)'\necho \"### $STEP\" >&2\n\(s.text)\n"
        }
        try script.write(toFile: world + "/guide.sh", atomically: true, encoding: .utf8)
        var env = CLI.environment(home: world, passphrase: cliPassphrase, extra: [:])
        env["PATH"] = URL(fileURLWithPath: binary).deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["XDG_RUNTIME_DIR"] = world + "/run"
        let log = world + "/guide.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["900", "/bin/bash", world + "/guide.sh"]
        p.currentDirectoryURL = URL(fileURLWithPath: world)
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        // Whatever the outcome, no agent outlives the test.
        for key in (try? FileManager.default.contentsOfDirectory(atPath: world))?.filter({ $0.hasSuffix(".key") }) ?? [] {
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: binary)
            stop.arguments = ["agent", "stop", "--identity", world + "/" + key]
            stop.environment = env
            stop.standardOutput = FileHandle.nullDevice
            stop.standardError = FileHandle.nullDevice
            try? stop.run()
            stop.waitUntilExit()
        }
        return (world, p.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// The demo material a reader has at hand: the demo transcript and subject sheet,
    /// and a camera card of photos.
    static func demoMaterial(_ world: String) throws {
        let fm = FileManager.default
        for f in ["interview.txt", "subjects.json"] {
            try fm.copyItem(atPath: CLI.repoRoot.appendingPathComponent("Docs/demo/" + f).path, toPath: world + "/" + f)
        }
        try fm.createDirectory(atPath: world + "/card/DCIM", withIntermediateDirectories: true)
        for i in 1...5 {
            var bytes = [UInt8](repeating: 0, count: 40_000 + i)
            for j in bytes.indices { bytes[j] = UInt8(truncatingIfNeeded: j &* 31 &+ i &* 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: world + "/card/DCIM/IMG_000\(i).JPG"))
        }
    }

    static let guides = ["Docs/GUIDE-INTERVIEWER.md", "Docs/GUIDE-OFFICER.md", "Docs/GUIDE-EDITOR.md"]

    @Test func everyGuideHasRunnableSteps() throws {
        for doc in Self.guides { #expect(try Self.steps(in: doc).count >= 5, "\(doc) has (almost) no runnable steps") }
        #expect(try Self.steps(in: "README.md").count >= 1, "README has no runnable steps")
    }

    @Test func theGuidesRunAsWritten() throws {
        let steps = try Self.guides.flatMap { try Self.steps(in: $0) }
        #expect(Set(steps.map(\.order)).count == steps.count, "two guide steps share a run:N, so their order is ambiguous")
        let run = try Self.play(steps, setup: Self.demoMaterial)
        defer { try? FileManager.default.removeItem(atPath: run.world) }
        #expect(run.status == 0, "the guides failed as written:\n\(run.log.suffix(6000))")
        // Every guide's steps ran (the log names each step as it starts).
        for doc in Self.guides { #expect(run.log.contains("### \(doc):"), "no step of \(doc) ran") }
        // The story's end: the editor holds a pseudonymized cut and HQ's vault is intact.
        let cut = (try? String(contentsOfFile: run.world + "/cut.srt", encoding: .utf8)) ?? ""
        #expect(cut.contains("-->"), "the editor's guide leaves no subtitle file cut.srt")
        for name in ["류광석", "류정희", "010-9876-5432", "wxid_ks7721", "청진"] {
            #expect(!cut.contains(name), "the editor's cut contains an identifier")
        }
    }

    @Test func theReadmeRunsAsWritten() throws {
        let run = try Self.play(try Self.steps(in: "README.md"), setup: Self.demoMaterial)
        defer { try? FileManager.default.removeItem(atPath: run.world) }
        #expect(run.status == 0, "README's everyday use failed as written:\n\(run.log.suffix(6000))")
        #expect(run.log.contains("### README.md:"))
    }
}
