import Foundation
import Testing

/// End to end under Debian's libfaketime: the system clock a month behind for
/// some commands (as after an NTP correction) is not a tamper alarm.
@Suite("CLI: clock steps", .serialized)
struct ClockCLITests {
    static let faketime = ["/usr/bin/faketime", "/usr/local/bin/faketime"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func sealingWithTheClockAMonthBehindLeavesVerifyAndCheckAtZero() throws {
        let faketime = try #require(Self.faketime, "faketime is needed (Debian package faketime; scripts/setup.sh installs it)")
        let behind = [faketime, "-f", "-30d"]
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        _ = try t.seal(Array("[00:00:01] A: first".utf8), as: "ivan")
        // The fake clock really is a month behind for the binary: a vault made under it
        // starts its log a month ago.
        var r = try t.run(["init", "--vault", t.file("other"), "--identity", t.file("olga")], wrapper: behind)
        #expect(r.status == 0, "\(r)")
        r = try t.run(["audit", "log", "--json", "--vault", t.file("other")])
        let first = try #require(r.stdout.split(separator: "\n").first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let stamp = try #require((first["time"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }, "\(first)")
        #expect(stamp < Date().addingTimeInterval(-25 * 86_400), "libfaketime did not take: \(stamp)")
        try Data("[00:00:01] A: second".utf8).write(to: URL(fileURLWithPath: t.file("second.txt")))
        r = try t.run(["seal", t.file("second.txt"), "--vault", t.file("hq"), "--identity", t.file("ivan"), "--kind", "interview", "--country", "KR"], wrapper: behind)
        #expect(r.status == 0, "\(r)")
        for wrapper in [behind, []] {
            r = try t.run(["audit", "verify", "--vault", t.file("hq")], wrapper: wrapper)
            #expect(r.status == 0, "\(r)")
            r = try t.run(["check", "--vault", t.file("hq")], wrapper: wrapper)
            #expect(r.status == 0, "\(r)")
        }
        // The field laptop: a month behind, then right again.
        _ = try t.seal(Array("[00:00:01] A: field".utf8), vault: "field", as: "ivan")
        r = try t.run(["seal", t.file("second.txt"), "--vault", t.file("field"), "--identity", t.file("ivan"), "--kind", "interview", "--country", "KR"], wrapper: behind)
        #expect(r.status == 0, "\(r)")
        _ = try t.seal(Array("[00:00:01] A: field again".utf8), vault: "field", as: "ivan")
        for vault in ["field", "hq"] {
            r = try t.run(["audit", "verify", "--vault", t.file(vault)])
            #expect(r.status == 0, "\(r)")
            r = try t.run(["check", "--vault", t.file(vault)])
            #expect(r.status == 0, "\(r)")
        }
        // Without the clamp the month-old time would be in the log; it is not.
        r = try t.run(["audit", "log", "--json", "--vault", t.file("hq")])
        let times = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["time"] as? String }
        #expect(times == times.sorted(), "audit times must never go back")
    }
}
