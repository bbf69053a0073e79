import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("CLI: key agent", .serialized)
struct AgentCLITests {
    /// The agent directory for a sandbox (short enough for a socket path).
    private func agentEnv(_ sb: Sandbox) -> [String: String] { ["SAFEHOUSE_AGENT_DIR": sb.file("ag")] }

    private func agentProcesses(_ sb: Sandbox) -> [String] {
        let ps = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return ps.compactMap { pid -> String? in
            guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains("agent serve") && cmd.contains(sb.path) ? cmd : nil
        }
    }

    @Test func commandsUseTheAgentInsteadOfThePassphrase() throws {
        let sb = try Sandbox()
        defer { _ = try? sb.run(["agent", "stop", "--identity", sb.file("olga")], passphrase: .none, env: agentEnv(sb)); sb.remove() }
        try sb.makeTeam()
        let env = agentEnv(sb)
        let start = try sb.run(["agent", "start", "--identity", sb.file("olga"), "--ttl", "2m"], env: env)
        #expect(start.status == 0, "\(start)")
        #expect(start.stdoutLines.count == 1 && start.stdout.hasPrefix(sb.file("ag") + "/agent-"), "\(start)")
        let status = try sb.run(["agent", "status", "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(status.status == 0 && status.stdout.hasPrefix("running\t"), "\(status)")
        // No passphrase anywhere: seal, open, checkpoint and audit verify all work through the agent.
        let content = Array((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        try Data(content).write(to: URL(fileURLWithPath: sb.file("tape.bin")))
        let seal = try sb.run(["seal", sb.file("tape.bin"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                               "--kind", "interview", "--country", "KR", "--quiet"], passphrase: .none, env: env)
        #expect(seal.status == 0, "\(seal)")
        let id = seal.stdout.trimmingCharacters(in: .newlines)
        let open = try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("back.bin")],
                              passphrase: .none, env: env)
        #expect(open.status == 0, "\(open)")
        #expect(try sb.read("back.bin") == content)
        let part = try sb.run(["open", id, "--bytes", "100000:70000", "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                               "--out", sb.file("part.bin")], passphrase: .none, env: env)
        #expect(part.status == 0, "\(part)")
        #expect(try sb.read("part.bin") == Array(content[100_000..<170_000]))
        let cp = try sb.run(["audit", "checkpoint", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("cp.txt")],
                            passphrase: .none, env: env)
        #expect(cp.status == 0, "\(cp)")
        let verify = try sb.run(["audit", "verify", "--vault", sb.file("hq"), "--checkpoint", sb.file("cp.txt")], passphrase: .none)
        #expect(verify.status == 0, "entries signed through the agent verify: \(verify)")
        // --no-agent asks for the passphrase (there is no terminal here: 64).
        let noAgent = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--no-agent"], passphrase: .none, env: env)
        #expect(noAgent.status == 64, "\(noAgent)")
        let noAgentEnv = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")], passphrase: .none,
                                    env: env.merging(["SAFEHOUSE_NO_AGENT": "1"]) { $1 })
        #expect(noAgentEnv.status == 64, "\(noAgentEnv)")
        // Another member's commands do not use Olga's agent.
        let ivan = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("ivan")], passphrase: .none, env: env)
        #expect(ivan.status == 64, "\(ivan)")
        // key verify checks the passphrase itself, never the agent (no passphrase here: 64).
        let verifyKey = try sb.run(["key", "verify", sb.file("olga")], passphrase: .none, env: env)
        #expect(verifyKey.status == 64, "\(verifyKey)")
        // A second start is refused (73) and leaves the first running.
        let again = try sb.run(["agent", "start", "--identity", sb.file("olga")], env: env)
        #expect(again.status == 73, "\(again)")
        // Recovery split needs the key file itself, so it does not use the agent.
        let split = try sb.run(["recovery", "split", "--identity", sb.file("olga"), "--shares", "3", "--threshold", "2",
                                "--out-dir", sb.file("shares")], passphrase: .none, env: env)
        #expect(split.status == 64 && !sb.exists("shares/share-1-of-3.txt"), "\(split)")
        // Stop: the socket and the process are gone, and commands need the passphrase again.
        let stop = try sb.run(["agent", "stop", "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(stop.status == 0, "\(stop)")
        #expect(!sb.listing("ag").contains { $0.hasSuffix(".sock") }, "\(sb.listing("ag"))")
        var waited = 0
        while !agentProcesses(sb).isEmpty, waited < 200 { usleep(10_000); waited += 1 }
        #expect(agentProcesses(sb).isEmpty)
        let after = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(after.status == 64, "\(after)")
        let gone = try sb.run(["agent", "status", "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(gone.status == 66, "\(gone)")
        let stopAgain = try sb.run(["agent", "stop", "--identity", sb.file("olga")], passphrase: .none, env: env)
        #expect(stopAgain.status == 0, "stop is safe to repeat: \(stopAgain)")
    }

    @Test func wrongPassphraseBadTTLAndOpenDirectoryAreRefused() throws {
        let sb = try Sandbox()
        defer { _ = try? sb.run(["agent", "stop", "--identity", sb.file("olga")], passphrase: .none, env: agentEnv(sb)); sb.remove() }
        try sb.makeTeam()
        let env = agentEnv(sb)
        let wrong = try sb.run(["agent", "start", "--identity", sb.file("olga")], passphrase: .env("not the passphrase"), env: env)
        #expect(wrong.status == 77, "\(wrong)")
        #expect(wrong.errorLines.count == 1 && wrong.stderr.contains("wrong passphrase"), "\(wrong)")
        #expect(!sb.listing("ag").contains { $0.hasSuffix(".sock") } && agentProcesses(sb).isEmpty, "nothing is left behind")
        // A passphrase longer than the agent reads is refused, not cut short.
        let long = try sb.run(["agent", "start", "--identity", sb.file("olga")], passphrase: .env(String(repeating: "p", count: 2000)), env: env)
        #expect(long.status == 64 && long.stderr.contains("longer than 1024 bytes"), "\(long)")
        #expect(agentProcesses(sb).isEmpty)
        for ttl in ["0", "13h", "soon"] {
            let r = try sb.run(["agent", "start", "--identity", sb.file("olga"), "--ttl", ttl], env: env)
            #expect(r.status == 64, "\(r)")
        }
        // A socket directory others can enter is refused, not trusted.
        try FileManager.default.createDirectory(atPath: sb.file("ag"), withIntermediateDirectories: true)
        chmod(sb.file("ag"), 0o755)
        let open = try sb.run(["agent", "start", "--identity", sb.file("olga")], env: env)
        #expect(open.status == 77 && open.stderr.contains("not private"), "\(open)")
        #expect(agentProcesses(sb).isEmpty)
    }

    @Test func anInterruptedStartLeavesNoAgent() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.installKeys()
        // Kill `agent start` while its server is still unlocking (before the handshake).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sb.binary)
        p.arguments = ["agent", "start", "--identity", sb.file("olga")]
        p.currentDirectoryURL = URL(fileURLWithPath: sb.path)
        p.environment = CLI.environment(home: sb.path, passphrase: cliPassphrase, extra: agentEnv(sb))
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(30_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        var waited = 0
        while !agentProcesses(sb).isEmpty, waited < 600 { usleep(10_000); waited += 1 }
        #expect(agentProcesses(sb).isEmpty, "the server gave up without its confirmation")
        #expect(!sb.listing("ag").contains { $0.hasSuffix(".sock") })
        let status = try sb.run(["agent", "status", "--identity", sb.file("olga")], passphrase: .none, env: agentEnv(sb))
        #expect(status.status == 66, "\(status)")
    }

    @Test func anUntrustedAgentDirectoryIsIgnored() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        // Olga's socket name, in a directory others can enter (planted, say, by another user).
        let show = try sb.run(["key", "show", sb.file("olga")], passphrase: .none)
        let fp = try #require(show.stdoutLines.first { $0.hasPrefix("fingerprint: ") })
            .dropFirst("fingerprint: ".count).replacingOccurrences(of: "-", with: "")
        try FileManager.default.createDirectory(atPath: sb.file("ag"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: sb.file("ag/agent-\(fp).sock"), contents: nil)
        chmod(sb.file("ag"), 0o755)
        // The command is not refused: it says why it ignores the agent and uses the passphrase.
        let list = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")], env: agentEnv(sb))
        #expect(list.status == 0, "\(list)")
        #expect(list.stderr.contains("not using the key agent") && list.stderr.contains("not private"), "\(list)")
    }

    @Test func agentEndsAtItsLifetime() throws {
        let sb = try Sandbox()
        defer { _ = try? sb.run(["agent", "stop", "--identity", sb.file("olga")], passphrase: .none, env: agentEnv(sb)); sb.remove() }
        try sb.installKeys()
        let env = agentEnv(sb)
        let start = try sb.run(["agent", "start", "--identity", sb.file("olga"), "--ttl", "1s"], env: env)
        #expect(start.status == 0, "\(start)")
        var waited = 0
        while !agentProcesses(sb).isEmpty, waited < 500 { usleep(10_000); waited += 1 }
        #expect(agentProcesses(sb).isEmpty, "the agent exits at its deadline")
        #expect(!sb.listing("ag").contains { $0.hasSuffix(".sock") }, "and removes its socket")
    }
}
