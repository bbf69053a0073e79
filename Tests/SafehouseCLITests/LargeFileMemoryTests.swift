import Foundation
import SafehouseCrypto
import Testing

/// A 2 GiB recording streams in constant memory: peak RSS of sealing and opening
/// it stays within a few MiB of doing the same with 1 MiB. Takes about a minute.
@Suite("CLI: large files", .serialized)
struct LargeFileMemoryTests {
    static let large: UInt64 = 2 << 30
    static let allowance = 16 * 1024 // KiB

    @Test(.timeLimit(.minutes(10)))
    func twoGiBSealAndOpenInConstantMemoryByteExact() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        // sparse files: no disk for the plaintext
        for (name, size) in [("small.bin", UInt64(1 << 20)), ("large.bin", Self.large)] {
            FileManager.default.createFile(atPath: sb.file(name), contents: nil)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: sb.file(name)))
            try h.truncate(atOffset: size)
            try h.close()
        }
        func seal(_ name: String) throws -> RunResult {
            try sb.runMeasured(["seal", sb.file(name), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                                "--kind", "interview", "--country", "KR", "--quiet"])
        }
        let smallSeal = try seal("small.bin")
        let largeSeal = try seal("large.bin")
        #expect(smallSeal.status == 0 && largeSeal.status == 0, "\(largeSeal)")
        let smallID = try #require(smallSeal.stdoutLines.first), largeID = try #require(largeSeal.stdoutLines.first)
        #expect(isRecordID(largeID) && largeSeal.stdoutLines.count == 1)
        let body = try #require(sb.listing("hq/objects").first { $0.hasPrefix(largeID) })
        let bodySize = try FileManager.default.attributesOfItem(atPath: sb.file("hq/objects/" + body))[.size] as? UInt64
        #expect(bodySize == Self.large + (Self.large / 65_536) * 16)

        func open(_ id: String, _ out: String) throws -> RunResult {
            try sb.runMeasured(["open", id, "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file(out), "--quiet"])
        }
        let smallOpen = try open(smallID, "small.out")
        let largeOpen = try open(largeID, "large.out")
        #expect(smallOpen.status == 0 && largeOpen.status == 0, "\(largeOpen)")

        let rss = [smallSeal, largeSeal, smallOpen, largeOpen].map { $0.maxRSSKiB ?? -1 }
        #expect(rss.allSatisfy { $0 > 0 }, "peak memory was not measured: \(rss)")
        #expect(rss[1] - rss[0] <= Self.allowance, "sealing 2 GiB peaked at \(rss[1]) KiB vs \(rss[0]) KiB for 1 MiB")
        #expect(rss[3] - rss[2] <= Self.allowance, "opening 2 GiB peaked at \(rss[3]) KiB vs \(rss[2]) KiB for 1 MiB")

        // byte-exact, compared by streamed hashes (never loading 2 GiB)
        #expect(try streamedHash(sb.file("large.out")) == streamedHash(sb.file("large.bin")))
        #expect(try streamedHash(sb.file("small.out")) == streamedHash(sb.file("small.bin")))
        let outSize = try FileManager.default.attributesOfItem(atPath: sb.file("large.out"))[.size] as? UInt64
        #expect(outSize == Self.large)
        for f in ["large.out", "large.bin", "hq/objects/" + body] { try? FileManager.default.removeItem(atPath: sb.file(f)) }
    }
}
