import Foundation
import SafehouseCrypto
import Testing
@testable import SafehouseAudit

@Suite struct CheckpointTests {
    static let officer = try! TestKey(actor: "officer")
    static let root = MerkleTree.rootHash(leafHashes: sampleLeafHashes(7))

    static func signed(size: UInt64 = 7) throws -> Checkpoint {
        try Checkpoint.sign(origin: "safehouse.vault/0f3a9c", size: size, root: root, keyName: "hq-officer",
                            secretKey: officer.secretKey, publicKey: officer.publicKey)
    }

    @Test func formatAndRoundTrip() throws {
        let cp = try Self.signed()
        let lines = cp.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "safehouse.vault/0f3a9c")
        #expect(lines[1] == "7")
        #expect(lines[2] == Substring(Base64.encode(Self.root)))
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} hq-officer "))
        #expect(lines[5] == "" && lines.count == 6)
        #expect(cp.body == "safehouse.vault/0f3a9c\n7\n\(Base64.encode(Self.root))\n")

        let parsed = try Checkpoint.parse(cp.text)
        #expect(parsed == cp)
        #expect(parsed.text == cp.text)
        #expect(parsed.verify(publicKey: Self.officer.publicKey, keyName: "hq-officer"))
        #expect(parsed.signatures[0].keyHash == Checkpoint.keyHash(keyName: "hq-officer", publicKey: Self.officer.publicKey))
    }

    @Test func tamperingFails() throws {
        let cp = try Self.signed()
        let good = cp.text
        let other = try TestKey(actor: "x")
        #expect(!cp.verify(publicKey: other.publicKey, keyName: "hq-officer"))
        #expect(!cp.verify(publicKey: Self.officer.publicKey, keyName: "other-name"))

        let biggerSize = good.replacingOccurrences(of: "\n7\n", with: "\n8\n")
        #expect(try !Checkpoint.parse(biggerSize).verify(publicKey: Self.officer.publicKey, keyName: "hq-officer"))

        var root = Self.root
        root[0] ^= 1
        let otherRoot = good.replacingOccurrences(of: Base64.encode(Self.root), with: Base64.encode(root))
        #expect(try !Checkpoint.parse(otherRoot).verify(publicKey: Self.officer.publicKey, keyName: "hq-officer"))

        var sig = cp.signatures[0].keyHash + cp.signatures[0].signature
        sig[20] ^= 4
        let sigLine = "\u{2014} hq-officer \(Base64.encode(cp.signatures[0].keyHash + cp.signatures[0].signature))"
        let badSig = good.replacingOccurrences(of: sigLine, with: "\u{2014} hq-officer \(Base64.encode(sig))")
        #expect(badSig != good)
        #expect(try !Checkpoint.parse(badSig).verify(publicKey: Self.officer.publicKey, keyName: "hq-officer"))
    }

    @Test(arguments: [
        "", "o\n7\n", "o\n07\nROOT\n\nSIG\n", "o\n7\nROOT\n\n", "o\n7\nROOT\nextension\n\nSIG\n", "o\n7\nROOT\n\nSIG",
        "o\n-7\nROOT\n\nSIG\n", "o\n7\nAAAA\n\nSIG\n", "o o\n7\nROOT\n\nSIG\n", "o\n7\nROOT\n\n- hq-officer AAAAAAAA\n",
        "o\n7\nROOT\n\n\u{2014} hq+officer SIGB64\n", "o\n7\nROOT\n\n\u{2014} hq-officer not-base64!\n",
    ])
    func parseRejects(template: String) throws {
        let cp = try Self.signed()
        let text = template.replacingOccurrences(of: "ROOT", with: Base64.encode(Self.root))
            .replacingOccurrences(of: "SIGB64", with: Base64.encode(cp.signatures[0].keyHash + cp.signatures[0].signature))
            .replacingOccurrences(of: "SIG", with: cp.text.split(separator: "\n").last.map(String.init) ?? "")
        #expect(throws: AuditError.self) { try Checkpoint.parse(text) }
    }

    @Test func cosignedKeepsBothSignatures() throws {
        let second = try TestKey(actor: "second")
        let cp = try Self.signed().cosigned(keyName: "second-officer", secretKey: second.secretKey, publicKey: second.publicKey)
        let parsed = try Checkpoint.parse(cp.text)
        #expect(parsed.verify(publicKey: Self.officer.publicKey, keyName: "hq-officer"))
        #expect(parsed.verify(publicKey: second.publicKey, keyName: "second-officer"))
        #expect(throws: AuditError.self) {
            try Checkpoint.sign(origin: "o", size: 1, root: Self.root, keyName: "bad name", secretKey: second.secretKey, publicKey: second.publicKey)
        }
        #expect(throws: AuditError.self) {
            try Checkpoint.sign(origin: "o", size: 1, root: Self.root, keyName: "k", secretKey: second.secretKey, publicKey: Self.officer.publicKey)
        }
    }

    // MARK: cross-check with an independent implementation (Python `cryptography`)

    static let python = """
    import base64, hashlib, sys
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey, Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    mode = sys.argv[1]
    if mode == "verify":
        note, name, pk = sys.argv[2].encode(), sys.argv[3], base64.b64decode(sys.argv[4])
        body, sigs = note[:note.rindex(b"\\n\\n") + 1], note[note.rindex(b"\\n\\n") + 2:]
        want = hashlib.sha256(name.encode() + b"\\n\\x01" + pk).digest()[:4]
        ok = False
        for line in sigs.decode().splitlines():
            dash, n, s = line.split(" ")
            raw = base64.b64decode(s)
            if dash == "\\u2014" and n == name and raw[:4] == want:
                Ed25519PublicKey.from_public_bytes(pk).verify(raw[4:], body)
                ok = True
        print("ok" if ok else "no-signature")
    else:
        sk = Ed25519PrivateKey.generate()
        pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        name = "py-officer"
        body = ("safehouse.vault/py\\n42\\n" + base64.b64encode(hashlib.sha256(b"root").digest()).decode() + "\\n").encode()
        kh = hashlib.sha256(name.encode() + b"\\n\\x01" + pk).digest()[:4]
        sig = base64.b64encode(kh + sk.sign(body)).decode()
        sys.stdout.write(base64.b64encode(pk).decode() + "\\n" + base64.b64encode(body + b"\\n" + ("\\u2014 " + name + " " + sig + "\\n").encode()).decode())
    """

    static func runPython(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", python] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "python: \(stderr)")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func pythonVerifiesOurNotes() throws {
        let cp = try Self.signed(size: 123_456)
        let out = try Self.runPython(["verify", cp.text, "hq-officer", Base64.encode(Self.officer.publicKey)])
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        // And Python must reject a note we tampered with (the cross-check can fail).
        let tampered = cp.text.replacingOccurrences(of: "\n123456\n", with: "\n123457\n")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", Self.python, "verify", tampered, "hq-officer", Base64.encode(Self.officer.publicKey)]
        p.standardError = Pipe()
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
    }

    @Test func weVerifyPythonNotes() throws {
        let out = try Self.runPython(["sign"]).split(separator: "\n")
        try #require(out.count == 2)
        let pk = try #require(Base64.decode(String(out[0])))
        let note = String(decoding: try #require(Base64.decode(String(out[1]))), as: UTF8.self)
        let cp = try Checkpoint.parse(note)
        #expect(cp.origin == "safehouse.vault/py" && cp.size == 42)
        #expect(cp.text == note)
        #expect(cp.verify(publicKey: pk, keyName: "py-officer"))
        #expect(Checkpoint.verifierKey(keyName: "py-officer", publicKey: pk).hasPrefix("py-officer+"))
    }
}
