import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite("Bundles")
struct BundleTests {
    let team = TestTeam.shared

    /// HQ, a field vault, two records sealed in the field and a bundle of both.
    struct Setup {
        let s: Scratch
        let hq: Vault
        let field: Vault
        let ids: [String]
        let contents: [[UInt8]]
        let bundle: String
    }

    func setup() throws -> Setup {
        let s = try Scratch()
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let contents = [contentBytes(2 * 65_536 + 7, seed: 21), Array("a short statement".utf8)]
        let ids = try contents.enumerated().map { i, c in try sealBytes(field, s, c, name: "r\(i).bin", by: team.interviewer) }
        let bundle = s.file("field.shb")
        try field.exportBundle(ids: ids, to: bundle, by: team.interviewer.identity, overwrite: false)
        return Setup(s: s, hq: hq, field: field, ids: ids, contents: contents, bundle: bundle)
    }

    /// What must not change when an import is refused.
    struct Snapshot: Equatable {
        let objects: Int
        let files: [String]
        let audit: Int
    }

    func snapshot(_ v: Vault) throws -> Snapshot {
        Snapshot(objects: try v.objectCount(), files: v.objectFiles.filter { $0 != "new.body" }, audit: try v.auditCountExceptFailedImports())
    }

    @Test func exportImportRoundTrip() throws {
        let t = try setup()
        defer { t.s.remove() }
        #expect((try FileManager.default.attributesOfItem(atPath: t.bundle)[.posixPermissions] as? Int) == 0o644)
        let report = try t.hq.importBundle(path: t.bundle, by: team.officer.identity)
        #expect(Set(report.imported) == Set(t.ids))
        #expect(report.alreadyPresent.isEmpty)
        #expect(report.auditEntries > 0)
        for (id, content) in zip(t.ids, t.contents) {
            _ = try t.hq.open(id: id, to: t.s.file("out-\(id)"), by: team.officer.identity)
            #expect(try readFile(t.s.file("out-\(id)")) == content)
            #expect(try readFile(t.hq.bodyFile(of: id)) == readFile(t.field.bodyFile(of: id)), "bodies travel unchanged")
            // Import recomputes the chunk hash list (bundles do not carry it): random access works at once.
            let list = try t.hq.rawDatabase().read { try Data.fetchOne($0, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [id]) }
            let sealed = try t.field.rawDatabase().read { try Data.fetchOne($0, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [id]) }
            #expect(list != nil && list == sealed)
            _ = try t.hq.open(id: id, bytes: 1, length: UInt64(content.count - 1), to: t.s.file("range-\(id)"), by: team.officer.identity)
            #expect(try readFile(t.s.file("range-\(id)")) == Array(content.dropFirst()))
        }
        #expect(try t.hq.check().objects == 2)
        #expect(try t.hq.verifyAuditLog(checkpoint: nil).isIntact)
        #expect(try t.hq.auditEntries().contains { $0.entry.action == "bundle-import" && $0.entry.outcome.rawValue == "ok" })
    }

    @Test func importingTwiceIsIdempotent() throws {
        let t = try setup()
        defer { t.s.remove() }
        _ = try t.hq.importBundle(path: t.bundle, by: nil)
        let before = try snapshot(t.hq)
        let bodies = try t.ids.map { try readFile(t.hq.bodyFile(of: $0)) }
        let again = try t.hq.importBundle(path: t.bundle, by: nil)
        #expect(again.imported.isEmpty)
        #expect(Set(again.alreadyPresent) == Set(t.ids))
        let after = try snapshot(t.hq)
        #expect(after.objects == before.objects && after.files == before.files)
        #expect(try t.ids.map { try readFile(t.hq.bodyFile(of: $0)) } == bodies)
        #expect(try t.hq.check().objects == 2)
        _ = try t.hq.open(id: t.ids[1], to: t.s.file("o"), by: team.officer.identity)
        #expect(try readFile(t.s.file("o")) == t.contents[1])
    }

    /// ~200 offsets across the bundle: its header, each object header, body
    /// chunks and tags, the audit section and the trailer.
    func sampleOffsets(_ count: Int) -> [Int] {
        var offsets = Set<Int>()
        offsets.formUnion(0..<min(count, 120))                          // magic, version, origin, device key, count, first header
        offsets.formUnion(stride(from: 120, to: min(count, 800), by: 7))   // the rest of the first header
        offsets.formUnion(stride(from: 800, to: count - 2000, by: max(1, (count - 2800) / 60))) // bodies, second object
        offsets.formUnion(stride(from: max(0, count - 2000), to: count - 8, by: 29)) // audit section
        offsets.formUnion(max(0, count - 8)..<count)                      // last entry's signature, trailer
        return offsets.sorted()
    }

