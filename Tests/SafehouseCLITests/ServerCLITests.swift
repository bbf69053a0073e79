import Foundation
import SafehouseCrypto
import SafehouseVault
import Testing

/// The team server end to end (issue 19): real PostgreSQL, the real
/// `safehouse-server` binary, the real `safehouse` CLI on both ends.
@Suite("CLI: team server", .serialized, .enabled(if: ServerTestEnvironment.enabled))
struct ServerCLITests {
    static let fieldMarker = "fieldmark-zq81-crossing-the-river"
    static let fieldTranscript = """
        [00:00:10] REPORTER: \(fieldMarker) that winter.
        [00:00:20] WITNESS: We waited for the night before crossing.

        """

    func setUp() throws -> (Sandbox, ServerFixture) { try Sandbox.serverTeam() }

    func sealInField(_ t: Sandbox, _ text: String, name: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: t.file(name)))
        let r = try t.run(["seal", t.file(name), "--vault", t.file("field"), "--identity", t.file("ivan"), "--kind", "interview", "--country", "KR"])
        try #require(r.status == 0, "\(r)")
        return r.stdout.trimmingCharacters(in: .newlines)
    }

    func cli(_ t: Sandbox, _ s: ServerFixture, _ verb: [String], vault: String, key: String) throws -> RunResult {
        try t.cli(s, verb, vault: vault, key: key)
    }

    // MARK: - The whole path

    @Test func fieldToHQToEditorAndRevocation() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        let rec = try sealInField(t, Self.fieldTranscript, name: "talk.txt")

        // Interviewer pushes; the server's receipt verifies; status says sent.
        var r = try cli(t, s, ["push", "--all"], vault: "field", key: "ivan")
        try #require(r.status == 0, "\(r)")
        #expect(r.stderr.contains("pinned") && r.stderr.contains("sent"), "\(r)")
        r = try t.run(["status", "--vault", t.file("field")])
        #expect(r.status == 0 && r.stdoutLines.contains("\(rec)\tsent\thq"), "\(r)")
        // Pushing again sends nothing new.
        r = try cli(t, s, ["push", "--all"], vault: "field", key: "ivan")
        #expect(r.status == 0 && r.stderr.contains("nothing new to push"), "\(r)")

        // Officer pulls at HQ and opens it.
        r = try cli(t, s, ["pull"], vault: "hq", key: "olga")
        try #require(r.status == 0, "\(r)")
        #expect(r.stdoutLines.contains(rec), "\(r)")
        r = try t.run(["open", rec, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("opened.txt")])
        try #require(r.status == 0, "\(r)")
        #expect(try t.read("opened.txt") == Array(Self.fieldTranscript.utf8))
        // A second pull finds nothing (the entry was acknowledged).
        r = try cli(t, s, ["pull"], vault: "hq", key: "olga")
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.contains("nothing waiting"), "\(r)")

        // HQ's signed acknowledgement reaches the field vault: acknowledged, then purged.
        r = try cli(t, s, ["status"], vault: "field", key: "ivan")
        #expect(r.status == 0 && r.stdoutLines.contains("\(rec)\tacknowledged\thq"), "\(r)")
        // A second record is sent but not yet acknowledged; the server (an attacker with the
        // database) forges an acknowledgement for it from the real one: it does not verify.
        let unacked = try sealInField(t, "[00:00:01] A: a second talk not pulled yet\n", name: "second.txt")
        r = try cli(t, s, ["push", unacked], vault: "field", key: "ivan")
        try #require(r.status == 0, "\(r)")
        let realAck = try s.psql("SELECT body FROM acks ORDER BY id LIMIT 1")
        try #require(realAck.contains(rec), "\(realAck)")
        _ = try s.psql("""
            INSERT INTO acks (mailbox_seq, recipient, object, body, signature, at)
            SELECT m.seq, a.recipient, m.object, replace(replace(a.body, a.object, m.object), '\(rec)', '\(unacked)'), a.signature, a.at
            FROM acks a, mailbox m WHERE m.seq = (SELECT max(seq) FROM mailbox) AND a.id = (SELECT min(id) FROM acks)
            """)
        r = try cli(t, s, ["push", "--purge-confirmed"], vault: "field", key: "ivan")
        try #require(r.status == 0, "\(r)")
        #expect(r.stdoutLines == [rec], "only the record HQ acknowledged is purged, not one the server vouches for: \(r)")
        r = try t.run(["list", "--vault", t.file("field"), "--json"])
        #expect(!r.stdout.contains(rec) && r.stdout.contains(unacked), "\(r)")
        r = try t.run(["status", "--vault", t.file("field")])
        #expect(r.stdoutLines.contains("\(unacked)\tsent\thq"), "\(r)")
        r = try t.run(["check", "--vault", t.file("field")])
        #expect(r.status == 0, "the field vault is intact after the purge: \(r)")

        // Officer approves and grants; HQ push sends Edith her excerpt; she pulls and exports.
        r = try t.run(["approve", rec, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let ex = r.stdout.trimmingCharacters(in: .newlines)
        r = try t.run(["grant", ex, "--to", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try cli(t, s, ["push", "--all"], vault: "hq", key: "olga")
        try #require(r.status == 0, "\(r)")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        try #require(r.status == 0, "\(r)")
        #expect(r.stdoutLines.contains(ex), "\(r)")
        r = try t.run(["export", ex, "--vault", t.file("edithvault"), "--identity", t.file("edith"), "--format", "txt", "--out", t.file("cut.txt")])
        try #require(r.status == 0, "\(r)")
        #expect(String(decoding: try t.read("cut.txt"), as: UTF8.self).contains(Self.fieldMarker))

        // Revocation travels the same way: after her next pull the export is refused.
        r = try t.run(["revoke", ex, "--from", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try cli(t, s, ["push", "--all"], vault: "hq", key: "olga")
        try #require(r.status == 0, "\(r)")
        #expect(r.stderr.contains("sent"), "the re-keyed excerpt is sent again: \(r)")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        try #require(r.status == 0, "\(r)")
        r = try t.run(["export", ex, "--vault", t.file("edithvault"), "--identity", t.file("edith"), "--format", "txt", "--out", t.file("cut2.txt")])
        #expect(r.status == 77 && !t.exists("cut2.txt"), "\(r)")

        // No plaintext anywhere on the server side: the PostgreSQL data directory and the server's log.
        _ = try s.psql("CHECKPOINT")
        let ivanFP = try t.identity("ivan").fingerprint.compact
        // Member names are not among them: the published keyring (public member cards) is on the server by design.
        let markers = [Self.fieldMarker, "We waited for the night", "a second talk", "talk.txt", "second.txt", "REPORTER"]
        if let pgdata = ServerTestEnvironment.dataDirectory {
            let hits = Sandbox.filesContaining(markers + [ivanFP], under: pgdata)
            // The scan can see what the server does store in clear (fingerprints): it would see plaintext too.
            #expect(hits.values.contains(ivanFP), "the scan finds the sender's fingerprint the server stores: \(hits.count) hits")
            #expect(hits.filter { $0.value != ivanFP }.isEmpty, "plaintext on the server side: \(hits.filter { $0.value != ivanFP })")
        } else {
            Issue.record("SAFEHOUSE_TEST_PGDATA is not set: the data directory scan did not run")
        }
        let log = try String(contentsOfFile: s.logPath, encoding: .utf8)
        #expect(log.contains("delivered"), "the server logged its work")
        for m in markers { #expect(!log.contains(m), "the server log contains \(m)") }
    }

    // MARK: - Refusals

    @Test func refusalsHaveTheirStatusAndExitCode() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        let ivan = try t.identity("ivan"), edith = try t.identity("edith")

        // Unsigned: 401.
        var h = try HTTP.send(s.url + "/v1/mailbox", method: "GET")
        #expect(h.status == 401 && h.message.contains("unsigned"), "\(h.status) \(h.message)")
        // Signed by Edith while claiming to be Ivan: 401.
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: edith, claiming: ivan.fingerprint.compact)
        #expect(h.status == 401 && h.message.contains("does not verify"), "\(h.status) \(h.message)")
        // Stale (10 minutes old) and from the future: 401.
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: ivan, time: Int64(Date().timeIntervalSince1970) - 600)
        #expect(h.status == 401 && h.message.contains("stale"), "\(h.status) \(h.message)")
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: ivan, time: Int64(Date().timeIntervalSince1970) + 600)
        #expect(h.status == 401 && h.message.contains("stale"), "\(h.status) \(h.message)")
        // Replayed: the same signed request twice.
        let (first, headers) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: ivan)
        #expect(first.status == 200, "\(first.status) \(first.message)")
        h = try HTTP.send(s.url + "/v1/mailbox", method: "GET", headers: headers)
        #expect(h.status == 401 && h.message.contains("replayed"), "\(h.status) \(h.message)")
        // A signature over another path does not carry over.
        h = try HTTP.send(s.url + "/v1/acks", method: "GET", headers: try SignedRequest.headers(method: "GET", path: "/v1/mailbox", body: [], by: ivan))
        #expect(h.status == 401, "\(h.status) \(h.message)")
        // Role: an editor cannot send to HQ (403 → CLI 77 is shown below for a removed member).
        let start = Array(#"{"to":"hq","sha256":"\#(String(repeating: "ab", count: 32))","size":10}"#.utf8)
        (h, _) = try HTTP.signed(s.url, "POST", "/v1/uploads", body: start, by: edith)
        #expect(h.status == 403, "\(h.status) \(h.message)")

        // Oversized body: 413.
        (h, _) = try HTTP.signed(s.url, "PUT", "/v1/uploads/x?offset=0", body: [UInt8](repeating: 7, count: (1 << 20) + 1), by: ivan)
        #expect(h.status == 413, "\(h.status) \(h.message)")

        // A truncated upload: 400 at completion; an altered one: 422, and nothing is stored.
        let good = [UInt8]((0..<5000).map { UInt8($0 % 251) })
        let sha = Hex.encode(ContentSHA256.hash(good))
        func begin() throws -> String {
            let (r, _) = try HTTP.signed(s.url, "POST", "/v1/uploads", body: Array(#"{"to":"hq","sha256":"\#(sha)","size":\#(good.count)}"#.utf8), by: ivan)
            try #require(r.status == 201, "\(r.status) \(r.message)")
            return try #require(r.json?["upload"] as? String)
        }
        var up = try begin()
        (h, _) = try HTTP.signed(s.url, "PUT", "/v1/uploads/\(up)?offset=0", body: Array(good.prefix(4000)), by: ivan)
        #expect(h.status == 200, "\(h.status) \(h.message)")
        (h, _) = try HTTP.signed(s.url, "POST", "/v1/uploads/\(up)/complete", by: ivan)
        #expect(h.status == 400 && h.message.contains("incomplete"), "\(h.status) \(h.message)")
        up = try begin()
        var altered = good
        altered[4500] ^= 1
        (h, _) = try HTTP.signed(s.url, "PUT", "/v1/uploads/\(up)?offset=4000", body: Array(altered.suffix(1000)), by: ivan)
        #expect(h.status == 200, "\(h.status) \(h.message)")
        (h, _) = try HTTP.signed(s.url, "POST", "/v1/uploads/\(up)/complete", by: ivan)
        #expect(h.status == 422, "\(h.status) \(h.message)")
        #expect(try s.psql("SELECT count(*) FROM objects") == "0")
        #expect(try s.psql("SELECT count(*) FROM mailbox") == "0")

        // A key not in the published keyring (Sam was never added): 401.
        try t.installKeys(["sam"])
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: try t.identity("sam"))
        #expect(h.status == 401 && h.message.contains("not a member"), "\(h.status) \(h.message)")
        // Only officers publish a keyring: 403.
        (h, _) = try HTTP.signed(s.url, "PUT", "/v1/keyring", body: Array(try t.read("team.txt")), by: ivan)
        #expect(h.status == 403, "\(h.status) \(h.message)")
        // A removed member: refused (401, CLI 77) from the moment the new keyring is published.
        var r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        #expect(r.status == 0, "\(r)")
        r = try t.run(["team", "remove", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["team", "publish", "--server", s.url, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: edith)
        #expect(h.status == 401 && h.message.contains("removed"), "\(h.status) \(h.message)")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        #expect(r.status == 77 && r.errorLines.first?.contains("removed") == true, "\(r)")
        // An older keyring cannot be published back over it (the server refuses an older epoch).
        let old = Array(try t.read("team.txt"))
        (h, _) = try HTTP.signed(s.url, "PUT", "/v1/keyring", body: old, by: try t.identity("olga"))
        #expect(h.status == 409, "\(h.status) \(h.message)")

        // Unreachable server: 69.
        r = try t.run(["pull", "--server", "http://127.0.0.1:\(ServerTestEnvironment.freePort())", "--vault", t.file("field"), "--identity", t.file("ivan")])
        #expect(r.status == 69, "\(r)")
        // The database gone for a moment: the server answers 503, the CLI exits 75.
        _ = try ServerTestEnvironment.psql(try ServerTestEnvironment.requireDatabase(),
                                           "ALTER DATABASE \(s.databaseName) ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(s.databaseName)'")
        r = try t.run(["pull", "--server", s.url, "--vault", t.file("field"), "--identity", t.file("ivan")], env: ["SAFEHOUSE_RETRY_SECONDS": "0"])
        #expect(r.status == 75, "\(r)")
        _ = try ServerTestEnvironment.psql(try ServerTestEnvironment.requireDatabase(), "ALTER DATABASE \(s.databaseName) ALLOW_CONNECTIONS true")
    }

    // MARK: - Retention

    @Test func acknowledgedBytesAreDeletedAndComeBackWithTheNextDelivery() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        let rec = try sealInField(t, Self.fieldTranscript, name: "kept.txt")
        var r = try cli(t, s, ["push", rec], vault: "field", key: "ivan")
        try #require(r.status == 0, "\(r)")
        let sha = try s.psql("SELECT object FROM mailbox ORDER BY seq DESC LIMIT 1")
        let olga = try t.identity("olga"), edith = try t.identity("edith")
        func storedChunks() throws -> String {
            try s.psql("SELECT count(*) FROM object_chunks c JOIN objects o ON o.upload_id = c.upload_id WHERE o.sha256 = '\(sha)'")
        }
        // Before HQ's pull the bytes are there (an officer reads the hq mailbox).
        var (h, _) = try HTTP.signed(s.url, "GET", "/v1/objects/\(sha)?offset=0", by: olga)
        try #require(h.status == 200, "\(h.status) \(h.message)")
        let bytes = [UInt8](h.body)
        try #require(Hex.encode(ContentSHA256.hash(bytes)) == sha, "one chunk holds the whole test bundle")
        r = try cli(t, s, ["pull"], vault: "hq", key: "olga")
        try #require(r.status == 0 && r.stdoutLines.contains(rec), "\(r)")
        // Acknowledged by its only recipient: the server keeps no copy of the ciphertext.
        #expect(try storedChunks() == "0")
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/objects/\(sha)?offset=0", by: olga)
        #expect(h.status == 404, "\(h.status) \(h.message)")
        // The acknowledgement stays: the field vault still purges.
        r = try cli(t, s, ["push", "--purge-confirmed"], vault: "field", key: "ivan")
        #expect(r.status == 0 && r.stdoutLines.contains(rec), "\(r)")
        // The same bytes delivered again (to Edith): stored anew, listed and downloadable.
        try s.deliver(bytes, to: edith.fingerprint.compact, by: olga)
        #expect(try storedChunks() != "0")
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/mailbox", by: edith)
        #expect(h.status == 200 && String(decoding: h.body, as: UTF8.self).contains(sha), "\(h.status)")
        (h, _) = try HTTP.signed(s.url, "GET", "/v1/objects/\(sha)?offset=0", by: edith)
        #expect(h.status == 200 && [UInt8](h.body) == bytes, "\(h.status) \(h.message)")

        // An upload abandoned for over two weeks is dropped with its chunks at the next upload;
        // a recent unfinished one stays.
        let now = Int64(Date().timeIntervalSince1970)
        for (id, age) in [("stale-upload", Int64(15 * 86_400)), ("recent-upload", Int64(86_400))] {
            _ = try s.psql("""
                INSERT INTO uploads (id, member, mailbox, sha256, size, received, created_at) VALUES ('\(id)', 'x', 'hq', '\(id)', 10, 4, \(now - age));
                INSERT INTO object_chunks (upload_id, offset_bytes, data) VALUES ('\(id)', 0, '\\x01020304')
                """)
        }
        let rec2 = try sealInField(t, Self.fieldTranscript, name: "next.txt")
        r = try cli(t, s, ["push", rec2], vault: "field", key: "ivan")
        try #require(r.status == 0, "\(r)")
        #expect(try s.psql("SELECT string_agg(id, ',' ORDER BY id) FROM uploads WHERE id LIKE '%-upload'") == "recent-upload")
        #expect(try s.psql("SELECT string_agg(upload_id, ',' ORDER BY upload_id) FROM object_chunks WHERE upload_id LIKE '%-upload'") == "recent-upload")
    }

    // MARK: - A hostile server

    @Test func serverThatAltersOrReplaysIsCaughtAtPull() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        // HQ → Edith: the excerpt (v1); she pulls it; it is revoked (v2) and she pulls again.
        let rec = try t.seal(Array(Self.fieldTranscript.utf8), name: "talk.txt")
        var r = try t.run(["approve", rec, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let ex = r.stdout.trimmingCharacters(in: .newlines)
        r = try t.run(["grant", ex, "--to", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try cli(t, s, ["push", ex], vault: "hq", key: "olga")
        try #require(r.status == 0, "\(r)")
        // The attacker keeps a copy of the bytes: the server itself deletes them once acknowledged.
        _ = try s.psql("CREATE TABLE kept_chunks AS SELECT * FROM object_chunks")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        try #require(r.status == 0 && r.stdoutLines.contains(ex), "\(r)")
        let firstSeq = try s.psql("SELECT min(seq) FROM mailbox")
        #expect(try s.psql("SELECT count(*) FROM object_chunks c JOIN objects o ON o.upload_id = c.upload_id JOIN mailbox m ON m.object = o.sha256 WHERE m.seq = \(firstSeq)") == "0",
                "acknowledged bytes are deleted")
        r = try t.run(["revoke", ex, "--from", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try cli(t, s, ["push", "--all"], vault: "hq", key: "olga")
        try #require(r.status == 0, "\(r)")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        try #require(r.status == 0, "\(r)")
        func edithExport() throws -> RunResult {
            try t.run(["export", ex, "--vault", t.file("edithvault"), "--identity", t.file("edith"), "--format", "txt", "--out", t.file("e.txt")])
        }
        #expect(try edithExport().status == 77)

        // The server (an attacker with the database) replays the old grant-carrying bundle: refused, 65.
        _ = try s.psql("INSERT INTO object_chunks SELECT * FROM kept_chunks ON CONFLICT DO NOTHING")
        _ = try s.psql("INSERT INTO mailbox (mailbox, object, sender, at) SELECT mailbox, object, sender, at FROM mailbox WHERE seq = \(firstSeq)")
        r = try cli(t, s, ["pull"], vault: "edithvault", key: "edith")
        #expect(r.status == 65 && r.stderr.contains("older"), "\(r)")
        #expect(try edithExport().status == 77, "the replay did not undo the revocation")

        // The server alters a stored object's bytes: refused, 65, nothing imported.
        let rec2 = try sealInField(t, Self.fieldTranscript, name: "talk2.txt")
        r = try cli(t, s, ["push", rec2], vault: "field", key: "ivan")
        try #require(r.status == 0, "\(r)")
        _ = try s.psql("""
            UPDATE object_chunks SET data = overlay(data placing decode(lpad(to_hex(get_byte(data, 700) # 1), 2, '0'), 'hex') from 701 for 1)
            WHERE upload_id = (SELECT upload_id FROM objects o JOIN mailbox m ON m.object = o.sha256 WHERE m.mailbox = 'hq' ORDER BY m.seq DESC LIMIT 1)
            """)
        r = try cli(t, s, ["pull"], vault: "hq", key: "olga")
        #expect(r.status == 65 && r.stdout.isEmpty, "\(r)")
        r = try t.run(["list", "--vault", t.file("hq"), "--json"])
        #expect(!r.stdout.contains(rec2), "nothing of the altered object was imported: \(r)")
        // …and even when the attacker also rewrites the object's address to match, bundle verification refuses it.
        let newSha = try s.psql("""
            SELECT encode(sha256(string_agg(c.data, ''::bytea ORDER BY c.offset_bytes)), 'hex') FROM object_chunks c
            WHERE c.upload_id = (SELECT upload_id FROM objects o JOIN mailbox m ON m.object = o.sha256 WHERE m.mailbox = 'hq' ORDER BY m.seq DESC LIMIT 1)
            """)
        _ = try s.psql("""
            BEGIN;
            INSERT INTO objects (sha256, size, upload_id, stored_at)
              SELECT '\(newSha)', o.size, o.upload_id, o.stored_at FROM objects o JOIN mailbox m ON m.object = o.sha256 WHERE m.mailbox = 'hq' ORDER BY m.seq DESC LIMIT 1;
            INSERT INTO mailbox (mailbox, object, sender, at) SELECT 'hq', '\(newSha)', sender, at FROM mailbox WHERE mailbox = 'hq' ORDER BY seq DESC LIMIT 1;
            COMMIT;
            """)
        r = try cli(t, s, ["pull"], vault: "hq", key: "olga")
        #expect(r.status == 65 && r.stderr.contains("tampered"), "\(r)")
        r = try t.run(["list", "--vault", t.file("hq"), "--json"])
        #expect(!r.stdout.contains(rec2), "\(r)")
        r = try t.run(["check", "--vault", t.file("hq")])
        #expect(r.status == 0, "\(r)")
    }

    // MARK: - Interrupted pushes

    /// Starts `safehouse args…` in the background (for kill -9).
    func spawn(_ t: Sandbox, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: t.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: t.path)
        p.environment = CLI.environment(home: t.path, passphrase: cliPassphrase, extra: [:])
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func waitFor(_ what: String, timeout: TimeInterval = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(20_000)
        }
        Issue.record("timed out waiting for \(what)")
        throw CocoaError(.userCancelled)
    }

    @Test func interruptedPushesResumeWithNothingLostOrDuplicated() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        // 24 MiB of random bytes: 24+ upload chunks.
        let big = Random.bytes(24 << 20)
        try Data(big).write(to: URL(fileURLWithPath: t.file("recording.bin")))
        var r = try t.run(["seal", t.file("recording.bin"), "--vault", t.file("field"), "--identity", t.file("ivan"), "--kind", "coverage", "--country", "CN"])
        try #require(r.status == 0, "\(r)")
        let rec = r.stdout.trimmingCharacters(in: .newlines)
        let push = ["push", "--all", "--server", s.url, "--vault", t.file("field"), "--identity", t.file("ivan")]

        // kill -9 of the client midway.
        let p = try spawn(t, push)
        try waitFor("a partial upload") { Int(try s.psql("SELECT coalesce(max(received), 0) FROM uploads")) ?? 0 >= 3 << 20 }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let partial = Int(try s.psql("SELECT max(received) FROM uploads")) ?? 0
        #expect(partial < big.count, "the upload was interrupted (\(partial) bytes)")
        #expect(try s.psql("SELECT count(*) FROM mailbox") == "0")

        // A server restart midway: the client fails (69 or 75), the next push resumes.
        let p2 = try spawn(t, push)
        try waitFor("more of the upload") { Int(try s.psql("SELECT max(received) FROM uploads")) ?? 0 >= partial + (3 << 20) }
        s.stop()
        p2.waitUntilExit()
        #expect([69, 75].contains(p2.terminationStatus), "the client saw the server go: \(p2.terminationStatus)")
        try s.start()
        r = try t.run(push)
        try #require(r.status == 0, "\(r)")
        #expect(r.stderr.contains("resuming an upload at"), "\(r)")
        #expect(try s.psql("SELECT count(*) FROM uploads") == "1", "one upload session, resumed twice")
        #expect(try s.psql("SELECT count(*) FROM objects") == "1")
        #expect(try s.psql("SELECT count(*) FROM mailbox") == "1", "delivered once")
        r = try t.run(push)
        #expect(r.status == 0 && r.stderr.contains("nothing new to push"), "\(r)")

        // A spooled bundle damaged on disk after a kill -9: the server refuses the upload (422 → 65),
        // the client drops the spool, and the next push exports the record again.
        let rec2 = try sealInField(t, String(repeating: "[00:00:01] A: more words\n", count: 600_000), name: "long.txt")
        let p3 = try spawn(t, push)
        try waitFor("a partial second upload") { Int(try s.psql("SELECT coalesce(max(received), 0) FROM uploads WHERE NOT completed")) ?? 0 >= 1 << 20 }
        kill(p3.processIdentifier, SIGKILL)
        p3.waitUntilExit()
        let spooled = t.listing("field/outbox").filter { $0.hasSuffix(".bundle") }
        try #require(spooled.count == 1, "\(spooled)")
        let fh = try #require(FileHandle(forUpdatingAtPath: t.file("field/outbox/" + spooled[0])))
        let end = try fh.seekToEnd()
        try fh.seek(toOffset: end - 100)
        let byte = try #require(try fh.read(upToCount: 1))
        try fh.seek(toOffset: end - 100)
        try fh.write(contentsOf: Data([byte[0] ^ 0x40]))
        try fh.close()
        r = try t.run(push)
        #expect(r.status == 65 && r.stderr.contains("do not match the declared SHA-256"), "\(r)")
        #expect(t.listing("field/outbox").filter { $0.hasSuffix(".bundle") }.isEmpty, "the damaged spool was dropped")
        r = try t.run(push)
        try #require(r.status == 0, "\(r)")
        #expect(try s.psql("SELECT count(*) FROM mailbox") == "2", "each record delivered once, nothing damaged delivered")

        // HQ gets both whole.
        r = try cli(t, s, ["pull"], vault: "hq", key: "olga")
        try #require(r.status == 0 && r.stdoutLines.contains(rec) && r.stdoutLines.contains(rec2), "\(r)")
        r = try t.run(["open", rec, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("back.bin")])
        try #require(r.status == 0, "\(r)")
        #expect(try t.read("back.bin") == big)
    }

    // MARK: - TLS

    /// Runs a program from PATH; returns its exit status and stdout.
    func tool(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func withACertificateTheServerSpeaksHTTPSOnly() throws {
        let (t, s) = try setUp()
        defer { s.remove(); t.remove() }
        let (made, _) = try tool(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                  "-keyout", t.file("key.pem"), "-out", t.file("cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(made == 0, "openssl could not make a test certificate")
        s.stop()
        try s.startTLS(cert: t.file("cert.pem"), key: t.file("key.pem"))
        let https = "https://127.0.0.1:\(s.port)"
        // curl, trusting exactly this certificate, gets the server's key over TLS…
        let (ok, body) = try tool(["curl", "-sS", "--cacert", t.file("cert.pem"), https + "/v1/server"])
        #expect(ok == 0 && body.contains("\"key\""), "\(ok) \(body)")
        // …plain HTTP gets no answer, and a client that does not trust the certificate is refused (69).
        let (plain, _) = try tool(["curl", "-sS", "http://127.0.0.1:\(s.port)/v1/server"])
        #expect(plain != 0, "plain HTTP is not served next to HTTPS")
        let r = try t.run(["pull", "--server", https, "--vault", t.file("field"), "--identity", t.file("ivan")])
        #expect(r.status == 69, "an untrusted certificate is never accepted: \(r)")
        // Trusting exactly this certificate ($SAFEHOUSE_SERVER_CA), the same pull goes through TLS…
        let trusted = try t.run(["pull", "--server", https, "--vault", t.file("field"), "--identity", t.file("ivan")],
                                env: ["SAFEHOUSE_SERVER_CA": t.file("cert.pem")])
        #expect(trusted.status == 0, "a pull over TLS with the server's certificate trusted: \(trusted)")
        // …but not under another name than the certificate's (host names are checked), and a
        // missing trust file is an error of its own, not a silent fall-back to the system's.
        let otherName = try t.run(["pull", "--server", "https://localhost:\(s.port)", "--vault", t.file("field"), "--identity", t.file("ivan")],
                                  env: ["SAFEHOUSE_SERVER_CA": t.file("cert.pem")])
        #expect(otherName.status == 69, "the certificate names 127.0.0.1 only: \(otherName)")
        let missing = try t.run(["pull", "--server", https, "--vault", t.file("field"), "--identity", t.file("ivan")],
                                env: ["SAFEHOUSE_SERVER_CA": t.file("no-such.pem")])
        #expect(missing.status == 66, "\(missing)")
    }

    @Test func aPinnedTeamRootRefusesAnotherTeamsKeyring() throws {
        let t = try Sandbox()
        try t.makeTeam()
        try t.installKeys(["sam"])
        let s = try ServerFixture(sandbox: t)
        defer { s.remove(); t.remove() }
        // Pinned to another root (Sam's): Olga's keyring is never accepted, not even as the first.
        s.stop()
        try s.start(extra: ["--team-root", try t.identity("sam").fingerprint.compact])
        var r = try t.run(["team", "publish", "--server", s.url, "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 77 && r.stderr.contains("another team"), "\(r)")
        #expect(try s.psql("SELECT count(*) FROM keyrings") == "0")
        // Pinned to Olga's root: accepted.
        s.stop()
        try s.start(extra: ["--team-root", try t.identity("olga").fingerprint.compact])
        r = try t.run(["team", "publish", "--server", s.url, "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0, "\(r)")
    }
}
