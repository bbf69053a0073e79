import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto
import Testing
@testable import SafehouseVault

/// The audit trail as the vault keeps it: tampering with the vault's own
/// SQLite store (through GRDB, as an attacker with the file would), the
/// field→HQ merge through bundles, and the officer's report data.
@Suite struct AuditTrailTests {
    // MARK: tampering with the store

    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case editField, deleteEntry, insertEntry, swapEntries, changeSignature, truncateBelowCheckpoint
        var testDescription: String { rawValue }
    }

    /// Log: 0 init, 1 team-state, 2 team-add, 3 team-state, 4-6 refused opens, 7 open, 8 checkpoint. Tampering at seq 5.
    @Test(arguments: Tamper.allCases)
    func tamperingWithTheStoreIsCaught(_ tamper: Tamper) throws {
        let f = try AuditTrail.Fixture()
        let checkpoint: Checkpoint
        do {
            let v = try f.hq()
            for _ in 0..<3 {
                try v.audit(actor: f.interviewer, action: "open", objects: [AuditTrail.recordID], outcome: .refused, reason: "not-a-recipient")
            }
            try v.audit(actor: f.officer, action: "open", objects: [AuditTrail.recordID], outcome: .ok)
            checkpoint = try v.checkpoint(by: f.officer)
            #expect(checkpoint.size == 9)
            #expect(try v.verifyAuditLog(checkpoint: checkpoint).isIntact)
        }
        try checkpoint.text.write(toFile: f.dir + "/cp", atomically: true, encoding: .utf8)

        let queue = try DatabaseQueue(path: f.dir + "/hq/vault.sqlite")
        let expected: UInt64
        switch tamper {
        case .editField:
            // Turn a refusal into a success, keeping the signature.
            let blob = try queue.read { try Data.fetchOne($0, sql: "SELECT entry FROM audit WHERE seq = 5")! }
            let text = String(decoding: blob, as: UTF8.self).replacingOccurrences(of: "outcome refused\nreason not-a-recipient\n", with: "outcome ok\n")
            #expect(Data(text.utf8) != blob)
            try queue.write { try $0.execute(sql: "UPDATE audit SET entry = ? WHERE seq = 5", arguments: [Data(text.utf8)]) }
            expected = 5
        case .deleteEntry:
            try queue.write { try $0.execute(sql: "DELETE FROM audit WHERE seq = 5") }
            expected = 5
        case .insertEntry:
            // Make room at seq 5 and put a copy of entry 4 there.
            try queue.write { db in
                try db.execute(sql: "UPDATE audit SET seq = -seq - 1 WHERE seq >= 5")
                try db.execute(sql: "UPDATE audit SET seq = -seq WHERE seq < 0")
                try db.execute(sql: "INSERT INTO audit(seq, entry, signer_key, signature, leaf_hash) SELECT 5, entry, signer_key, signature, leaf_hash FROM audit WHERE seq = 4")
            }
            expected = 5
        case .swapEntries:
            try queue.write { db in
                try db.execute(sql: "UPDATE audit SET seq = 100 WHERE seq = 5")
                try db.execute(sql: "UPDATE audit SET seq = 5 WHERE seq = 6")
                try db.execute(sql: "UPDATE audit SET seq = 6 WHERE seq = 100")
            }
            expected = 5
        case .changeSignature:
            var sig = try queue.read { try Data.fetchOne($0, sql: "SELECT signature FROM audit WHERE seq = 5")! }
            sig[sig.startIndex + 10] ^= 0x20
            try queue.write { try $0.execute(sql: "UPDATE audit SET signature = ? WHERE seq = 5", arguments: [sig]) }
            expected = 5
        case .truncateBelowCheckpoint:
            try queue.write { try $0.execute(sql: "DELETE FROM audit WHERE seq >= 7") }
            expected = 7
        }
        try queue.close()

        let v = try Vault.open(at: f.dir + "/hq")
        let verdict = try v.verifyAuditLog(checkpoint: checkpoint)
        #expect(verdict.firstBadSeq == expected, "\(verdict)")
        let withCheckpoint = AuditTrail.cli(["audit", "verify", "--vault", f.dir + "/hq", "--checkpoint", f.dir + "/cp"])
        #expect(withCheckpoint.status == 65)
        #expect(withCheckpoint.stderr.contains("first bad entry: \(expected) ("), "\(withCheckpoint.stderr)")

        let plain = AuditTrail.cli(["audit", "verify", "--vault", f.dir + "/hq"])
        let check = AuditTrail.cli(["check", "--vault", f.dir + "/hq"])
        if tamper == .truncateBelowCheckpoint {
            // What is left is a valid shorter log: only the checkpoint kept off the machine tells.
            #expect(try v.verifyAuditLog(checkpoint: nil).isIntact)
            #expect(plain.status == 0)
            #expect(check.status == 0)
            #expect(withCheckpoint.stderr.contains("truncated"))
        } else {
            #expect(plain.status == 65)
            #expect(plain.stderr.contains("first bad entry: \(expected) ("), "\(plain.stderr)")
            #expect(check.status == 65)
            #expect(throws: VaultError.self) { try v.check() }
        }
    }

    // MARK: field → HQ

    @Test func fieldLogTravelsInBundlesAndMergesIntoHQ() throws {
        let f = try AuditTrail.Fixture()
        let hq = try f.hq()
        let ring = try hq.exportTeam(by: f.officer)
        let field = try Vault.createField(at: f.dir + "/field", keyring: TeamKeyring.parse(ring.text, object: "team"), owner: f.interviewer)
        let pseudonym = try field.importSubjects([AuditTrail.subject()], by: f.interviewer)[0]
        try "[00:00:01] A: hello\n".write(toFile: f.dir + "/t.txt", atomically: true, encoding: .utf8)
        let record = try field.seal(file: f.dir + "/t.txt", request: SealRequest(kind: .interview, country: "KR", subject: pseudonym), by: f.interviewer)
        #expect(throws: VaultError.self) { _ = try field.open(id: record, to: f.dir + "/no.txt", by: f.interviewer) }
        let fieldLog = try field.auditEntries()
        #expect(fieldLog.map(\.entry.action) == ["init-field", "trust-bind", "subject-import", "seal", "open"])
        #expect(fieldLog.last?.entry.outcome == .refused)
        try field.exportBundle(ids: [record], to: f.dir + "/field.bundle", by: nil, overwrite: false)
        #expect(try field.verifyAuditLog(checkpoint: nil).isIntact)

        // Tampered field logs are refused (65) and change nothing at HQ.
        let bundle = try [UInt8](Data(contentsOf: URL(fileURLWithPath: f.dir + "/field.bundle")))
        var flipped = bundle
        flipped[flipped.count - 4 - 10] ^= 0x01                      // the last entry's signature, before "SHBE"
        let edited = AuditTrail.replace(Array("action seal\n".utf8), with: Array("action open\n".utf8), in: bundle)
        #expect(edited != bundle)
        let hqLogBefore = try hq.auditEntries().count
        for (name, bytes) in [("signature", flipped), ("field", edited)] {
            let path = f.dir + "/tampered-\(name).bundle"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(performing: { _ = try hq.importBundle(path: path, by: nil) }, throws: { ($0 as? VaultError)?.exitCode == 65 })
            #expect(AuditTrail.cli(["bundle", "import", path, "--vault", f.dir + "/hq"]).status == 65)
        }
        // Each refused import leaves one `failed` entry and nothing else.
        let refusals = try hq.auditEntries().dropFirst(hqLogBefore)
        #expect(refusals.count == 4 && refusals.allSatisfy { $0.entry.action == "bundle-import" && $0.entry.outcome.rawValue == "failed" && $0.entry.reason == "bad-data" })
        #expect(try AuditTrail.foreignCount(f.dir + "/hq") == 0)
        #expect(try hq.list(by: nil).isEmpty)

        let imported = try hq.importBundle(path: f.dir + "/field.bundle", by: nil)
        #expect(imported.auditEntries == fieldLog.count)
        #expect(imported.imported.contains(record))

        // The field entries are kept at HQ, under the field log's own origin, and both chains verify.
        #expect(try AuditTrail.foreignCount(f.dir + "/hq") == fieldLog.count, "field entries must land in HQ's foreign_audit")
        let origins = try AuditTrail.foreignOrigins(f.dir + "/hq")
        #expect(origins.count == 1 && origins.first != hq.origin, "the field log needs an origin of its own: \(origins) vs \(hq.origin)")
        #expect(try hq.verifyAuditLog(checkpoint: nil).isIntact)
        #expect(try hq.check().auditEntries == UInt64(hqLogBefore + 4 + 1))
        #expect(try field.verifyAuditLog(checkpoint: nil).isIntact)
        let last = try hq.auditEntries().last!.entry
        #expect(last.action == "bundle-import")
        #expect(last.objects.contains("objects:\(imported.imported.count)") && last.objects.contains { $0.hasPrefix("manifest:") })
        #expect(last.objects.contains { $0.hasPrefix("log:") && $0.contains(":\(fieldLog.count):") })

        // Re-importing the same bundle keeps one copy of the field log.
        _ = try hq.importBundle(path: f.dir + "/field.bundle", by: nil)
        #expect(try AuditTrail.foreignCount(f.dir + "/hq") == fieldLog.count)

        // The officer's report shows the merged log and the field seal.
        let report = try hq.auditReport(by: f.officer)
        #expect(report.logs.count == 2)
        let allIntact = report.logs.allSatisfy { $0.intact }
        #expect(allIntact)
        let interviewer = f.interviewer.fingerprint.compact
        let fieldSeal = report.events.contains { $0.log == 1 && $0.action == "seal" && $0.member == interviewer }
        #expect(fieldSeal)
    }

    // MARK: the report's data

    @Test func reportCountsAccessesAndRefusalsPerMemberAndRecord() throws {
        let f = try AuditTrail.Fixture(editor: true)
        let v = try f.hq()
        let p = try v.importSubjects([AuditTrail.subject()], by: f.interviewer)[0]
        try "[00:00:01] A: hello\n".write(toFile: f.dir + "/t.txt", atomically: true, encoding: .utf8)
        let record = try v.seal(file: f.dir + "/t.txt", request: SealRequest(kind: .interview, country: "KR", subject: p), by: f.interviewer)
        #expect(throws: VaultError.self) { _ = try v.open(id: record, to: f.dir + "/e.txt", by: f.editor!) }
        _ = try v.open(id: record, to: f.dir + "/o.txt", by: f.officer)
        try v.audit(actor: nil, claimedActor: f.officer.fingerprint.compact, action: "unlock", objects: [], outcome: .refused, reason: "wrong-passphrase")

        let report = try v.auditReport(by: f.officer, formats: [.html, .md])
        let o = f.officer.fingerprint.compact, e = f.editor!.fingerprint.compact, i = f.interviewer.fingerprint.compact
        #expect(report.events.last.map { ($0.actor, $0.action, $0.objects, $0.outcome) == (o, "audit-report", ["format:html", "format:md"], .ok) } == true)
        #expect(report.logs.count == 1 && report.logs[0].intact)
        #expect(report.refusals.map(\.action) == ["open", "unlock"])
        #expect(report.refusals.last?.member == o, "a failed unlock is the claimed key's refusal")
        #expect(report.member(e)?.refused == 1 && report.member(e)?.entries == 1)
        #expect(report.member(i)?.actions == ["subject-import": 1, "seal": 1])
        #expect(report.member(o)?.refused == 1)
        #expect(report.member(o)?.name == "Officer Han")
        let row = try #require(report.objects.first { $0.id == record })
        #expect(row.kind == "record")
        // The seal entry no longer links a record to its pseudonym (that link lives in the sealed metadata).
        #expect(row.pseudonyms.isEmpty)
        #expect((row.entries, row.refused) == (3, 1))
        #expect(row.members == [i, e, o])
        #expect(report.objects.first { $0.id == p }?.kind == "pseudonym")

        let html = report.html(), md = report.markdown()
        #expect(html.contains("<svg") && html.contains("class=\"refusal\"") && html.contains("<tr class=\"refused\">"))
        #expect(!html.contains("<script") && !html.contains("http"))
        #expect(md.contains("**REFUSED**") && md.contains(record))
        for text in [html, md] {
            #expect(!text.contains("t.txt") && !text.contains("hello") && !text.contains("Minsu"), "no file name, content or identity")
        }

        // Reading the report is refused to non-officers, and that is logged too.
        let count = try v.auditEntries().count
        #expect(performing: { _ = try v.auditReport(by: f.editor!) }, throws: { ($0 as? VaultError)?.exitCode == 77 })
        let refused = try v.auditEntries()
        #expect(refused.count == count + 1)
        #expect(refused.last.map { ($0.entry.actor, $0.entry.action, $0.entry.outcome, $0.entry.reason) == (e, "audit-report", .refused, "role-not-allowed") } == true)
        // An existing output is refused before anything is logged or written.
        try "keep".write(toFile: f.dir + "/exists.html", atomically: true, encoding: .utf8)
        #expect(performing: { try v.writeAuditReport(html: f.dir + "/exists.html", markdown: nil, by: f.officer, overwrite: false) },
                throws: { ($0 as? VaultError)?.exitCode == 73 })
        #expect(try v.auditEntries().count == count + 1)
        #expect(try String(contentsOfFile: f.dir + "/exists.html", encoding: .utf8) == "keep")
        #expect(try v.verifyAuditLog(checkpoint: nil).isIntact)
    }

    @Test func reportEscapesWhatItShows() {
        #expect(ReportText.html("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#39;")
        #expect(ReportText.markdown("a|b`c*d") == "a\\|b\\`c\\*d")
        #expect(ReportText.time(0) == "1970-01-01 00:00:00")
        #expect(ReportText.count(1_234_567) == "1,234,567")
    }
}

