import Foundation
import PropertyBased
import SafehouseCrypto
import Testing
@testable import SafehouseAudit

@Suite struct AuditExportFileTests {
    static let log = try! TestLog.make(count: 25)
    static let data = try! AuditExportFile.encode(entries: log.entries, origin: TestLog.origin, keys: log.keyring)

    /// The export as lines (without "\n").
    static var lines: [String] { String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    static func join(_ lines: [String]) -> Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    func expectBroken(_ v: AuditVerification, at seq: UInt64, _ reason: AuditVerification.Reason,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .broken(let got, let why) = v else {
            Issue.record("expected broken at \(seq), got \(v)", sourceLocation: sourceLocation)
            return
        }
        #expect(got == seq, sourceLocation: sourceLocation)
        #expect(why.hasPrefix(reason.rawValue), "\(why)", sourceLocation: sourceLocation)
    }

    @Test func exportShapeAndVerification() throws {
        let lines = Self.lines
        #expect(lines.count == 27)
        #expect(lines[0].hasPrefix("{\"format\":\"safehouse-audit-export\",\"version\":1,\"origin\":\"safehouse.vault/0f3a9c\",\"keys\":{\"fp-7Q2F-9XKD\":"))
        #expect(lines[1].hasPrefix("{\"entry\":\"") && lines[1].contains("\",\"sig\":\"") && lines[1].hasSuffix("\"}"))
        let root = MerkleTree.rootHash(leafHashes: Self.log.entries.map(\.leafHash))
        #expect(lines[26] == "{\"size\":25,\"root\":\"\(Base64.encode(root))\"}")
        // Every line is plain JSON too, for tools that only want to read it.
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
        #expect(AuditExportFile.verify(data: Self.data) == .intact(size: 25, root: root))
        #expect(AuditExportFile.verify(data: Self.data, trusted: Self.log.trusted) == .intact(size: 25, root: root))
        // Same verdict as the vault-side chain verifier.
        #expect(AuditChain.verify(Self.log.entries, trusted: Self.log.trusted) == .intact(size: 25, root: root))
    }

    @Test func streamingWriterMatchesEncode() throws {
        var writer = try AuditExportFile.Writer(origin: TestLog.origin, keys: Self.log.keyring)
        var data = writer.header()
        for e in Self.log.entries { data.append(writer.line(for: e)) }
        data.append(writer.trailer())
        #expect(data == Self.data)
        let empty = try AuditExportFile.encode(entries: [], origin: "o", keys: [:])
        #expect(AuditExportFile.verify(data: empty) == .intact(size: 0, root: MerkleTree.emptyRoot))
    }

    @Test func tamperingIsReportedAtTheFirstBadSeq() throws {
        let lines = Self.lines
        // Edit a field inside entry 7 (re-encoded canonical, old signature).
        let e7 = Self.log.entries[7]
        let edited = SignedAuditEntry(entry: try e7.entry.with(action: "seal"), signerKey: e7.signerKey, signature: e7.signature)
        var l = lines
        l[8] = String(decoding: ExportLines.entry(edited).dropLast(), as: UTF8.self)
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 7, .badSignature)

        l = lines; l.remove(at: 6) // delete entry 5
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 5, .seqGap)
        l = lines; l.insert(lines[3], at: 10) // insert a copy of entry 2 at position 9
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 9, .seqGap)
        l = lines; l.swapAt(4, 12) // swap entries 3 and 11
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 3, .seqGap)
        l = lines; l.removeLast() // no trailer
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 25, .truncated)
        l = lines; l.remove(at: 25) // last entry gone, trailer kept
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 24, .trailerMismatch)
        // Any byte of any entry line, flipped.
        l = lines; l[14] = l[14].replacingOccurrences(of: "\"sig\":\"", with: "\"sig\": \"")
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 13, .malformed)
        l = lines; l[0] = l[0].replacingOccurrences(of: "\"version\":1", with: "\"version\":2")
        expectBroken(AuditExportFile.verify(data: Self.join(l)), at: 0, .malformed)
        var d = Self.data; d.append(Data("x".utf8)) // data after the trailer
        expectBroken(AuditExportFile.verify(data: d), at: 25, .malformed)
        d = Self.data; d.removeLast() // trailer without its newline
        expectBroken(AuditExportFile.verify(data: d), at: 25, .malformed)
    }

    @Test func keysAreCheckedAgainstHeaderAndKeyring() throws {
        // A forger replaces the header key of an actor and re-signs that actor's entries:
        // self-consistent, so only the team keyring (`trusted`) catches it.
        let forger = try TestKey(actor: "fp-7Q2F-9XKD")
        var prev = AuditEntry.zeroHash
        var entries: [SignedAuditEntry] = []
        for e in Self.log.entries {
            let changed = try e.entry.with(prevHash: prev)
            let key = e.entry.actor == forger.actor ? forger : Self.log.keys.first { $0.actor == e.entry.actor }!
            let s = try SignedAuditEntry.sign(changed, secretKey: key.secretKey, publicKey: key.publicKey)
            prev = s.leafHash
            entries.append(s)
        }
        var keys = Self.log.keyring
        keys[forger.actor] = forger.publicKey
        let forged = try AuditExportFile.encode(entries: entries, origin: TestLog.origin, keys: keys)
        #expect(AuditExportFile.verify(data: forged).isIntact)
        expectBroken(AuditExportFile.verify(data: forged, trusted: Self.log.trusted), at: 1, .untrustedKey)

        // An entry signed by a key other than the header's for its actor.
        let original = try AuditExportFile.encode(entries: entries, origin: TestLog.origin, keys: Self.log.keyring)
        expectBroken(AuditExportFile.verify(data: original), at: 1, .untrustedKey)
    }

    @Test func checkpointCatchesTruncationWithRewrittenTrailer() throws {
        let officer = try TestKey(actor: "officer")
        let leaves = Self.log.entries.map(\.leafHash)
        let cp = try Checkpoint.sign(origin: TestLog.origin, size: 20, root: MerkleTree.rootHash(leafHashes: Array(leaves.prefix(20))),
                                     keyName: "officer", secretKey: officer.secretKey, publicKey: officer.publicKey)
        let truncated = try AuditExportFile.encode(entries: Self.log.entries.prefix(15), origin: TestLog.origin, keys: Self.log.keyring)
        #expect(AuditExportFile.verify(data: truncated).isIntact) // consistent on its own
        expectBroken(AuditExportFile.verify(data: truncated, checkpoint: cp), at: 15, .truncated)
        #expect(AuditExportFile.verify(data: Self.data, checkpoint: cp).isIntact)
    }

    /// Garbage never crashes, and any mutation of the file is caught unless it
    /// leaves the bytes unchanged.
    @Test func mutationsAreCaughtAndNeverCrash() async {
        let base = [UInt8](Self.data)
        await propertyCheck(count: 300, input: Gen.int(in: 0...3), Gen.int(in: 0...Int.max), Gen.uint8()) { kind, where_, value in
            var bytes = base
            let i = where_ % bytes.count
            switch kind {
            case 0: bytes[i] = value
            case 1: bytes.insert(value, at: i)
            case 2: bytes.remove(at: i)
            default: bytes = Array(bytes.prefix(i))
            }
            let v = AuditExportFile.verify(data: Data(bytes))
            #expect(v.isIntact == (bytes == base))
        }
    }

    @Test func randomGarbageNeverCrashes() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...400)) { bytes in
            #expect(!AuditExportFile.verify(data: Data(bytes)).isIntact)
            #expect(!AuditExportFile.verify(data: Data(Array(Self.lines[0].utf8) + [0x0A] + bytes)).isIntact)
        }
    }

    @Test func writerRejectsBadKeyring() {
        #expect(throws: AuditError.self) { try AuditExportFile.Writer(origin: "o", keys: ["a b": [UInt8](repeating: 0, count: 32)]) }
        #expect(throws: AuditError.self) { try AuditExportFile.Writer(origin: "o", keys: ["a": [1]]) }
        #expect(throws: AuditError.self) { try AuditExportFile.Writer(origin: "o\"", keys: [:]) }
    }
}
