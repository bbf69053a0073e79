import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs a real agent on a thread for `member`, with its sockets in `dir`.
private final class RunningAgent: @unchecked Sendable {
    let server: KeyAgentServer
    let thread: Thread
    init(_ identity: Identity, seconds: TimeInterval = 60) throws {
        server = try KeyAgentServer(identity: identity)
        let s = server
        let deadline = Date().addingTimeInterval(seconds)
        thread = Thread { s.serve(until: deadline) }
        thread.start()
    }
}

@Suite("Key agent: sign and open slots over a private socket", .serialized)
struct KeyAgentTests {
    /// Points the agent directory at a fresh scratch folder for one test.
    private func withAgentDir(_ body: (Scratch) throws -> Void) throws {
        let scratch = try Scratch()
        defer { scratch.remove(); unsetenv("SAFEHOUSE_AGENT_DIR") }
        setenv("SAFEHOUSE_AGENT_DIR", scratch.file("ag"), 1)
        try body(scratch)
    }

    @Test func agentSignsAndOpensSlotsLikeTheKeyItself() throws {
        try withAgentDir { _ in
            let member = TestTeam.shared.officer
            let agent = try RunningAgent(member.identity)
            defer { _ = try? KeyAgentClient.stop(for: member.fingerprint) }
            let client = try #require(try KeyAgentClient.connect(for: member.fingerprint))
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
            #expect(try KeyAgentClient.stop(for: member.fingerprint))
            #expect(!FileManager.default.fileExists(atPath: agent.server.socketPath), "the socket is removed on stop")
            #expect(try KeyAgentClient.connect(for: member.fingerprint) == nil)
            #expect(throws: VaultError.self) { try viaAgent.sign(message) }
        }
    }

    @Test func socketAndDirectoryArePrivate() throws {
        try withAgentDir { scratch in
            let member = TestTeam.shared.interviewer
            let agent = try RunningAgent(member.identity)
            defer { _ = try? KeyAgentClient.stop(for: member.fingerprint) }
            var st = stat()
            #expect(lstat(scratch.file("ag"), &st) == 0 && st.st_mode & 0o777 == 0o700)
            #expect(lstat(agent.server.socketPath, &st) == 0 && st.st_mode & 0o777 == 0o600)
            // A second agent for the same key is refused (73) and the first keeps running.
            #expect(vaultError { _ = try KeyAgentServer(identity: member.identity) }?.exitCode == 73)
            #expect(try KeyAgentClient.connect(for: member.fingerprint) != nil)
            // A directory others can enter is refused by clients (77), not trusted.
            chmod(scratch.file("ag"), 0o755)
            #expect(vaultError { _ = try KeyAgentClient.connect(for: member.fingerprint) }?.exitCode == 77)
            chmod(scratch.file("ag"), 0o700)
        }
    }

    @Test func anAgentForAnotherKeyIsNotUsed() throws {
        try withAgentDir { _ in
            // An agent for the editor's key, planted at the officer's socket path.
            let editor = TestTeam.shared.editor, officer = TestTeam.shared.officer
            let agent = try RunningAgent(editor.identity)
            defer { _ = try? KeyAgentClient.stop(for: officer.fingerprint); _ = try? KeyAgentClient.stop(for: editor.fingerprint) }
            #expect(rename(agent.server.socketPath, KeyAgent.socketPath(for: officer.fingerprint)) == 0)
            #expect(try KeyAgentClient.connect(for: officer.fingerprint) == nil, "the agent's keys must match the key file's fingerprint")
        }
    }

    @Test func agentExpiresAndAStaleSocketIsReplaced() throws {
        try withAgentDir { _ in
            let member = TestTeam.shared.editor
            let agent = try RunningAgent(member.identity, seconds: 0.5)
            #expect(try KeyAgentClient.connect(for: member.fingerprint) != nil)
            var waited = 0
            while !agent.thread.isFinished, waited < 300 { usleep(10_000); waited += 1 }
            #expect(agent.thread.isFinished, "the agent stops at its deadline")
            #expect(try KeyAgentClient.connect(for: member.fingerprint) == nil)
            #expect(!FileManager.default.fileExists(atPath: agent.server.socketPath))
            // A socket left behind by a killed agent does not block a new one.
            let path = KeyAgent.socketPath(for: member.fingerprint)
            let fd = try AgentSocket.make()
            _ = try AgentSocket.withAddress(path) { bind(fd, $0, $1) }
            close(fd)
            #expect(FileManager.default.fileExists(atPath: path))
            let again = try RunningAgent(member.identity)
            #expect(try KeyAgentClient.connect(for: member.fingerprint) != nil)
            #expect(try KeyAgentClient.stop(for: member.fingerprint))
            _ = again
        }
    }

    @Test func ttlParsing() {
        #expect(KeyAgent.parseTTL("90") == 90 && KeyAgent.parseTTL("90s") == 90)
        #expect(KeyAgent.parseTTL("15m") == 900 && KeyAgent.parseTTL("2h") == 7200 && KeyAgent.parseTTL("12h") == 43200)
        for bad in ["", "0", "-5", "13h", "721m", "abc", "5d", "1.5h", "m"] { #expect(KeyAgent.parseTTL(bad) == nil, "\(bad)") }
    }
}
