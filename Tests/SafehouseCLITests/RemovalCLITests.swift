import Foundation
import Testing

/// Removal reaches where material arrives (issue 13, "Trust II"): what a removed
/// or superseded key signs, or what is sealed to someone no longer active, is
/// quarantined at import and opens only after an officer's review; field vaults
/// learn removals through `team update`, which refuses an older keyring.
@Suite("CLI: removal and keyring updates", .serialized)
struct RemovalCLITests {
    /// A team with a second officer Sam in the keyring the field vault was made from.
    func teamWithSam() throws -> Sandbox {
        let t = try Sandbox()
        try t.installKeys(["olga", "ivan", "edith", "sam"])
        for args in [["init", "--vault", t.file("hq"), "--identity", t.file("olga")],
                     ["team", "add", t.file("ivan.pub"), "--vault", t.file("hq"), "--identity", t.file("olga")],
                     ["team", "add", t.file("sam.pub"), "--vault", t.file("hq"), "--identity", t.file("olga")],
                     ["team", "export", "--vault", t.file("hq"), "--out", t.file("team-1.txt"), "--identity", t.file("olga")],
                     ["init", "--vault", t.file("field"), "--team", t.file("team-1.txt"), "--identity", t.file("ivan")]] {
            let r = try t.run(args)
            try #require(r.status == 0, "\(r)")
        }
        return t
    }