// MARK: - benchmark

/// The store-path numbers for Docs/PERFORMANCE-audit.md; see scripts/bench-audit.sh.
/// Skipped unless SAFEHOUSE_BENCH=1. SAFEHOUSE_BENCH_N (default 1,000,000) entries are
/// appended through `appendAudit` — the vault's real path: read the last leaf,
/// build, sign, INSERT — in IMMEDIATE transactions of SAFEHOUSE_BENCH_BATCH
/// (default 10,000) entries each; SAFEHOUSE_BENCH_SINGLE (default 2,000) more go
/// through `Vault.audit`, one fsynced transaction per entry, as every command does.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH"] == "1"), .serialized)
struct AuditStoreBenchmark {
    static func env(_ k: String, _ d: Int) -> Int { Int(ProcessInfo.processInfo.environment[k] ?? "") ?? d }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func peakRSSMiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    @Test func appendAndVerifyThroughTheStore() throws {
        let n = Self.env("SAFEHOUSE_BENCH_N", 1_000_000), batch = Self.env("SAFEHOUSE_BENCH_BATCH", 10_000)
        let single = Self.env("SAFEHOUSE_BENCH_SINGLE", 2_000)
        let dir = ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH_DIR"] ?? (NSTemporaryDirectory() + "safehouse-bench-" + UUID().uuidString)
        let f = try AuditTrail.Fixture(at: dir)
        let v = try f.hq()
        let officer = f.officer
        let records = (0..<64).map { _ in Encoding.hex(Random.bytes(16)) }

        let singleTime = try Self.seconds {
            for i in 0..<single {
                try v.audit(actor: officer, action: "open", objects: [records[i % 64]], outcome: .ok)
            }
        }
        var appended = 0
        let batchTime = try Self.seconds {
            while appended < n {
                let k = min(batch, n - appended)
                try v.store.write { db in
                    for j in 0..<k {
                        let i = appended + j
                        try v.appendAudit(db, actor: officer, action: i % 3 == 0 ? "open" : "export",
                                          objects: [records[i % 64], "format:txt"], outcome: i % 50 == 0 ? .refused : .ok,
                                          reason: i % 50 == 0 ? "not-a-recipient" : nil)
                    }
                }
                appended += k
            }
        }
        let total = try v.auditEntries().count
        var verdict = AuditVerification.broken(firstBadSeq: 0, reason: "not run")
        let verifyTime = try Self.seconds { verdict = try v.verifyAuditLog(checkpoint: nil) }
        #expect(verdict.isIntact)
        let rss = Self.peakRSSMiB()

        // libsodium's raw Ed25519 verify of one entry-sized message: the physical limit.
        let sample = try v.auditEntries().last!
        let (pk, sk) = try Signature.keyPair(seed: SecureBytes.random(count: Signature.seedBytes))
        let sig = try Signature.sign(sample.canonicalBytes, secretKey: sk)
        let rawN = 200_000
        var ok = 0
        let rawTime = Self.seconds {
            for _ in 0..<rawN where Signature.verify(sig, message: sample.canonicalBytes, publicKey: pk) { ok += 1 }
        }
        #expect(ok == rawN)
        let rawSign = try Self.seconds { for _ in 0..<rawN { _ = try Signature.sign(sample.canonicalBytes, secretKey: sk) } }
        let lines = [
            "entries=\(total)",
            "entry_bytes=\(sample.canonicalBytes.count)",
            "single_n=\(single)",
            "single_s=\(String(format: "%.3f", singleTime))",
            "single_rate=\(Int(Double(single) / singleTime))",
            "batch=\(batch)",
            "batch_n=\(n)",
            "batch_s=\(String(format: "%.2f", batchTime))",
            "batch_rate=\(Int(Double(n) / batchTime))",
            "verify_s=\(String(format: "%.2f", verifyTime))",
            "verify_rate=\(Int(Double(total) / verifyTime))",
            "peak_rss_mib=\(rss)",
            "raw_verify_rate=\(Int(Double(rawN) / rawTime))",
            "raw_sign_rate=\(Int(Double(rawN) / rawSign))",
            "vault=\(dir)/hq",
            "officer_key=\(dir)/officer.key",
        ]
        print(lines.map { "BENCH " + $0 }.joined(separator: "\n"))
        if let out = ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH_OUT"] {
            try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        }
    }
}

