import Foundation
import Testing

/// `bundle import` of a bundle from a restored copy of a field vault that went on with
/// another history: 65, named as a fork, nothing imported, the refusal audited.
@Suite("CLI: bundles from a forked vault log")
struct ForkedLogCLITests {
    @Test func aRestoredLaptopsNextBundleIsRefused() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        func export(_ vault: String, _ id: String, _ out: String) throws {
            let r = try t.run(["bundle", "export", id, "--vault", t.file(vault), "--out", t.file(out)])
            try #require(r.status == 0, "\(r)")
        }
        let a = try t.seal(Array("first\n".utf8), name: "a.txt", vault: "field", as: "ivan")
        try export("field", a, "b1.shb")
        var r = try t.run(["bundle", "import", t.file("b1.shb"), "--vault", t.file("hq")])
        try #require(r.status == 0, "\(r)")
        try FileManager.default.copyItem(atPath: t.file("field"), toPath: t.file("field-backup"))
        let b = try t.seal(Array("second\n".utf8), name: "b.txt", vault: "field", as: "ivan")
        try export("field", b, "b2.shb")
        r = try t.run(["bundle", "import", t.file("b2.shb"), "--vault", t.file("hq")])
        try #require(r.status == 0, "\(r)")
        let c = try t.seal(Array("third\n".utf8), name: "c.txt", vault: "field-backup", as: "ivan")
        try export("field-backup", c, "b3.shb")
        r = try t.run(["bundle", "import", t.file("b3.shb"), "--vault", t.file("hq")])
        #expect(r.status == 65 && r.stdout.isEmpty, "\(r)")
        #expect(r.stderr.contains("that vault's log was forked (a restored or altered copy of it made this bundle); nothing was imported"), "\(r)")
        let list = try t.run(["list", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(list.status == 0 && list.stdout.contains(b) && !list.stdout.contains(c), "\(list)")
        let log = try t.run(["audit", "log", "--vault", t.file("hq"), "--action", "bundle-import"], passphrase: .none)
        #expect(log.stdoutLines.last?.contains("failed:bad-data") == true, "the refusal is audited: \(log)")
        #expect(try t.run(["check", "--vault", t.file("hq")], passphrase: .none).status == 0)
    }
}
