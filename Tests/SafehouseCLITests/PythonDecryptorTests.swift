import Foundation
import Testing

/// Cross-checks Docs/FORMAT.md with an independent implementation: vaults are
/// made by the real CLI, then `Tests/Python/safehouse_format.py` — written
/// from the document alone, on Python's `cryptography`, PyNaCl and hashlib —
/// unlocks the officer's key file, verifies headers, opens key slots and
/// decrypts records and subject identities. A missing python3 or module is a
/// failure, never a skip.
@Suite("Python decryptor reads what the CLI wrote (Docs/FORMAT.md)", .serialized)
struct PythonDecryptorTests {
    static let script = CLI.repoRoot.appendingPathComponent("Tests/Python/safehouse_format.py").path
    /// The environment variable the Python side reads the passphrase from.
    static let passphraseVariable = "PYTHON_DECRYPTOR_PASSPHRASE"

    /// Sizes around the 64 KiB chunk boundary, and several chunks.
    static let sizes = [0, 1, 65_535, 65_536, 65_537, 200_000]

    /// Runs `python3 args…` in the sandbox with the test passphrase in `passphraseVariable`.
    func python(_ args: [String], in sb: Sandbox, passphrase: String = cliPassphrase) throws -> RunResult {
        let out = sb.file(".py-stdout-\(UUID().uuidString)"), err = sb.file(".py-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        p.currentDirectoryURL = URL(fileURLWithPath: sb.path)
        p.environment = CLI.environment(home: sb.path, passphrase: nil, extra: [Self.passphraseVariable: passphrase])
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        let r = RunResult(args: ["python3"] + args, status: p.terminationStatus,
                          stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self),
                          stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self))
        #expect(!r.stdout.contains(passphrase) && !r.stderr.contains(passphrase), "the passphrase appears in the output of: \(r)")
        return r
    }

    /// Fails the test (never skips it) unless python3 with every module the decryptor needs runs.
    func requirePython(_ sb: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(FileManager.default.fileExists(atPath: Self.script), "missing \(Self.script)", sourceLocation: sourceLocation)
        let probe = try python(["-c", "import cryptography, nacl.bindings, nacl.public, hashlib, sqlite3; "
                                    + "from cryptography.hazmat.primitives.kdf.argon2 import Argon2id"], in: sb)
        try #require(probe.status == 0, "python3 with `cryptography` and PyNaCl is required (scripts/setup.sh): \(probe)",
                     sourceLocation: sourceLocation)
    }

    func openRecord(_ id: String, vault: String = "hq", key: String = "olga", out: String, in sb: Sandbox,
                    passphrase: String = cliPassphrase) throws -> RunResult {
        try python([Self.script, "open-record", "--vault", sb.file(vault), "--key", sb.file(key),
                    "--passphrase-env", Self.passphraseVariable, "--id", id, "--out", sb.file(out)], in: sb, passphrase: passphrase)
    }

    func openSubject(_ pseudonym: String, vault: String = "hq", in sb: Sandbox) throws -> RunResult {
        try python([Self.script, "open-subject", "--vault", sb.file(vault), "--key", sb.file("olga"),
                    "--passphrase-env", Self.passphraseVariable, "--pseudonym", pseudonym], in: sb)
    }

    static func content(_ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9 &+ 7) } }

    /// Invented people only.
    static let sheet = """
        {"subjects": [
          {"name": "조은별", "aliases": ["Cho Eun-byeol", "Ms. Cho"], "relatives": ["조대현"], "places": ["청진", "수남동"],
           "identifiers": ["010-9182-7364"], "consent": "pseudonym", "category": "defector", "country": "CN"},
          {"name": "Walter Grünberg", "aliases": ["Prof. Grünberg"], "identifiers": ["w.gruenberg@example.org"],
           "consent": "named", "category": "expert", "country": "GB"}
        ]}
        """

    /// Flips one byte of an object's header inside a copy of the vault.
    func flipHeaderByte(_ id: String, at offset: Int, vault: String, in sb: Sandbox) throws {
        let code = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); h = bytearray(db.execute("SELECT header FROM objects WHERE id = ?", (sys.argv[2],)).fetchone()[0])
            i = int(sys.argv[3]) % len(h); h[i] ^= 0x01
            db.execute("UPDATE objects SET header = ? WHERE id = ?", (bytes(h), sys.argv[2])); db.commit()
            """
        let r = try python(["-c", code, sb.file(vault) + "/vault.sqlite", id, String(offset)], in: sb)
        try #require(r.status == 0, "\(r)")
    }

    func headerLength(_ id: String, vault: String, in sb: Sandbox) throws -> Int {
        let r = try python(["-c", "import sqlite3, sys; print(len(sqlite3.connect(sys.argv[1]).execute("
                                + "'SELECT header FROM objects WHERE id = ?', (sys.argv[2],)).fetchone()[0]))",
                            sb.file(vault) + "/vault.sqlite", id], in: sb)
        try #require(r.status == 0, "\(r)")
        return try #require(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func decryptsRecordsAcrossChunkBoundaries() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try requirePython(sb)
        try sb.makeTeam()
        for size in Self.sizes {
            let id = try sb.seal(Self.content(size), name: "in-\(size).bin")
            let r = try openRecord(id, out: "py-\(size).bin", in: sb)
            #expect(r.status == 0, "size \(size): \(r)")
            #expect(r.stdout.isEmpty, "open-record writes the file, not stdout")
            #expect(try sb.exists("py-\(size).bin") && sb.read("py-\(size).bin") == Self.content(size), "size \(size)")
        }
        // Sealed in the field by the interviewer, carried to HQ in a bundle: still readable.
        let fieldID = try sb.seal(Self.content(70_000), name: "field.bin", vault: "field", as: "ivan")
        let export = try sb.run(["bundle", "export", fieldID, "--vault", sb.file("field"), "--out", sb.file("to-hq.bundle")], passphrase: .none)
        try #require(export.status == 0, "\(export)")
        let imp = try sb.run(["bundle", "import", sb.file("to-hq.bundle"), "--vault", sb.file("hq")], passphrase: .none)
        try #require(imp.status == 0, "\(imp)")
        let r = try openRecord(fieldID, out: "py-field.bin", in: sb)
        #expect(r.status == 0, "\(r)")
        #expect(try sb.exists("py-field.bin") && sb.read("py-field.bin") == Self.content(70_000))
    }

    @Test func decryptsSubjectIdentities() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try requirePython(sb)
        try sb.makeTeam()
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: sb.file("sheet.json")))
        let imp = try sb.run(["subject", "import", sb.file("sheet.json"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try #require(imp.status == 0, "\(imp)")
        let pseudonyms = imp.stdoutLines
        try #require(pseudonyms.count == 2, "\(imp)")
        for (pseudonym, name) in zip(pseudonyms, ["조은별", "Walter Grünberg"]) {
            let r = try openSubject(pseudonym, in: sb)
            #expect(r.status == 0, "\(r)")
            #expect(!r.stderr.contains(name), "an identity reached stderr")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
            #expect(json["name"] as? String == name)
            #expect(r.stdout.contains(name))
        }
        let unknown = try openSubject("Z-ZZZZ", in: sb)
        #expect(unknown.status == 66, "\(unknown)")
    }

    @Test func refusesATamperedHeaderBodyOrWrongPassphrase() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try requirePython(sb)
        try sb.makeTeam()
        let content = Self.content(65_537)
        let id = try sb.seal(content, name: "in.bin")
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: sb.file("sheet.json")))
        let imp = try sb.run(["subject", "import", sb.file("sheet.json"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try #require(imp.status == 0, "\(imp)")
        let pseudonym = try #require(imp.stdoutLines.first)
        let good = try openRecord(id, out: "good.bin", in: sb)
        try #require(good.status == 0, "\(good)")

        let wrong = try openRecord(id, out: "wrong.bin", in: sb, passphrase: "not-" + cliPassphrase)
        #expect(wrong.status == 77, "a wrong passphrase: \(wrong)")
        #expect(!sb.exists("wrong.bin"))

        // One flipped bit anywhere in the header (magic, type, id, lengths, slot,
        // metadata, body hash, signer, signature) must fail, and write nothing.
        let length = try headerLength(id, vault: "hq", in: sb)
        let offsets = [0, 4, 5, 12, 24, 33, 45, 60, 120, 160, length - 150, length - 100, length - 70, length - 1]
        for (n, offset) in offsets.enumerated() {
            let copy = "hq-flip-\(n)"
            try FileManager.default.copyItem(atPath: sb.file("hq"), toPath: sb.file(copy))
            try flipHeaderByte(id, at: offset, vault: copy, in: sb)
            let r = try openRecord(id, vault: copy, out: "flip-\(n).bin", in: sb)
            #expect(r.status != 0, "header byte \(offset) of \(length) flipped, yet: \(r)")
            #expect(!sb.exists("flip-\(n).bin"), "output left behind after header byte \(offset) flipped")
        }
        // The subject identity's header too (its pseudonym is signed in it).
        let subjectCopy = "hq-flip-subject"
        try FileManager.default.copyItem(atPath: sb.file("hq"), toPath: sb.file(subjectCopy))
        let oid = try python(["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
                                  + "'SELECT object_id FROM subjects WHERE pseudonym = ?', (sys.argv[2],)).fetchone()[0])",
                              sb.file(subjectCopy) + "/vault.sqlite", pseudonym], in: sb)
        try #require(oid.status == 0, "\(oid)")
        try flipHeaderByte(oid.stdout.trimmingCharacters(in: .whitespacesAndNewlines), at: 40, vault: subjectCopy, in: sb)
        let subject = try openSubject(pseudonym, vault: subjectCopy, in: sb)
        #expect(subject.status != 0 && subject.stdout.isEmpty, "\(subject)")

        // A flipped byte in the body: the chunk's tag fails.
        let bodyCopy = "hq-flip-body"
        try FileManager.default.copyItem(atPath: sb.file("hq"), toPath: sb.file(bodyCopy))
        let objects = sb.file(bodyCopy) + "/objects"
        let body = try #require(try FileManager.default.contentsOfDirectory(atPath: objects).first { $0.hasPrefix(id) && $0.hasSuffix(".body") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: objects + "/" + body))
        bytes[bytes.count - 20] ^= 0x20  // in the last chunk (the second)
        try bytes.write(to: URL(fileURLWithPath: objects + "/" + body))
        let r = try openRecord(id, vault: bodyCopy, out: "body.bin", in: sb)
        #expect(r.status == 65, "\(r)")
        #expect(!sb.exists("body.bin"))
    }

    /// Body format v2 random access from the document alone: the Python reader checks
    /// the stored chunk hash list against the signed header and each chunk it reads
    /// against the list. Then the officer (a recipient, so holding the record key)
    /// re-encrypts chunk 1 with a valid tag: both readers refuse every range over it
    /// with 65 and write nothing.
    @Test func readsRangesAndRefusesAForgedChunk() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try requirePython(sb)
        try sb.makeTeam()
        let content = Self.content(200_000)
        let id = try sb.seal(content, name: "in.bin")
        for (n, (start, length)) in [(0, 1), (65_530, 100), (131_072, 68_928), (0, 200_000), (5, 0)].enumerated() {
            let r = try python([Self.script, "open-record", "--vault", sb.file("hq"), "--key", sb.file("olga"), "--passphrase-env",
                                Self.passphraseVariable, "--id", id, "--out", sb.file("range-\(n).bin"), "--bytes", "\(start):\(length)"], in: sb)
            #expect(r.status == 0, "\(start):\(length): \(r)")
            #expect(try sb.exists("range-\(n).bin") && sb.read("range-\(n).bin") == Array(content[start..<start + length]), "\(start):\(length)")
        }
        let forge = """
            import os, sys, glob
            sys.path.insert(0, os.path.dirname(sys.argv[1]))
            import safehouse_format as sf
            from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
            class A: passphrase_env, passphrase_file = sys.argv[4], None
            box_sk, sign_pk, box_pk = sf.unlock_key_file(sys.argv[3], sf.passphrase(A))[1:]
            vault = sf.VaultDB(sys.argv[2]); h = vault.header(sys.argv[5])
            key = h.open_slot(sf.fingerprint(sign_pk, box_pk), box_sk)
            chunk = ChaCha20Poly1305(sf.kdf(key, 1, b"SHrecord")).encrypt((1).to_bytes(11, "big") + bytes(1), b"F" * 65536, None)
            path = vault.body_path(h); body = bytearray(open(path, "rb").read())
            body[65552:131104] = chunk
            open(path, "wb").write(bytes(body))
            """
        let f = try python(["-c", forge, Self.script, sb.file("hq"), sb.file("olga"), Self.passphraseVariable, id], in: sb)
        try #require(f.status == 0, "\(f)")
        let cli = try sb.run(["open", id, "--bytes", "65536:16", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("cli.bin")])
        #expect(cli.status == 65, "\(cli)")
        #expect(!sb.exists("cli.bin"))
        let py = try python([Self.script, "open-record", "--vault", sb.file("hq"), "--key", sb.file("olga"), "--passphrase-env",
                             Self.passphraseVariable, "--id", id, "--out", sb.file("py.bin"), "--bytes", "65536:16"], in: sb)
        #expect(py.status == 65, "\(py)")
        #expect(!sb.exists("py.bin"))
        let whole = try openRecord(id, out: "whole.bin", in: sb)
        #expect(whole.status == 65, "\(whole)")
        // Chunk 0 is the sealer's: its range still opens in both.
        let first = try sb.run(["open", id, "--bytes", "0:100", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("first.bin")])
        #expect(first.status == 0, "\(first)")
        #expect(try sb.exists("first.bin") && sb.read("first.bin") == Array(content[0..<100]))
    }

    @Test func verifiesABundleAgainstTheTeamKeyring() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try requirePython(sb)
        try sb.makeTeam()
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: sb.file("sheet.json")))
        let imp = try sb.run(["subject", "import", sb.file("sheet.json"), "--vault", sb.file("field"), "--identity", sb.file("ivan")])
        try #require(imp.status == 0, "\(imp)")
        let id = try sb.seal(Self.content(140_000), name: "field.bin", vault: "field", as: "ivan")
        let export = try sb.run(["bundle", "export", id, "--vault", sb.file("field"), "--out", sb.file("b.bundle")], passphrase: .none)
        try #require(export.status == 0, "\(export)")
        let verify = { (bundle: String) in
            try self.python([Self.script, "verify-bundle", sb.file(bundle), "--team", sb.file("team.txt")], in: sb)
        }
        let good = try verify("b.bundle")
        #expect(good.status == 0, "\(good)")
        #expect(good.stdout.hasPrefix("bundle verified: 3 objects"), "\(good)")
        // A flipped byte in the manifest, in a body, or a byte appended: refused.
        let bytes = try sb.read("b.bundle")
        for (name, offset) in [("manifest", 30), ("body", bytes.count / 2)] {
            var bad = bytes
            bad[offset] ^= 0x01
            try Data(bad).write(to: URL(fileURLWithPath: sb.file("bad-\(name).bundle")))
            let r = try verify("bad-\(name).bundle")
            #expect(r.status == 65, "flipped \(name) byte at \(offset): \(r)")
        }
        try Data(bytes + [0]).write(to: URL(fileURLWithPath: sb.file("long.bundle")))
        #expect(try verify("long.bundle").status == 65)
        // What the Python side accepts, the vault accepts too.
        let hq = try sb.run(["bundle", "import", sb.file("b.bundle"), "--vault", sb.file("hq")], passphrase: .none)
        #expect(hq.status == 0, "\(hq)")
    }
}
