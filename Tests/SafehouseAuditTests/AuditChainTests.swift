import PropertyBased
import SafehouseCrypto
import Testing
@testable import SafehouseAudit

@Suite struct AuditChainTests {
    static let log = try! TestLog.make(count: 40)

    func verify(_ entries: [SignedAuditEntry], checkpoint: Checkpoint? = nil) -> AuditVerification {
        AuditChain.verify(entries, checkpoint: checkpoint, trusted: Self.log.trusted)
    }

    func expectBroken(_ v: AuditVerification, at seq: UInt64, _ reason: AuditVerification.Reason,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .broken(let got, let why) = v else {
            Issue.record("expected broken at \(seq), got \(v)", sourceLocation: sourceLocation)
            return
        }
        #expect(got == seq, sourceLocation: sourceLocation)
        #expect(why.hasPrefix(reason.rawValue), "\(why)", sourceLocation: sourceLocation)
    }

    @Test func intactLogGivesTheMerkleRoot() {
        let log = Self.log
        let v = verify(log.entries)
        #expect(v == .intact(size: 40, root: MerkleTree.rootHash(leafHashes: log.entries.map(\.leafHash))))
        #expect(log.entries[0].entry.prevHash == AuditEntry.zeroHash)
        #expect(verify([]) == .intact(size: 0, root: MerkleTree.emptyRoot))
    }

    @Test func editedFieldBreaksAtThatEntry() throws {
        var entries = Self.log.entries
        let e = entries[17]
        entries[17] = SignedAuditEntry(entry: try e.entry.with(action: "seal"), signerKey: e.signerKey, signature: e.signature)
        expectBroken(verify(entries), at: 17, .badSignature)
    }

    @Test func editedAndResignedEntryBreaksAtTheNextLink() throws {
        var entries = Self.log.entries
        entries[17] = try Self.log.resign(try entries[17].entry.with(objects: ["rec-other"]))
        expectBroken(verify(entries), at: 18, .prevHashMismatch)
    }

    @Test func deletionInsertionSwap() throws {
        var deleted = Self.log.entries
        deleted.remove(at: 9)
        expectBroken(verify(deleted), at: 9, .seqGap)

        var inserted = Self.log.entries
        inserted.insert(Self.log.entries[3], at: 9) // a replayed old entry
        expectBroken(verify(inserted), at: 9, .seqGap)

        var swapped = Self.log.entries
        swapped.swapAt(5, 30)
        expectBroken(verify(swapped), at: 5, .seqGap)

        // An inserted entry forged with the right seq and prevHash by a key holder
        // still breaks the link of the entry after it.
        var forged = Array(Self.log.entries.prefix(9))
        let fake = try Self.log.resign(try Self.log.entries[9].entry.with(action: "export"))
        forged.append(fake)
        forged.append(contentsOf: Self.log.entries[9...].map { $0 })
        expectBroken(verify(forged), at: 10, .seqGap)
    }

    @Test func keysTimeAndOrigin() throws {
        let log = Self.log
        // A valid signature by a key that is not the actor's.
        let stranger = try TestKey(actor: "fp-7Q2F-9XKD")
        var entries = log.entries
        entries[4] = try SignedAuditEntry.sign(entries[4].entry, secretKey: stranger.secretKey, publicKey: stranger.publicKey)
        expectBroken(verify(entries), at: 4, .untrustedKey)

        // Time going backwards (re-signed, so only the time rule can catch it).
        let backwards = try makeChain(times: [100, 100, 99])
        expectBroken(AuditChain.verify(backwards.0, trusted: backwards.1), at: 2, .timeReversed)
        let equal = try makeChain(times: [100, 100, 100])
        #expect(AuditChain.verify(equal.0, trusted: equal.1).isIntact)

        #expect(!AuditChain.verify(log.entries, origin: "safehouse.vault/other", trusted: log.trusted).isIntact)
    }

    /// A chain with the given times, signed by one key (writer side, bypassing `nextEntry`'s clamp).
    func makeChain(times: [Int64]) throws -> ([SignedAuditEntry], (String, [UInt8]) -> Bool) {
        let key = try TestKey(actor: "vault")
        var prev = AuditEntry.zeroHash
        var out: [SignedAuditEntry] = []
        for (i, t) in times.enumerated() {
            let e = try AuditEntry(seq: UInt64(i), time: t, actor: "vault", action: "unlock", outcome: .ok, prevHash: prev, origin: "o")
            let s = try SignedAuditEntry.sign(e, secretKey: key.secretKey, publicKey: key.publicKey)
            prev = s.leafHash
            out.append(s)
        }
        return (out, { a, k in a == "vault" && k == key.publicKey })
    }