    func fingerprintBytes(_ t: Sandbox, _ name: String) throws -> [UInt8] {
        let r = try t.run(["key", "show", t.file(name + ".pub")])
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("fingerprint:") })
        let text = line.dropFirst("fingerprint:".count).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "")
        // RFC 4648 base32, lowercase, no padding: 32 letters = 20 bytes.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var bits = 0, value = 0
        var out: [UInt8] = []
        for c in text {
            value = value << 5 | (try #require(alphabet.firstIndex(of: c)))
            bits += 5
            if bits >= 8 { bits -= 8; out.append(UInt8((value >> bits) & 0xff)) }
        }
        try #require(out.count == 20)
        return out
    }

    /// The stored header of an object, read straight from the database.
    func header(_ t: Sandbox, vault: String, id: String) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; sys.stdout.write(sqlite3.connect(sys.argv[1]).execute('SELECT hex(header) FROM objects WHERE id = ?', (sys.argv[2],)).fetchone()[0])",
                       t.file(vault + "/vault.sqlite"), id]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "python3 with sqlite3 is needed to read the header")
        let hex = Array(String(decoding: data, as: UTF8.self).utf8)
        return stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    @Test func aRemovedOfficersSlotNeverLandsSilentlyAndReleaseDropsIt() throws {
        let t = try teamWithSam()
        defer { t.remove() }
        var r = try t.run(["team", "remove", "Sam", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        // The field still holds the keyring with Sam active: its seal carries a slot for him.
        let id = try t.seal(Array("[00:00:01] A: the crossing at night\n".utf8), name: "night.txt", vault: "field", as: "ivan")
        let sam = try fingerprintBytes(t, "sam")
        #expect(try header(t, vault: "field", id: id).contains(subsequence: sam), "control: the field seal is sealed to Sam")
        r = try t.run(["bundle", "export", id, "--vault", t.file("field"), "--out", t.file("b.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("hq")])
        #expect(r.status == 0 && r.stderr.contains("quarantined 1 object(s)"), "\(r)")
        r = try t.run(["quarantine", "list", "--vault", t.file("hq")])
        #expect(r.stdout == "\(id)\tslot-for-inactive-member\n", "\(r)")
        r = try t.run(["open", id, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("o.txt")])
        #expect(r.status == 77 && r.stderr.contains("quarantined") && !t.exists("o.txt"), "\(r)")
        r = try t.run(["approve", id, "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 77 && r.stdout.isEmpty, "\(r)")
        // Only an officer releases; the released copy has no slot for Sam.
        r = try t.run(["quarantine", "release", id, "--vault", t.file("hq"), "--identity", t.file("ivan")])
        #expect(r.status == 77, "\(r)")
        r = try t.run(["quarantine", "release", id, "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 0, "\(r)")
        #expect(try !header(t, vault: "hq", id: id).contains(subsequence: sam), "the stale slot is gone")
        r = try t.run(["open", id, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("o.txt")])
        #expect(try r.status == 0 && t.read("o.txt") == Array("[00:00:01] A: the crossing at night\n".utf8), "\(r)")
        // The release re-keyed the body; its new chunk hashes serve random access.
        r = try t.run(["open", id, "--bytes", "14:8", "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("part.txt")])
        #expect(try r.status == 0 && t.read("part.txt") == Array("the cros".utf8), "\(r)")
        #expect(try t.run(["quarantine", "list", "--vault", t.file("hq")]).stdout.isEmpty)
        let log = try t.run(["audit", "log", "--vault", t.file("hq")])
        #expect(log.stdout.contains("\tquarantine\tok\treason:slot-for-inactive-member,\(id)") && log.stdout.contains("\tquarantine-release\tok\t"), "\(log)")
        #expect(try t.run(["check", "--vault", t.file("hq")]).status == 0)
    }

    @Test func aStolenInterviewerKeysNewRecordsAreQuarantined() throws {
        let t = try teamWithSam()
        defer { t.remove() }
        // The laptop is reported stolen; HQ removes the interviewer. The thief seals a planted file.
        var r = try t.run(["team", "remove", "Ivan", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let id = try t.seal(Array("[00:00:01] A: planted\n".utf8), name: "planted.txt", vault: "field", as: "ivan")
        r = try t.run(["bundle", "export", id, "--vault", t.file("field"), "--out", t.file("b.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("hq")])
        #expect(r.status == 0 && r.stderr.contains("quarantined 1 object(s)"), "\(r)")
        #expect(try t.run(["quarantine", "list", "--vault", t.file("hq")]).stdout == "\(id)\tsigned-by-inactive-key\n")
        r = try t.run(["open", id, "--vault", t.file("hq"), "--identity", t.file("olga"), "--out", t.file("planted.out")])
        #expect(r.status == 77 && r.stderr.contains("signed by a key that was removed") && !t.exists("planted.out"), "\(r)")
    }

    @Test func teamUpdateAppliesOnlyANewerKeyringAndPrintsWhatChanged() throws {
        let t = try teamWithSam()
        defer { t.remove() }
        var r = try t.run(["team", "remove", "Sam", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["team", "export", "--vault", t.file("hq"), "--out", t.file("team-2.txt"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        // The same keyring again: not newer.
        r = try t.run(["team", "update", t.file("team-1.txt"), "--vault", t.file("field"), "--identity", t.file("ivan")])
        #expect(r.status == 65 && r.stderr.contains("not newer"), "\(r)")
        r = try t.run(["team", "update", t.file("team-2.txt"), "--vault", t.file("field"), "--identity", t.file("ivan")])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutLines.count == 1 && r.stdout.hasPrefix("status\tSam\tofficer\t") && r.stdout.hasSuffix("\tactive->removed\n"), "\(r)")
        let list = try t.run(["team", "list", "--vault", t.file("field")])
        #expect(list.stdoutLines.contains { $0.contains("removed") && $0.hasSuffix(" Sam") }, "\(list)")
        // Back to the older keyring: refused, nothing changes.
        r = try t.run(["team", "update", t.file("team-1.txt"), "--vault", t.file("field"), "--identity", t.file("ivan")])
        #expect(r.status == 65 && r.stderr.contains("not newer") && r.stdout.isEmpty, "\(r)")
        #expect(try t.run(["team", "list", "--vault", t.file("field")]).stdout == list.stdout)
        // Only the owner updates the vault.
        r = try t.run(["team", "update", t.file("team-2.txt"), "--vault", t.file("field"), "--identity", t.file("olga")])
        #expect(r.status == 77, "\(r)")
        // New seals go to the active officers only, and import without quarantine.
        let id = try t.seal(Array("[00:00:01] A: after the update\n".utf8), name: "after.txt", vault: "field", as: "ivan")
        let samFP = try fingerprintBytes(t, "sam")
        #expect(try !header(t, vault: "field", id: id).contains(subsequence: samFP))
        r = try t.run(["bundle", "export", id, "--vault", t.file("field"), "--out", t.file("b.shb")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("hq")])
        #expect(r.status == 0 && !r.stderr.contains("quarantined"), "\(r)")
        #expect(try t.run(["check", "--vault", t.file("field")]).status == 0)
    }

    @Test func anUnboundFieldVaultIsRefusedUntilItsOwnerBindsIt() throws {
        let t = try teamWithSam()
        defer { t.remove() }
        var r = try t.run(["init", "--vault", t.file("loose"), "--team", t.file("team-1.txt")], passphrase: .none)
        try #require(r.status == 0, "\(r)")
        try Data("[00:00:01] A: x\n".utf8).write(to: URL(fileURLWithPath: t.file("x.txt")))
        r = try t.run(["seal", t.file("x.txt"), "--vault", t.file("loose"), "--identity", t.file("ivan"), "--kind", "interview", "--country", "KR"])
        #expect(r.status == 77 && r.stdout.isEmpty && r.stderr.contains("team update"), "\(r)")
        r = try t.run(["team", "update", t.file("team-1.txt"), "--vault", t.file("loose"), "--identity", t.file("ivan")])
        #expect(r.status == 0 && r.stdout.isEmpty, "binding with the same keyring changes nothing: \(r)")
        r = try t.run(["seal", t.file("x.txt"), "--vault", t.file("loose"), "--identity", t.file("ivan"), "--kind", "interview", "--country", "KR"])
        #expect(r.status == 0 && isRecordID(r.stdout.trimmingCharacters(in: .newlines)), "\(r)")
        r = try t.run(["seal", t.file("x.txt"), "--vault", t.file("loose"), "--identity", t.file("sam"), "--kind", "interview", "--country", "KR"])
        #expect(r.status == 77 && r.stderr.contains("another member"), "\(r)")
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence s: [UInt8]) -> Bool {
        guard !s.isEmpty, s.count <= count else { return false }
        return (0...(count - s.count)).contains { Array(self[$0..<$0 + s.count]) == s }
    }
}

@Suite("CLI: a member added at HQ reaches the editor's vault through team update")
struct NewMemberCLITests {
    @Test func aNewOfficersWorkVerifiesOnceTheNewerKeyringIsApplied() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        try t.installKeys(["sam"])
        var r = try t.run(["init", "--vault", t.file("ev"), "--team", t.file("team.txt"), "--identity", t.file("edith")])
        try #require(r.status == 0, "\(r)")
        // After the editor's keyring: HQ adds officer Sam, who approves and grants.
        r = try t.run(["team", "add", t.file("sam.pub"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let rec = try t.seal(Array("[00:00:01] A: the market opened early\n".utf8), name: "m.txt", extra: ["--to", "Sam"])
        r = try t.run(["approve", rec, "--vault", t.file("hq"), "--identity", t.file("sam")])
        try #require(r.status == 0, "\(r)")
        let ex = r.stdout.trimmingCharacters(in: .newlines)
        r = try t.run(["grant", ex, "--to", "Edith", "--vault", t.file("hq"), "--identity", t.file("sam")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["bundle", "export", ex, "--vault", t.file("hq"), "--out", t.file("b.shb")])
        try #require(r.status == 0, "\(r)")
        // With the old keyring: refused, and the message says why — not "the log was edited".
        r = try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        #expect(r.status == 65 && r.stderr.contains("team update") && !r.stderr.contains("broken at entry"), "\(r)")
        r = try t.run(["team", "export", "--vault", t.file("hq"), "--out", t.file("team-2.txt"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["team", "update", t.file("team-2.txt"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        #expect(r.status == 0 && r.stdout.hasPrefix("added\tSam\tofficer\t"), "\(r)")
        r = try t.run(["bundle", "import", t.file("b.shb"), "--vault", t.file("ev"), "--identity", t.file("edith")])
        #expect(r.status == 0, "\(r)")
        r = try t.run(["export", ex, "--vault", t.file("ev"), "--identity", t.file("edith"), "--format", "txt", "--out", t.file("e.txt")])
        #expect(r.status == 0 && t.exists("e.txt"), "\(r)")
        #expect(try t.run(["audit", "verify", "--vault", t.file("ev")]).status == 0)
        #expect(try t.run(["check", "--vault", t.file("ev")]).status == 0)
    }
}
