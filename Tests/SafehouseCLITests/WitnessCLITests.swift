import Foundation
import SafehouseAudit
import SafehouseCrypto
import SafehouseVault
import Testing

/// The team server as witness of HQ's audit log (issue 20 part B): real
/// PostgreSQL, the real `safehouse-server` and `safehouse` binaries.
@Suite("CLI: the server witnesses HQ's log", .serialized, .enabled(if: ServerTestEnvironment.enabled))
struct WitnessCLITests {
    func setUp() throws -> (Sandbox, ServerFixture) { try Sandbox.serverTeam() }

    func cli(_ t: Sandbox, _ s: ServerFixture, _ verb: [String], vault: String, key: String) throws -> RunResult {
        try t.cli(s, verb, vault: vault, key: key)
    }

    /// `audit witness`: exit 0, the stored cosigned checkpoint's path on stdout.
    func witness(_ t: Sandbox, _ s: ServerFixture, vault: String = "hq", sourceLocation: SourceLocation = #_sourceLocation) throws -> Checkpoint {
        let r = try cli(t, s, ["audit", "witness"], vault: vault, key: "olga")
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        let path = r.stdout.trimmingCharacters(in: .newlines)
        #expect(path.hasPrefix(t.file(vault) + "/witness/"), "\(r)", sourceLocation: sourceLocation)
        return try Checkpoint.parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    func logSize(_ t: Sandbox, _ vault: String) throws -> UInt64 {
        let r = try t.run(["audit", "verify", "--vault", t.file(vault)])
        try #require(r.status == 0, "\(r)")
        let n = r.stderr.components(separatedBy: "intact: ").last?.split(separator: " ").first.flatMap { UInt64($0) }
        return try #require(n, "\(r)")
    }

    func serverKey(_ s: ServerFixture) throws -> [UInt8] {
        let r = try HTTP.send(s.url + "/v1/server", method: "GET")
        let text = try #require(r.json?["key"] as? String)
        return [UInt8](try #require(Data(base64Encoded: text)))
    }

    func submit(_ s: ServerFixture, old: UInt64, proof: [[UInt8]] = [], _ cp: Checkpoint, by who: Identity) throws -> HTTP.Reply {
        try HTTP.signed(s.url, "POST", "/v1/witness/add-checkpoint",
                        body: Array(WitnessRequest(oldSize: old, proof: proof, checkpoint: cp).text.utf8), by: who).0
    }

    // MARK: - (a) cosigned, independently verifiable; (d) crafted refusals

    @Test func consistentCheckpointsAreCosignedAndForgedSubmissionsRefused() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        let key = try serverKey(s)
        let first = try witness(t, s)
        _ = try t.seal(Array("[00:00:01] A: more HQ work\n".utf8))
        let second = try witness(t, s)
        #expect(second.size > first.size)
        for cp in [first, second] {
            #expect(Cosignature.verifiedTime(cp, publicKey: key) != nil, "the stored cosignature verifies with the server key")
            #expect(cp.signatures.count == 2 && cp.origin.hasPrefix("safehouse.vault/"))
            // Independently, from Docs/SERVER.md alone (Python `cryptography`).
            let (status, said) = try pythonCheck(t.file("hq/witness/checkpoint-\(cp.size).txt"), key: key)
            #expect(status == 0 && said.hasPrefix("ok "), "python: \(said)")
        }
        // One flipped signature byte fails the Python check too (it can fail).
        let text = try String(contentsOfFile: t.file("hq/witness/checkpoint-\(second.size).txt"), encoding: .utf8)
        let cos = try #require(second.signatures.last)
        var raw = cos.keyHash + cos.signature
        raw[40] ^= 1
        try text.replacingOccurrences(of: Data(cos.keyHash + cos.signature).base64EncodedString(), with: Data(raw).base64EncodedString())
            .write(toFile: t.file("flipped.txt"), atomically: true, encoding: .utf8)
        #expect(try pythonCheck(t.file("flipped.txt"), key: key).0 != 0, "a tampered cosignature passes the Python check")

        // Any member reads the latest and the history; a size never witnessed is 404.
        let edith = try t.identity("edith"), olga = try t.identity("olga"), ivan = try t.identity("ivan")
        var h = try HTTP.signed(s.url, "GET", "/v1/witness/checkpoint", by: edith).0
        #expect(h.status == 200 && String(decoding: h.body, as: UTF8.self) == second.text, "\(h.status)")
        h = try HTTP.signed(s.url, "GET", "/v1/witness/checkpoint?size=\(first.size)", by: edith).0
        #expect(h.status == 200 && String(decoding: h.body, as: UTF8.self) == first.text, "\(h.status)")
        h = try HTTP.signed(s.url, "GET", "/v1/witness/checkpoint?size=\(first.size + 1)", by: edith).0
        #expect(h.status == 404, "\(h.status)")

        // `audit verify --checkpoint` takes the cosigned checkpoint: the cosignature is verified
        // with the pinned key; without one (an exported log) it is reported unverified.
        var r = try t.run(["audit", "verify", "--vault", t.file("hq"), "--checkpoint", t.file("hq/witness/checkpoint-\(second.size).txt")])
        #expect(r.status == 0 && r.stderr.contains("consistent with the checkpoint") && r.stderr.contains("witness cosignature by \(s.url) verified"), "\(r)")
        r = try t.run(["audit", "export", "--vault", t.file("hq"), "--out", t.file("log.jsonl")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["audit", "verify", "--file", t.file("log.jsonl"), "--checkpoint", t.file("hq/witness/checkpoint-\(second.size).txt")])
        #expect(r.status == 0 && r.stderr.contains("not verified"), "\(r)")
        r = try t.run(["audit", "verify", "--vault", t.file("hq"), "--checkpoint", t.file("flipped.txt")])
        #expect(r.status == 65, "a cosignature that names the pinned key but does not verify: \(r)")

        // Crafted submissions (signed as the CLI signs, through the library).
        let origin = second.origin
        func signed(_ size: UInt64, _ root: [UInt8], by who: Identity, origin: String = origin) throws -> Checkpoint {
            try Checkpoint.sign(origin: origin, size: size, root: root, keyName: who.fingerprint.compact, publicKey: who.signPublicKey, using: who.sign)
        }
        let junk = Random.bytes(32)
        // (d) A bad consistency proof: 422.
        h = try submit(s, old: second.size, proof: [Random.bytes(32)], try signed(second.size + 3, junk, by: olga), by: olga)
        #expect(h.status == 422 && h.message.contains("does not verify"), "\(h.status) \(h.message)")
        // Old is not the stored size: 409 with the stored size as text/x.tlog.size.
        h = try submit(s, old: first.size, proof: [Random.bytes(32)], try signed(second.size + 3, junk, by: olga), by: olga)
        #expect(h.status == 409 && String(decoding: h.body, as: UTF8.self) == "\(second.size)\n", "\(h.status)")
        // Same size, another root (a fork): 409.
        h = try submit(s, old: second.size, try signed(second.size, junk, by: olga), by: olga)
        #expect(h.status == 409 && String(decoding: h.body, as: UTF8.self) == "\(second.size)\n", "\(h.status)")
        // Smaller than the stored size (a rollback): 409.
        h = try submit(s, old: second.size, try signed(first.size, first.root, by: olga), by: olga)
        #expect(h.status == 409, "\(h.status)")
        // Not signed by an officer (Ivan is an interviewer): 403; submitted by a non-officer: 403.
        h = try submit(s, old: second.size, try signed(second.size, second.root, by: ivan), by: olga)
        #expect(h.status == 403, "\(h.status) \(h.message)")
        h = try submit(s, old: second.size, try signed(second.size, second.root, by: olga), by: ivan)
        #expect(h.status == 403, "\(h.status) \(h.message)")
        // Another log's origin: 404.
        h = try submit(s, old: 0, try signed(1, junk, by: olga, origin: "safehouse.vault/00"), by: olga)
        #expect(h.status == 404, "\(h.status) \(h.message)")
        // None of it moved the witness.
        #expect(try s.psql("SELECT size FROM witness_latest") == "\(second.size)")
        #expect(try s.psql("SELECT count(*) FROM witness_checkpoints") == "2")
        // A resubmission of the latest is cosigned again (same size, same root, empty proof).
        h = try submit(s, old: second.size, try signed(second.size, second.root, by: olga), by: olga)
        #expect(h.status == 200 && String(decoding: h.body, as: UTF8.self).hasPrefix("\u{2014} safehouse.witness/"), "\(h.status)")

        // Two officers' valid submissions from the same old size, sent at once: exactly one wins
        // (the compare-and-swap), the other is told the new size.
        for _ in 0..<2 {
            r = try t.run(["audit", "checkpoint", "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("cp-\(UUID().uuidString)")])
            try #require(r.status == 0, "\(r)")
        }
        let leaves = try Vault.open(at: t.file("hq")).auditLeafHashes()
        try #require(leaves.count >= Int(second.size) + 2)
        let racers = try [second.size + 1, second.size + 2].map { size -> [UInt8] in
            let root = MerkleTree.rootHash(leafHashes: Array(leaves.prefix(Int(size))))
            let proof = try MerkleTree.consistencyProof(from: second.size, to: size, leafHashes: leaves)
            return Array(WitnessRequest(oldSize: second.size, proof: proof, checkpoint: try signed(size, root, by: olga)).text.utf8)
        }
        let statuses = ConcurrentStatuses()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let status = (try? HTTP.signed(s.url, "POST", "/v1/witness/add-checkpoint", body: racers[i], by: olga).0.status) ?? 0
            statuses.append(status)
        }
        #expect(statuses.sorted == [200, 409], "\(statuses.sorted)")
        #expect(try s.psql("SELECT count(*) FROM witness_checkpoints") == "3")
    }

    // MARK: - (b) a rolled-back and (c) a forked HQ vault; push witnesses, pull checks

    @Test func rolledBackAndForkedHQVaultsAreCaught() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        let rec = try t.seal(Array("[00:00:01] A: an HQ interview\n".utf8))
        let ex = try t.approveAndGrant(rec, to: "Edith")
        // HQ push witnesses first; Edith's pull checks the manifest's log state against it.
        var r = try cli(t, s, ["push", "--all"], vault: "hq", key: "olga")
        try #require(r.status == 0, "\(r)")
        let pushed = try s.psql("SELECT size FROM witness_latest")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        try #require(r.status == 0, "\(r)")
        #expect(r.stdoutLines.contains(ex), "\(r)")

        // A copy of HQ as it is now; then more work, witnessed.
        try FileManager.default.copyItem(atPath: t.file("hq"), toPath: t.file("hq-old"))
        _ = try t.seal(Array("[00:00:02] A: later HQ work\n".utf8))
        let later = try witness(t, s)
        let oldSize = try logSize(t, "hq-old")
        #expect(later.size >= oldSize + 2)

        // (c) A fork: the old copy grows by other entries to the witnessed size.
        try FileManager.default.copyItem(atPath: t.file("hq-old"), toPath: t.file("hq-fork"))
        while try logSize(t, "hq-fork") < later.size - 1 {
            r = try t.run(["audit", "checkpoint", "--vault", t.file("hq-fork"), "--identity", t.file("olga"), "--out", t.file("cp-\(UUID().uuidString)")])
            try #require(r.status == 0, "\(r)")
        }
        r = try cli(t, s, ["audit", "witness"], vault: "hq-fork", key: "olga")
        #expect(r.status == 77 && r.stderr.contains("forked") && r.stderr.contains("409"), "\(r)")

        // (b) Rollback: HQ's directory is replaced by the old copy.
        try FileManager.default.removeItem(atPath: t.file("hq"))
        try FileManager.default.moveItem(atPath: t.file("hq-old"), toPath: t.file("hq"))
        r = try cli(t, s, ["audit", "witness"], vault: "hq", key: "olga")
        #expect(r.status == 77 && r.stderr.contains("older than") && r.stderr.contains("409"), "\(r)")
        #expect(!r.stderr.contains(cliPassphrase))
        // Its push is refused the same way before anything is spooled or sent.
        let rec2 = try t.seal(Array("[00:00:03] A: sealed in the rolled-back vault\n".utf8))
        let ex2 = try t.approveAndGrant(rec2, to: "Edith")
        r = try cli(t, s, ["push", ex2], vault: "hq", key: "olga")
        // By now it has grown past the witnessed size with entries of its own: forked.
        #expect(r.status == 77 && (r.stderr.contains("older than") || r.stderr.contains("forked")), "\(r)")
        #expect(try s.psql("SELECT count(*) FROM mailbox") == "1", "only the legitimate push reached a mailbox")

        // Material from the rolled-back vault sent around the witness (a bundle uploaded
        // by hand to Edith's mailbox) is refused at her next pull: nothing imported.
        r = try t.run(["bundle", "export", ex2, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("old.shb")])
        try #require(r.status == 0, "\(r)")
        try s.deliver(t.read("old.shb"), to: try t.identity("edith").fingerprint.compact, by: try t.identity("olga"))
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        #expect(r.status == 77 && r.stderr.contains("HQ material from") && !r.stdoutLines.contains(ex2), "\(r)")
        // The same bundle carried by hand (no server): checked offline against the state the
        // witness cosigned for her vault, which the rolled-back copy's log forks from.
        r = try t.run(["bundle", "import", t.file("old.shb"), "--vault", t.file("edithvault"), "--identity", t.file("edith")])
        #expect(r.status == 77 && r.stderr.contains("forks from the one the witness cosigned") && !r.stdoutLines.contains(ex2), "\(r)")
        r = try t.run(["list", "--vault", t.file("edithvault"), "--json"])
        #expect(r.status == 0 && !r.stdout.contains(ex2), "\(r)")

        // The server later serves an older witnessed checkpoint (rolled back itself): Edith's
        // vault remembers the larger size it saw and refuses.
        _ = try s.psql("""
            UPDATE witness_latest SET size = h.size, root = h.root, note = h.note FROM witness_checkpoints h WHERE h.size = \(pushed)
            """)
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        #expect(r.status == 77 && r.stderr.contains("already saw"), "\(r)")
    }

    /// Runs Tests/Python/check_cosignature.py on a checkpoint file: exit status and stdout.
    func pythonCheck(_ file: String, key: [UInt8]) throws -> (Int32, String) {
        let py = Process()
        py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        py.arguments = ["python3", CLI.repoRoot.appendingPathComponent("Tests/Python/check_cosignature.py").path, file, Data(key).base64EncodedString()]
        let out = Pipe()
        py.standardOutput = out
        py.standardError = FileHandle.nullDevice
        try py.run()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        py.waitUntilExit()
        return (py.terminationStatus, said)
    }
}

/// Statuses collected from concurrent requests.
final class ConcurrentStatuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func append(_ v: Int) { lock.lock(); values.append(v); lock.unlock() }
    var sorted: [Int] { lock.lock(); defer { lock.unlock() }; return values.sorted() }
}