    @Test func writerAppendRefusesBadEntriesAndClampsTime() throws {
        let key = try TestKey(actor: "vault")
        let trusted: (String, [UInt8]) -> Bool = { $0 == "vault" && $1 == key.publicKey }
        var chain = AuditChain(origin: "o")
        let e0 = try chain.nextEntry(time: 50, actor: "vault", action: "init", outcome: .ok)
        try chain.append(try SignedAuditEntry.sign(e0, secretKey: key.secretKey, publicKey: key.publicKey), trusted: trusted)
        let e1 = try chain.nextEntry(time: 10, actor: "vault", action: "unlock", outcome: .refused, reason: "wrong-passphrase")
        #expect(e1.time == 50 && e1.seq == 1)
        let stale = try e1.with(seq: 0)
        #expect(throws: AuditError.self) {
            try chain.append(try SignedAuditEntry.sign(stale, secretKey: key.secretKey, publicKey: key.publicKey), trusted: trusted)
        }
        #expect(chain.size == 1)
        try chain.append(try SignedAuditEntry.sign(e1, secretKey: key.secretKey, publicKey: key.publicKey), trusted: trusted)
        #expect(chain.size == 2)
        let resumed = try AuditChain(origin: "o", accumulator: chain.accumulator, lastLeafHash: chain.lastLeafHash, lastTime: chain.lastTime)
        #expect(resumed.root == chain.root)
        #expect(throws: AuditError.self) {
            try AuditChain(origin: "o", accumulator: chain.accumulator, lastLeafHash: AuditEntry.zeroHash, lastTime: 0)
        }
    }

    @Test func appendSigningBuildsAVerifiableLog() throws {
        let key = try TestKey(actor: "vault")
        var chain = AuditChain(origin: "o")
        var entries: [SignedAuditEntry] = []
        for i in 0..<10 {
            entries.append(try chain.appendSigning(try chain.nextEntry(time: Int64(i), actor: "vault", action: "seal", outcome: .ok),
                                                   secretKey: key.secretKey, publicKey: key.publicKey))
        }
        let stale = try entries[3].entry.with(seq: 10)
        #expect(throws: AuditError.self) { try chain.appendSigning(stale, secretKey: key.secretKey, publicKey: key.publicKey) }
        #expect(chain.size == 10)
        #expect(AuditChain.verify(entries) { $0 == "vault" && $1 == key.publicKey } == .intact(size: 10, root: chain.root))
    }

    @Test func checkpointCatchesTruncationAndRollback() throws {
        let log = Self.log
        let officer = try TestKey(actor: "officer")
        let leaves = log.entries.map(\.leafHash)
        let cp30 = try Checkpoint.sign(origin: TestLog.origin, size: 30, root: MerkleTree.rootHash(leafHashes: Array(leaves.prefix(30))),
                                       keyName: "officer", secretKey: officer.secretKey, publicKey: officer.publicKey)
        #expect(verify(log.entries, checkpoint: cp30).isIntact) // log grew past the checkpoint
        #expect(verify(Array(log.entries.prefix(30)), checkpoint: cp30).isIntact)
        expectBroken(verify(Array(log.entries.prefix(25)), checkpoint: cp30), at: 25, .truncated)
        expectBroken(verify([], checkpoint: cp30), at: 0, .truncated)

        // Rollback: the last entries rewritten and re-signed into a self-consistent chain.
        var rewritten = Array(log.entries.prefix(20))
        var prev = rewritten.last!.leafHash
        for e in log.entries[20..<35] {
            let changed = try e.entry.with(outcome: .ok, prevHash: prev)
            let s = try log.resign(changed)
            prev = s.leafHash
            rewritten.append(s)
        }
        #expect(verify(rewritten).isIntact) // nothing to compare against...
        expectBroken(verify(rewritten, checkpoint: cp30), at: 29, .checkpointMismatch) // ...but the checkpoint knows

        let otherLog = try Checkpoint.sign(origin: "safehouse.vault/other", size: 30, root: cp30.root, keyName: "officer",
                                           secretKey: officer.secretKey, publicKey: officer.publicKey)
        expectBroken(verify(log.entries, checkpoint: otherLog), at: 0, .originMismatch)
    }

    /// Any single tampering with a random entry is caught at or right after that entry.
    @Test func randomTamperingIsCaught() async {
        let log = Self.log
        await propertyCheck(input: Gen.int(in: 0...39), Gen.int(in: 0...3)) { i, kind in
            var entries = log.entries
            var expected = UInt64(i)
            switch kind {
            case 0: entries.remove(at: i)
            case 1:
                let j = (i + 7) % entries.count
                entries.swapAt(i, j)
                expected = UInt64(min(i, j))
            case 2: entries.insert(entries[(i + 3) % entries.count], at: i)
            default:
                var sig = entries[i].signature
                sig[i % 64] ^= 0x80
                entries[i] = SignedAuditEntry(entry: entries[i].entry, signerKey: entries[i].signerKey, signature: sig)
            }
            if kind == 0 && i == 39 {
                #expect(verify(entries).isIntact) // deleting the last entry needs a checkpoint (tested above)
            } else {
                #expect(verify(entries).firstBadSeq == expected)
            }
        }
    }
}
