import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs a real agent on a thread for an identity, with its socket in `dir`.
private final class RunningAgent: @unchecked Sendable {
    let server: KeyAgentServer
    let thread: Thread
    init(_ identity: Identity, in dir: String, seconds: Double = 60) throws {
        server = try KeyAgentServer(identity: identity, directory: dir)
        let s = server
        let deadline = KeyAgent.now() + seconds
        thread = Thread { s.serve(until: deadline) }
        thread.start()
    }
}

@Suite("Key agent: sign and open slots over a private socket", .serialized)
struct KeyAgentTests {
    /// A fresh agent directory for one test (passed explicitly: no environment changes
    /// while other suites run in parallel).
    private func withAgentDir(_ body: (String) throws -> Void) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try body(scratch.file("ag"))
    }

    @Test func agentSignsAndOpensSlotsLikeTheKeyItself() throws {
        try withAgentDir { dir in
            let member = TestTeam.shared.officer
            let agent = try RunningAgent(member.identity, in: dir)
            defer { _ = try? KeyAgentClient.stop(for: member.fingerprint, directory: dir) }
            let client = try #require(try KeyAgentClient.connect(for: member.fingerprint, directory: dir))
            let viaAgent = Identity(agent: client, card: member.card)
            #expect(viaAgent.usesAgent && viaAgent.fingerprint == member.fingerprint)
            #expect(!"\(viaAgent)".contains("SecureBytes") && "\(viaAgent)".contains("agent"))
            let message = Array("entry 42".utf8)
            let sig = try viaAgent.sign(message)
            #expect(Signature.verify(sig, message: message, publicKey: member.identity.signPublicKey))
            let secret = try SecureBytes.random(count: 48)
            let box = try SealedBox.seal(secret, to: member.identity.boxPublicKey)
            #expect(try viaAgent.openSlot(box) == secret)
            // A slot for someone else, or a tampered one, fails exactly like a local open.
            let other = try SealedBox.seal(secret, to: TestTeam.shared.editor.identity.boxPublicKey)
            var bad = box; bad[bad.count - 1] ^= 1
            for b in [other, bad, [UInt8](), [UInt8](repeating: 7, count: 10)] {
                #expect(throws: CryptoError.authenticationFailed) { try viaAgent.openSlot(b) }
                #expect(throws: CryptoError.authenticationFailed) { try member.identity.openSlot(b) }
            }
            // The agent never hands out the secret key.
            #expect(throws: VaultError.self) { try viaAgent.exportSecretForRecovery() }
            #expect(client.secondsLeft > 0 && client.secondsLeft <= 60)
            #expect(try KeyAgentClient.stop(for: member.fingerprint, directory: dir))
            #expect(!FileManager.default.fileExists(atPath: agent.server.socketPath), "the socket is removed on stop")
            #expect(try KeyAgentClient.connect(for: member.fingerprint, directory: dir) == nil)
            #expect(throws: VaultError.self) { try viaAgent.sign(message) }
        }
    }

    @Test func socketAndDirectoryArePrivate() throws {
        try withAgentDir { dir in
            let member = TestTeam.shared.interviewer
            let agent = try RunningAgent(member.identity, in: dir)
            defer { _ = try? KeyAgentClient.stop(for: member.fingerprint, directory: dir) }
            var st = stat()
            #expect(lstat(dir, &st) == 0 && st.st_mode & 0o777 == 0o700)
            #expect(lstat(agent.server.socketPath, &st) == 0 && st.st_mode & 0o777 == 0o600)
            // A second agent for the same key is refused (73) and the first keeps running.
            #expect(vaultError { _ = try KeyAgentServer(identity: member.identity, directory: dir) }?.exitCode == 73)
            #expect(try KeyAgentClient.connect(for: member.fingerprint, directory: dir) != nil)
            // A directory others can enter is refused by clients (77), not trusted.
            chmod(dir, 0o755)
            #expect(vaultError { _ = try KeyAgentClient.connect(for: member.fingerprint, directory: dir) }?.exitCode == 77)
            chmod(dir, 0o700)
        }
    }

    @Test func anAgentForAnotherKeyIsNotUsed() throws {
        try withAgentDir { dir in
            // An agent for the editor's key, planted at the officer's socket path.
            let editor = TestTeam.shared.editor, officer = TestTeam.shared.officer
            let agent = try RunningAgent(editor.identity, in: dir)
            defer { _ = try? KeyAgentClient.stop(for: officer.fingerprint, directory: dir); _ = try? KeyAgentClient.stop(for: editor.fingerprint, directory: dir) }
            #expect(rename(agent.server.socketPath, KeyAgent.socketPath(for: officer.fingerprint, in: dir)) == 0)
            #expect(try KeyAgentClient.connect(for: officer.fingerprint, directory: dir) == nil, "the agent's keys must match the key file's fingerprint")
        }
    }

    @Test func agentExpiresAndAStaleSocketIsReplaced() throws {
        try withAgentDir { dir in
            let member = TestTeam.shared.editor
            let agent = try RunningAgent(member.identity, in: dir, seconds: 0.5)
            #expect(try KeyAgentClient.connect(for: member.fingerprint, directory: dir) != nil)
            var waited = 0
            while !agent.thread.isFinished, waited < 300 { usleep(10_000); waited += 1 }
            #expect(agent.thread.isFinished, "the agent stops at its deadline")
            #expect(try KeyAgentClient.connect(for: member.fingerprint, directory: dir) == nil)
            #expect(!FileManager.default.fileExists(atPath: agent.server.socketPath))
            // A socket left behind by a killed agent does not block a new one.
            let path = KeyAgent.socketPath(for: member.fingerprint, in: dir)
            let fd = try AgentSocket.make()
            _ = try AgentSocket.withAddress(path) { bind(fd, $0, $1) }
            close(fd)
            #expect(FileManager.default.fileExists(atPath: path))
            let again = try RunningAgent(member.identity, in: dir)
            #expect(try KeyAgentClient.connect(for: member.fingerprint, directory: dir) != nil)
            #expect(try KeyAgentClient.stop(for: member.fingerprint, directory: dir))
            _ = again
        }
    }

    @Test func concurrentStartsLeaveExactlyOneAgent() throws {
        try withAgentDir { dir in
            let member = TestTeam.shared.officer
            let results = ResultBox()
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do { results.add(try KeyAgentServer(identity: member.identity, directory: dir)) } catch { results.add(nil) }
            }
            let servers = results.values.compactMap { $0 }
            #expect(servers.count == 1, "exactly one agent may hold the key's lock")
            #expect(FileManager.default.fileExists(atPath: KeyAgent.socketPath(for: member.fingerprint, in: dir)))
            servers.forEach { $0.shutdown() }
            #expect(!FileManager.default.fileExists(atPath: KeyAgent.socketPath(for: member.fingerprint, in: dir)))
            // Once released, a new agent can start.
            let again = try KeyAgentServer(identity: member.identity, directory: dir)
            again.shutdown()
        }
    }

    @Test func aSilentClientCannotHoldTheAgent() throws {
        try withAgentDir { dir in
            let member = TestTeam.shared.interviewer
            _ = try RunningAgent(member.identity, in: dir)
            defer { _ = try? KeyAgentClient.stop(for: member.fingerprint, directory: dir) }
            // Connect and send one byte of a header, then nothing.
            let fd = try AgentSocket.make()
            defer { close(fd) }
            #expect(try AgentSocket.withAddress(KeyAgent.socketPath(for: member.fingerprint, in: dir)) { Glibc.connect(fd, $0, $1) } == 0)
            var one: UInt8 = 1
            #expect(send(fd, &one, 1, 0) == 1)
            let t0 = KeyAgent.now()
            let client = try #require(try KeyAgentClient.connect(for: member.fingerprint, directory: dir))
            #expect(KeyAgent.now() - t0 < 4, "the agent dropped the silent client after about two seconds")
            #expect(try Identity(agent: client, card: nil).sign([1, 2, 3]).count == 64)
        }
    }

    @Test func ttlParsing() {
        #expect(KeyAgent.parseTTL("90") == 90 && KeyAgent.parseTTL("90s") == 90)
        #expect(KeyAgent.parseTTL("15m") == 900 && KeyAgent.parseTTL("2h") == 7200 && KeyAgent.parseTTL("12h") == 43200)
        for bad in ["", "0", "-5", "13h", "721m", "abc", "5d", "1.5h", "m"] { #expect(KeyAgent.parseTTL(bad) == nil, "\(bad)") }
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [KeyAgentServer?] = []
    func add(_ v: KeyAgentServer?) { lock.lock(); values.append(v); lock.unlock() }
}