    @Test func flippedBundlesAreRefusedAndLeaveHQUnchanged() throws {
        let t = try setup()
        defer { t.s.remove() }
        let good = try readFile(t.bundle)
        let before = try snapshot(t.hq)
        let offsets = sampleOffsets(good.count)
        #expect(offsets.count >= 200)
        let target = t.s.file("flipped.shb")
        var accepted: [Int] = []
        for offset in offsets {
            var bad = good
            bad[offset] ^= offset % 2 == 0 ? 0x01 : 0x80
            try Data(bad).write(to: URL(fileURLWithPath: target))
            let code = exitCode { _ = try t.hq.importBundle(path: target, by: nil) }
            if code != 65 { accepted.append(offset) }
            #expect(code == 65, "flip at \(offset) of \(good.count): \(String(describing: code))")
            #expect(try snapshot(t.hq) == before, "HQ changed after a refused import (flip at \(offset))")
        }
        #expect(accepted.isEmpty)
        // the good bundle still imports afterwards
        #expect(Set(try t.hq.importBundle(path: t.bundle, by: nil).imported) == Set(t.ids))
    }

    static func u32(_ b: [UInt8], at i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }

    @Test func truncatedBundlesAreRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let good = try readFile(t.bundle)
        let before = try snapshot(t.hq)
        let target = t.s.file("cut.shb")
        // v2: magic, version, manifest length and manifest, a member signer (1 + 20) and its signature (64)
        let manifestLen = Self.u32(good, at: 5)
        let objectsStart = 9 + manifestLen + 21 + 64
        var lengths = [0, 1, 4, 5, 9, 9 + manifestLen / 2, 9 + manifestLen, objectsStart - 1, objectsStart, objectsStart + 4,
                       good.count / 2, good.count - 5, good.count - 4, good.count - 1]
        // at each chunk border of the first body (after its header)
        let headerLen = Self.u32(good, at: objectsStart)
        let bodyStart = objectsStart + 4 + headerLen + 8
        lengths += [bodyStart, bodyStart + 65_552, bodyStart + 2 * 65_552]
        for length in lengths {
            try Data(good[0..<length]).write(to: URL(fileURLWithPath: target))
            #expect(exitCode { _ = try t.hq.importBundle(path: target, by: nil) } == 65, "cut at \(length)")
            #expect(try snapshot(t.hq) == before)
        }
        try Data(good + [0]).write(to: URL(fileURLWithPath: target))
        #expect(exitCode { _ = try t.hq.importBundle(path: target, by: nil) } == 65, "trailing byte")
        #expect(try snapshot(t.hq) == before)
        #expect(exitCode { _ = try t.hq.importBundle(path: t.s.file("absent.shb"), by: nil) } == 66)
    }

    @Test func aBundleFromAnotherTeamIsRefused() throws {
        let t = try setup()
        defer { t.s.remove() }
        let other = try Vault.createHQ(at: t.s.file("other-hq"), officer: team.stranger.identity, card: team.stranger.card)
        let before = try snapshot(other)
        #expect(exitCode { _ = try other.importBundle(path: t.bundle, by: nil) } == 65)
        #expect(try snapshot(other) == before)
    }

    @Test func exportRefusesTamperedOrUnknownRecordsAndExistingFiles() throws {
        let t = try setup()
        defer { t.s.remove() }
        #expect(exitCode { try t.field.exportBundle(ids: t.ids, to: t.bundle, by: nil, overwrite: false) } == 73)
        #expect(exitCode { try t.field.exportBundle(ids: [String(repeating: "1", count: 32)], to: t.s.file("x.shb"), by: nil, overwrite: false) } == 66)
        #expect(!fileExists(t.s.file("x.shb")))
        var header = try t.field.headerBlob(of: t.ids[0])
        header[header.count - 1] ^= 1
        try t.field.setHeaderBlob(of: t.ids[0], header)
        #expect(exitCode { try t.field.exportBundle(ids: [t.ids[0]], to: t.s.file("y.shb"), by: nil, overwrite: false) } == 65)
        #expect(!fileExists(t.s.file("y.shb")))
    }
}