// MARK: - helpers

/// Helpers of `AuditTrailTests` (a namespace, so other test files may use the same names).
enum AuditTrail {
    static let passphrase = "audit trail test"
    static let recordID = "00112233445566778899aabbccddeeff"

    static let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// An HQ vault directory with an officer, an interviewer and (optionally) an editor.
    final class Fixture: @unchecked Sendable {
        let dir: String
        let officer: Identity
        let interviewer: Identity
        let editor: Identity?
        let cards: [MemberCard]
        private let keep: Bool

        init(editor withEditor: Bool = false, at path: String? = nil) throws {
            dir = path ?? (NSTemporaryDirectory() + "safehouse-audit-trail-" + UUID().uuidString)
            keep = path != nil
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var made: [(Identity, MemberCard)] = []
            for (name, role) in [("Officer Han", Role.officer), ("Field Kim", .interviewer), ("Editor Lee", .editor)] where withEditor || role != .editor {
                let path = dir + "/" + role.rawValue + ".key"
                let card = try KeyFile.create(name: name, role: role, path: path, passphrase: try AuditTrail.secret(), cost: .interactive)
                made.append((try KeyFile.unlock(path: path, passphrase: try AuditTrail.secret(), card: card), card))
            }
            officer = made[0].0
            interviewer = made[1].0
            editor = withEditor ? made[2].0 : nil
            cards = made.map(\.1)
        }

