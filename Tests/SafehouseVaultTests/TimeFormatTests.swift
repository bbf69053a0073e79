import Foundation
@testable import SafehouseVault
import Testing

@Suite("Time stamps in UTC without the time-zone database")
struct TimeFormatTests {
    @Test("isoNow is the ISO 8601 UTC form Foundation writes, to the second")
    func isoNowMatchesFoundation() throws {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        var matched = false
        for _ in 0..<5 where !matched {
            let before = f.string(from: Date())
            let ours = isoNow()
            let after = f.string(from: Date())
            #expect(ours.count == 20 && ours.hasSuffix("Z"), "\(ours)")
            #expect(ours >= before && ours <= after, "\(before) ≤ \(ours) ≤ \(after)")
            matched = before == after && ours == before
        }
        #expect(matched)
    }
}
