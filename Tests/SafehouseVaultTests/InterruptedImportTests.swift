import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// Regression (found by the kill -9 test): an import killed after a body file got
/// its name but before the database commit left that file behind, and repeating
/// the import then failed with 73 "it exists". A repeated import must succeed.
@Suite struct InterruptedImportTests {
    let team = TestTeam.shared

    @Test func aBodyLeftByAKilledImportDoesNotBlockTheNextOne() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let content = Array(repeating: UInt8(7), count: 200_000)
        let id = try sealBytes(field, s, content, name: "r.bin", by: team.interviewer)
        let bundle = s.file("b.shb")
        try field.exportBundle(ids: [id], to: bundle, by: nil, overwrite: false)
        // What the killed import left: the verified body under its final name, no row.
        let leftover = hq.objectsDirectory + "/" + (try field.bodyFile(of: id)).split(separator: "/").last!
        try FileManager.default.copyItem(atPath: try field.bodyFile(of: id), toPath: leftover)
        #expect(try hq.check().orphans.count == 1)

        let report = try hq.importBundle(path: bundle, by: nil)
        #expect(report.imported == [id])
        let out = s.file("out.bin")
        _ = try hq.open(id: id, to: out, by: team.officer.identity)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))) == content)
        #expect(try hq.check().orphans.isEmpty)
    }
}