        deinit { if !keep { try? FileManager.default.removeItem(atPath: dir) } }

        /// Creates (first call) or opens the HQ vault with every member added.
        func hq() throws -> Vault {
            if FileManager.default.fileExists(atPath: dir + "/hq/vault.sqlite") { return try Vault.open(at: dir + "/hq") }
            let v = try Vault.createHQ(at: dir + "/hq", officer: officer, card: cards[0])
            for card in cards.dropFirst() { try v.addMember(card: card, by: officer) }
            return v
        }
    }

    static func secret() throws -> SecureBytes {
        try Array(passphrase.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
    }

    static func subject() -> SubjectIdentity {
        SubjectIdentity(json: Array("{\"name\":\"Kim Minsu\",\"consent\":\"pseudonym\",\"category\":\"defector\",\"country\":\"KR\"}".utf8),
                        category: "defector", consent: "pseudonym", country: "KR")
    }

    static func replace(_ a: [UInt8], with b: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard a.count == b.count, bytes.count >= a.count else { return bytes }
        var out = bytes
        for i in 0...(bytes.count - a.count) where Array(bytes[i..<i + a.count]) == a {
            out.replaceSubrange(i..<i + a.count, with: b)
            return out
        }
        return out
    }

    static func foreignCount(_ vault: String) throws -> Int {
        try DatabaseQueue(path: vault + "/vault.sqlite").read { try Int.fetchOne($0, sql: "SELECT count(*) FROM foreign_audit") ?? -1 }
    }

    static func foreignOrigins(_ vault: String) throws -> [String] {
        try DatabaseQueue(path: vault + "/vault.sqlite").read { try String.fetchAll($0, sql: "SELECT DISTINCT origin FROM foreign_audit") }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `safehouse` binary next to this test bundle (or `$SAFEHOUSE_BIN`).
    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["SAFEHOUSE_BIN"], !b.isEmpty { return b }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("safehouse").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot + "/.build/debug/safehouse"
    }()

    /// Runs the binary without inheriting vault, key or fault variables.
    static func cli(_ args: [String]) -> Result {
        let dir = NSTemporaryDirectory() + "audit-trail-cli-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": dir, "SAFEHOUSE_PASSPHRASE": passphrase]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: dir + "/out")
        p.standardError = FileHandle(forWritingAtPath: dir + "/err")
        do { try p.run() } catch { return Result(status: -1, stdout: "", stderr: "cannot run \(binary): \(error)") }
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
    }
}
