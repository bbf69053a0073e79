import Foundation
import Testing

@Suite("CLI: seal, open, list, bundle, check", .serialized)
struct RecordCommandTests {
    @Test func sealPrintsOneIDAndOpenRestoresTheFile() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = Array((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        try Data(content).write(to: URL(fileURLWithPath: sb.file("tape.wav")))
        let seal = try sb.run(["seal", sb.file("tape.wav"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                               "--kind", "legal", "--country", "KR", "--status", "pending", "--quiet"])
        #expect(seal.status == 0, "\(seal)")
        #expect(seal.stdoutLines.count == 1, "seal prints exactly one line: \(seal.stdout)")
        let id = try #require(seal.stdoutLines.first)
        #expect(isRecordID(id), "not a 32-hex record id: \(id)")
        #expect(seal.errorLines.isEmpty)
        #expect(sb.exists("tape.wav"), "the original stays without --remove-original")
        let open = try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("restored.wav")])
        #expect(open.status == 0, "\(open)")
        #expect(open.stdout.isEmpty, "open writes the file, not stdout")
        #expect(try sb.read("restored.wav") == content)
        // list --json parses, carries the metadata for a slot holder
        let list = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--json"])
        #expect(list.status == 0, "\(list)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first { $0["id"] as? String == id })
        #expect(row["size"] as? Int == content.count)
        let meta = try #require(row["metadata"] as? [String: Any])
        #expect(meta["kind"] as? String == "legal" && meta["country"] as? String == "KR" && meta["status"] as? String == "pending")
        #expect(meta["fileName"] as? String == "tape.wav")
        // and plain list shows one line per record
        let plain = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(plain.stdoutLines.count == 1 && plain.stdout.hasPrefix(id + "\t"))
    }

    @Test func fieldSealBundleToHQAndCheck() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = Array("Field notes: crossing at night.\n".utf8)
        let id = try sb.seal(content, name: "notes.txt", vault: "field", as: "ivan")
        // in the field the interviewer sees the record but not its details
        let list = try sb.run(["list", "--vault", sb.file("field"), "--identity", sb.file("ivan"), "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["id"] as? String == id)
        #expect(rows[0]["metadata"] == nil || rows[0]["metadata"] is NSNull)
        let export = try sb.run(["bundle", "export", id, "--vault", sb.file("field"), "--out", sb.file("to-hq.shb")], passphrase: .none)
        #expect(export.status == 0 && export.stdout.isEmpty, "\(export)")
        let imp = try sb.run(["bundle", "import", sb.file("to-hq.shb"), "--vault", sb.file("hq")], passphrase: .none)
        #expect(imp.status == 0, "\(imp)")
        #expect(imp.stdoutLines == [id])
        let again = try sb.run(["bundle", "import", sb.file("to-hq.shb"), "--vault", sb.file("hq")], passphrase: .none)
        #expect(again.status == 0 && again.stdout.isEmpty, "a repeated import imports nothing: \(again)")
        #expect(try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("notes.out")]).status == 0)
        #expect(try sb.read("notes.out") == content)
        for vault in ["hq", "field"] {
            let check = try sb.run(["check", "--vault", sb.file(vault)], passphrase: .none)
            #expect(check.status == 0, "\(check)")
            #expect(check.stdout.isEmpty && check.errorLines.isEmpty)
        }
    }

    @Test func checkReportsATamperedBody() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let id = try sb.seal(Array(repeating: 0x41, count: 100_000))
        #expect(try sb.run(["check", "--vault", sb.file("hq")], passphrase: .none).status == 0)
        let body = try #require(sb.listing("hq/objects").first { $0.hasPrefix(id) })
        var bytes = try sb.read("hq/objects/" + body)
        bytes[70_000] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: sb.file("hq/objects/" + body)))
        let check = try sb.run(["check", "--vault", sb.file("hq")], passphrase: .none)
        #expect(check.status == 65, "\(check)")
        #expect(check.errorLines.count == 1)
        #expect(check.errorLines.first?.contains(id) == true, "the error names the record")
        let open = try sb.run(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("o")])
        #expect(open.status == 65, "\(open)")
        #expect(open.errorLines.count == 1)
        #expect(!sb.exists("o"))
        #expect(sb.listing().allSatisfy { !$0.hasPrefix(".safehouse-tmp") })
    }

    @Test func removeOriginalOnlyAfterASuccessfulSeal() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = Array((0..<150_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        try Data(content).write(to: URL(fileURLWithPath: sb.file("original.wav")))
        // refused seal (an editor may not seal originals): the original is kept
        let refused = try sb.run(["seal", sb.file("original.wav"), "--vault", sb.file("hq"), "--identity", sb.file("edith"),
                                  "--kind", "interview", "--country", "KR", "--remove-original"])
        #expect(refused.status == 77, "\(refused)")
        #expect(try sb.read("original.wav") == content, "a failed seal must keep the original untouched")
        // refused recipient: kept as well
        let toEditor = try sb.run(["seal", sb.file("original.wav"), "--vault", sb.file("field"), "--identity", sb.file("ivan"),
                                   "--kind", "interview", "--country", "KR", "--to", "Edith", "--remove-original"])
        #expect(toEditor.status == 77, "\(toEditor)")
        #expect(try sb.read("original.wav") == content)
        // a wrong passphrase: kept
        let wrong = try sb.run(["seal", sb.file("original.wav"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                                "--kind", "interview", "--country", "KR", "--remove-original"], passphrase: .env("wrong"))
        #expect(wrong.status == 77)
        #expect(try sb.read("original.wav") == content)
        // success: removed, with the honest note about SSDs
        let ok = try sb.run(["seal", sb.file("original.wav"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                             "--kind", "interview", "--country", "KR", "--remove-original"])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdoutLines.count == 1 && isRecordID(ok.stdoutLines[0]))
        #expect(!sb.exists("original.wav"))
        #expect(ok.stderr.lowercased().contains("ssd"))
        let open = try sb.run(["open", ok.stdoutLines[0], "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("back.wav")])
        #expect(open.status == 0)
        #expect(try sb.read("back.wav") == content)
    }
}
