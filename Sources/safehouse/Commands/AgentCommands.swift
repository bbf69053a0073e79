import ArgumentParser
import Foundation
import SafehouseCrypto
import SafehouseVault

/// `safehouse agent`: unlock a key once and let this user's commands use it
/// for a limited time, as ssh-agent does. See KeyAgent for the protocol.
struct Agent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Keep your key unlocked for a while, so commands skip the passphrase (like ssh-agent).",
        discussion: """
            The agent unlocks the key once and then signs and opens key slots for your own commands; the secret \
            keys never leave it. Anything running as your user can use the key while the agent runs, so start it \
            for a working session, keep the lifetime short, and stop it before you travel or leave the machine. \
            Commands use a running agent for their --identity automatically; --no-agent (or SAFEHOUSE_NO_AGENT=1) \
            asks for the passphrase instead.
            """,
        subcommands: [Start.self, Stop.self, Status.self, Serve.self])

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Unlock the key and start its agent in the background.")
        @Option(help: "How long the agent keeps the key: 90s, 15m, 2h (at most 12h).") var ttl = "15m"
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                guard let seconds = KeyAgent.parseTTL(ttl) else {
                    throw VaultError.usage("--ttl must be a duration such as 90s, 15m or 2h, at most 12h")
                }
                let path = try id.requirePath()
                let header = try KeyFile.readHeader(path: path)
                if let running = try KeyAgentClient.connect(for: header.fingerprint) {
                    throw VaultError.cannotCreate(object: running.socketPath,
                                                  hint: "a key agent for this key is already running (\(running.secondsLeft) s left); `safehouse agent stop` first")
                }
                let pass = try Passphrase.obtain(file: id.passphraseFile, prompt: "Passphrase for \(path): ", confirm: false)
                let status = try spawnServer(keyPath: path, seconds: seconds, passphrase: pass)
                guard status == 0 else { throw ExitCode(status) }
                Output.note("key agent started for \(header.fingerprint) for \(seconds) s; `safehouse agent stop` ends it sooner")
                Output.print(KeyAgent.socketPath(for: header.fingerprint))
            }
        }

        /// Starts `safehouse agent serve` with the passphrase on a pipe and waits
        /// until it says it is listening; returns 0, or the server's exit status.
        /// Handshake: the server says "ready", we answer "ok", and only then does it
        /// serve — so an `agent start` killed or interrupted midway leaves no agent.
        func spawnServer(keyPath: String, seconds: Int, passphrase: SecureBytes) throws -> Int32 {
            var buf = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &buf, buf.count - 1)
            guard n > 0 else { throw VaultError.other("cannot find this program's own path") }
            let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            signal(SIGPIPE, SIG_IGN)  // a server that died must not kill us mid-write
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["agent", "serve", "--identity", keyPath, "--ttl", String(seconds)]
            var env = ProcessInfo.processInfo.environment
            env["SAFEHOUSE_PASSPHRASE"] = nil
            p.environment = env
            let input = Pipe(), output = Pipe()
            p.standardInput = input
            p.standardOutput = output
            try p.run()
            let w = input.fileHandleForWriting.fileDescriptor
            let r = output.fileHandleForReading.fileDescriptor
            defer { try? input.fileHandleForWriting.close() }
            let sent = passphrase.withUnsafeBytes { writeAll(w, $0) } && writeAll(w, UnsafeRawBufferPointer(start: "\n", count: 1))
            if sent, readLine(r) == "ready", writeAll(w, UnsafeRawBufferPointer(start: "ok\n", count: 3)) { return 0 }
            try? input.fileHandleForWriting.close()
            p.waitUntilExit()
            return p.terminationStatus == 0 ? 1 : p.terminationStatus
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the key's agent now (safe to run when none is running).")
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let header = try KeyFile.readHeader(path: try id.requirePath())
                if try KeyAgentClient.stop(for: header.fingerprint) {
                    Output.note("key agent stopped; the unlocked key is gone from memory")
                } else {
                    Output.note("no key agent was running for this key")
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Say whether the key's agent runs and for how long (exit 66 if none).")
        @OptionGroup var id: IdentityOptions
        @Flag(help: "JSON output: {fingerprint, running, secondsLeft, socket}.") var json = false

        func run() throws {
            try guarded {
                let header = try KeyFile.readHeader(path: try id.requirePath())
                guard let c = try KeyAgentClient.connect(for: header.fingerprint) else {
                    throw VaultError.missing(object: "key agent for \(header.fingerprint)", hint: "start one with `safehouse agent start`")
                }
                if json {
                    return try Output.json(AgentStatusRow(fingerprint: header.fingerprint.description, running: true,
                                                          secondsLeft: c.secondsLeft, socket: c.socketPath))
                }
                Output.print("running\t\(c.secondsLeft) s left\t\(c.socketPath)")
            }
        }
    }

    /// The agent process itself, started by `agent start`: reads the passphrase
    /// from standard input, unlocks, binds, says "ready", then detaches.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the key agent (started by `agent start`).", shouldDisplay: false)
        @Option var identity: String
        @Option var ttl: Int

        func run() throws {
            try guarded {
                guard ttl > 0, ttl <= KeyAgent.maxTTL else { throw VaultError.usage("--ttl out of range") }
                _ = setsid()
                signal(SIGHUP, SIG_IGN)
                signal(SIGINT, SIG_IGN)
                signal(SIGPIPE, SIG_IGN)
                closeInheritedDescriptors()
                // The passphrase lives only as long as the unlock.
                let unlocked = try KeyFile.unlock(path: identity, passphrase: try Passphrase.readLine(fd: 0, name: "standard input"))
                let server = try KeyAgentServer(identity: unlocked)
                let deadline = KeyAgent.now() + Double(ttl)
                // Serve only if `agent start` is still there to confirm.
                guard writeAll(1, UnsafeRawBufferPointer(start: "ready\n", count: 6)), readLine(0, timeout: 5) == "ok" else {
                    server.shutdown()
                    throw ExitCode(1)
                }
                // Detach from the caller's pipes, terminal and working directory.
                let null = open("/dev/null", O_RDWR)
                if null >= 0 { dup2(null, 0); dup2(null, 1); dup2(null, 2); if null > 2 { close(null) } }
                _ = chdir("/")
                server.serve(until: deadline)
            }
        }

        /// Closes descriptors above stderr that the caller may have leaked to us
        /// (a pipe held open by the agent would keep the caller's reader waiting).
        func closeInheritedDescriptors() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
            for fd in names.compactMap(Int32.init) where fd > 2 { close(fd) }
        }
    }
}

/// `agent status --json`.
struct AgentStatusRow: Encodable {
    let fingerprint: String
    let running: Bool
    let secondsLeft: Int
    let socket: String
}

/// Writes all of `buffer` to `fd`; false on any failure (EINTR retried).
func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
    do { try PosixIO.write(fd, buffer); return true } catch { return false }
}

/// One short line from `fd` (byte by byte, so nothing after it is consumed);
/// nil on EOF, error, more than 64 bytes, or no complete line within `timeout` seconds.
func readLine(_ fd: Int32, timeout: Double? = nil) -> String? {
    var bytes: [UInt8] = []
    let end = timeout.map { KeyAgent.now() + $0 }
    while bytes.count < 64 {
        if let end, !KeyAgent.waitReadable(fd, until: end) { return nil }
        var c: UInt8 = 0
        let n = read(fd, &c, 1)
        if n < 0, errno == EINTR { continue }
        guard n == 1 else { return nil }
        if c == 10 { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(c)
    }
    return nil
}
