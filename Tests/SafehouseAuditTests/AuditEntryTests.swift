import PropertyBased
import SafehouseCrypto
import Testing
@testable import SafehouseAudit

@Suite struct AuditEntryTests {
    static let prev = [UInt8](0..<32)

    static func sample(objects: [String] = ["rec-01HZ", "W-7Q2F"], reason: String? = "not-a-recipient") throws -> AuditEntry {
        try AuditEntry(seq: 12, time: 1_700_000_123, actor: "fp-7Q2F-9XKD", action: "open", objects: objects,
                       outcome: .refused, reason: reason, prevHash: prev, origin: "safehouse.vault/0f3a9c")
    }

    /// Pins the byte format: changing it breaks every stored signature.
    @Test func canonicalFormIsPinned() throws {
        let text = String(decoding: try Self.sample().canonicalBytes(), as: UTF8.self)
        #expect(text == """
            safehouse-audit v1
            origin safehouse.vault/0f3a9c
            seq 12
            time 1700000123
            actor fp-7Q2F-9XKD
            action open
            object rec-01HZ
            object W-7Q2F
            outcome refused
            reason not-a-recipient
            prev 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

            """)
        let minimal = try Self.sample(objects: [], reason: nil).canonicalBytes()
        #expect(String(decoding: minimal, as: UTF8.self).contains("action open\noutcome refused\nprev "))
    }

    @Test func roundTrips() throws {
        for entry in [try Self.sample(), try Self.sample(objects: [], reason: nil), try Self.sample(objects: ["a"], reason: nil)] {
            let bytes = entry.canonicalBytes()
            let parsed = try AuditEntry.parse(canonical: bytes)
            #expect(parsed == entry)
            #expect(parsed.canonicalBytes() == bytes)
        }
    }

    @Test(arguments: [
        ("actor", "fp 7Q2F"), ("actor", "fp\n7Q2F"), ("actor", ""), ("actor", "김영호"), ("actor", "a\"b"), ("actor", "a\\b"),
        ("actor", String(repeating: "x", count: 129)), ("action", "Open"), ("action", "1open"), ("action", "open now"),
        ("object", "Kim Young-ho"), ("object", "rec\t1"), ("object", "rec\u{0}1"), ("object", ""), ("reason", "wrong passphrase"),
        ("reason", ""), ("origin", "safehouse vault"), ("origin", "safehouse.vault/é"),
    ])
    func rejectsBadFields(field: String, value: String) {
        #expect(throws: AuditError.self) {
            try AuditEntry(seq: 0, time: 0, actor: field == "actor" ? value : "vault", action: field == "action" ? value : "seal",
                           objects: field == "object" ? [value] : [], outcome: .ok, reason: field == "reason" ? value : nil,
                           prevHash: AuditEntry.zeroHash, origin: field == "origin" ? value : "o")
        }
    }

    @Test func rejectsBadNumbersAndHashes() {
        #expect(throws: AuditError.self) { try AuditEntry(seq: 0, time: -1, actor: "vault", action: "seal", outcome: .ok, prevHash: AuditEntry.zeroHash, origin: "o") }
        #expect(throws: AuditError.self) { try AuditEntry(seq: 0, time: 0, actor: "vault", action: "seal", outcome: .ok, prevHash: [0], origin: "o") }
        #expect(throws: AuditError.self) {
            try AuditEntry(seq: 0, time: 0, actor: "vault", action: "seal", objects: Array(repeating: "x", count: 65), outcome: .ok,
                           prevHash: AuditEntry.zeroHash, origin: "o")
        }
    }

    @Test func errorsDoNotEchoValues() {
        do {
            _ = try AuditEntry(seq: 0, time: 0, actor: "Kim Young-ho", action: "seal", outcome: .ok, prevHash: AuditEntry.zeroHash, origin: "o")
            Issue.record("a spaced name was accepted as actor")
        } catch {
            #expect(!"\(error)".contains("Kim"))
            #expect("\(error)".contains("actor"))
        }
    }

    @Test(arguments: [
        ("seq 12", "seq 012"), ("seq 12", "seq +12"), ("time 1700000123", "time -1700000123"), ("seq 12", "seq 99999999999999999999"),
        ("prev 00", "prev 0A"), ("outcome refused", "outcome Refused"), ("object W-7Q2F\noutcome refused\n", "outcome refused\nobject W-7Q2F\n"), ("safehouse-audit v1", "safehouse-audit v2"),
        ("action open\n", ""), ("outcome refused\nreason not-a-recipient\n", "reason not-a-recipient\noutcome refused\n"), ("actor ", "actor  "), ("\nprev", "\r\nprev"),
    ])
    func parseRejectsNonCanonical(find: String, replace: String) throws {
        let good = String(decoding: try Self.sample().canonicalBytes(), as: UTF8.self)
        let bad = good.replacingOccurrences(of: find, with: replace)
        #expect(bad != good)
        #expect(throws: AuditError.self) { try AuditEntry.parse(canonical: Array(bad.utf8)) }
    }

    @Test func parseRejectsTruncationAndTrailingData() throws {
        let bytes = try Self.sample().canonicalBytes()
        for cut in 0..<bytes.count {
            #expect(throws: AuditError.self) { try AuditEntry.parse(canonical: Array(bytes.prefix(cut))) }
        }
        #expect(throws: AuditError.self) { try AuditEntry.parse(canonical: bytes + Array("x\n".utf8)) }
        #expect(throws: AuditError.self) { try AuditEntry.parse(canonical: bytes + [0x0A]) }
    }

    /// Strictness as a property: any mutation either fails to parse or parses
    /// to something that re-serializes to exactly the mutated bytes.
    @Test func mutationsFailOrRoundTrip() async throws {
        let base = try Self.sample().canonicalBytes()
        await propertyCheck(count: 2000, input: Gen.int(in: 0...3), Gen.int(in: 0...Int.max), Gen.uint8()) { kind, where_, value in
            var bytes = base
            let i = where_ % bytes.count
            switch kind {
            case 0: bytes[i] = value
            case 1: bytes.insert(value, at: i)
            case 2: bytes.remove(at: i)
            default: bytes[i] ^= 1 << (value % 8)
            }
            if let parsed = try? AuditEntry.parse(canonical: bytes) {
                #expect(parsed.canonicalBytes() == bytes)
            }
        }
    }

    /// Random valid entries round-trip.
    @Test func randomEntriesRoundTrip() async {
        let token = Gen.letterOrNumber.string(of: 1...20)
        await propertyCheck(input: Gen.uint64(), Gen.int64(in: 0...Int64.max), token, token.array(of: 0...5), Gen.bool) { seq, time, actor, objects, hasReason in
            let entry = try AuditEntry(seq: seq, time: time, actor: actor, action: "export", objects: objects,
                                       outcome: hasReason ? .failed : .ok, reason: hasReason ? "io-error" : nil,
                                       prevHash: Self.prev, origin: "safehouse.vault/x")
            let bytes = entry.canonicalBytes()
            #expect(bytes.count <= AuditEntry.Limits.maxCanonicalBytes)
            #expect(try AuditEntry.parse(canonical: bytes) == entry)
        }
    }

    @Test func largestEntryFitsTheCap() throws {
        let entry = try AuditEntry(seq: .max, time: .max, actor: String(repeating: "a", count: AuditEntry.Limits.actor),
                                   action: String(repeating: "a", count: AuditEntry.Limits.action),
                                   objects: Array(repeating: String(repeating: "o", count: AuditEntry.Limits.object), count: AuditEntry.Limits.objectCount),
                                   outcome: .refused, reason: String(repeating: "r", count: AuditEntry.Limits.reason),
                                   prevHash: Self.prev, origin: String(repeating: "g", count: AuditEntry.Limits.origin))
        let bytes = entry.canonicalBytes()
        #expect(bytes.count <= AuditEntry.Limits.maxCanonicalBytes)
        #expect(try AuditEntry.parse(canonical: bytes) == entry)
    }
}

@Suite struct SignedAuditEntryTests {
    @Test func signAndVerify() throws {
        let key = try TestKey(actor: "fp-7Q2F-9XKD")
        let entry = try AuditEntryTests.sample()
        let signed = try SignedAuditEntry.sign(entry, secretKey: key.secretKey, publicKey: key.publicKey)
        #expect(signed.verifySignature())
        #expect(signed.signature.count == 64)
        #expect(signed.leafData == entry.canonicalBytes() + signed.signature)
        #expect(signed.leafHash == MerkleTree.leafHash(entry.canonicalBytes() + signed.signature))

        var sig = signed.signature
        sig[10] ^= 1
        let flipped = SignedAuditEntry(entry: entry, signerKey: key.publicKey, signature: sig)
        #expect(!flipped.verifySignature())
        #expect(flipped.leafHash != signed.leafHash) // the signature is part of the leaf

        let other = try TestKey(actor: "x")
        #expect(!SignedAuditEntry(entry: entry, signerKey: other.publicKey, signature: signed.signature).verifySignature())
        let edited = try entry.with(action: "seal")
        #expect(!SignedAuditEntry(entry: edited, signerKey: key.publicKey, signature: signed.signature).verifySignature())
    }

    @Test func signRefusesMismatchedKeys() throws {
        let a = try TestKey(actor: "a"), b = try TestKey(actor: "b")
        let entry = try AuditEntryTests.sample()
        #expect(throws: AuditError.invalidKey(what: "public key does not match the secret key")) {
            try SignedAuditEntry.sign(entry, secretKey: a.secretKey, publicKey: b.publicKey)
        }
        #expect(throws: AuditError.self) { try SignedAuditEntry.sign(entry, secretKey: a.secretKey, publicKey: [1, 2]) }
        #expect(throws: AuditError.self) { try SignedAuditEntry.sign(entry, secretKey: SecureBytes(count: 5), publicKey: a.publicKey) }
    }
}
