import Foundation
import GRDB
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// A member's card as an age recipient (`key show FILE.pub --age`): what
/// `age -r` encrypts to it, the member's unlocked identity opens with our reader.
@Suite("Vault: members as age recipients")
struct AgeMemberTests {
    static func age() throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/age" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(path, "`age` is not installed (Debian package `age`; setup.sh installs it)")
    }

    @Test func ageEncryptionToAMemberCardOpensWithThatMembersIdentity() throws {
        let team = TestTeam.shared
        let dir = try Scratch()
        defer { dir.remove() }
        let plaintext = contentBytes(70_000, seed: 9)
        let input = try writeFile(dir, "in.bin", plaintext)
        let recipient = try team.editor.card.ageRecipient
        #expect(recipient.publicKey == team.editor.card.boxKey && recipient.text.hasPrefix("age1"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.age())
        p.arguments = ["-r", recipient.text, "-o", dir.file("out.age"), input]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "age -r refused the member's recipient")
        let file = try readFile(dir.file("out.age"))
        let identity = try team.editor.identity.ageIdentity()
        #expect(identity.recipient == recipient)
        #expect(try AgeDecryptor.decrypt(file, identities: [identity]) == plaintext)
        // Another member's key matches no stanza.
        #expect(throws: AgeError.unreadable(.noMatch)) {
            _ = try AgeDecryptor.decrypt(file, identities: [try team.officer.identity.ageIdentity()])
        }
        #expect(!"\(identity)".contains("SECRET"), "\(identity)")
    }

    /// The library's age export to a member's card opens with that member's identity,
    /// equal to the plain export; the audit entry names the recipient's fingerprint.
    @Test func ageExportToAMemberOpensWithTheirIdentity() throws {
        let team = TestTeam.shared
        let scratch = try Scratch()
        defer { scratch.remove() }
        let hq = try makeHQ(scratch)
        let rec = try sealBytes(hq, scratch, Array("[00:00:05] A: The tide came in late.\n".utf8), name: "talk.txt", by: team.officer)
        let ex = try hq.approve(recordID: rec, range: nil, by: team.officer.identity)
        try hq.grant(excerptID: ex, to: team.editor.card.name, expires: nil, by: team.officer.identity)
        for format in [ExportFormat.txt, .json] {
            try hq.exportExcerpt(excerptID: ex, format: format, to: scratch.file("plain.\(format)"), by: team.editor.identity, overwrite: false)
            try hq.exportExcerpt(excerptID: ex, format: format, to: scratch.file("x.\(format).age"), by: team.editor.identity, overwrite: false,
                                 ageRecipients: [try team.editor.card.ageRecipient, try team.officer.card.ageRecipient])
            let file = try readFile(scratch.file("x.\(format).age"))
            for member in [team.editor, team.officer] {
                #expect(try AgeDecryptor.decrypt(file, identities: [try member.identity.ageIdentity()]) == (try readFile(scratch.file("plain.\(format)"))))
            }
            #expect(throws: AgeError.unreadable(.noMatch)) { _ = try AgeDecryptor.decrypt(file, identities: [try team.interviewer.identity.ageIdentity()]) }
        }
        let fp = try team.editor.card.ageRecipient.fingerprint
        let count = try hq.rawDatabase().read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE CAST(entry AS TEXT) LIKE ?", arguments: ["%age-recipient:\(fp)%"]) ?? 0
        }
        #expect(count == 2, "one export entry per age export names the recipient")
        // Too many recipients: a usage error before anything is written.
        let many = try (0...AgeRecipientsFile.maxRecipients).map { _ in try AgeX25519Identity.generate().recipient }
        #expect(exitCode { try hq.exportExcerpt(excerptID: ex, format: .txt, to: scratch.file("many.age"), by: team.editor.identity, overwrite: false,
                                                ageRecipients: many) } == 64)
        #expect(!fileExists(scratch.file("many.age")))
    }

    @Test func recipientsFileRules() throws {
        let a = try AgeX25519Identity.generate().recipient, b = try AgeX25519Identity.generate().recipient
        #expect(try AgeRecipientsFile.parse("# x\n\n \(a.text) \r\n\t\(b.text)\n# y", name: "f") == [a, b])
        for (text, line) in [("\(a.text)\nssh-rsa AAAAB3NzaC1yc2E\n", 2), ("\n\nage1zzz\n", 3)] {
            let e = vaultError { _ = try AgeRecipientsFile.parse(text, name: "f") }
            #expect(e?.exitCode == 64 && e?.message.hasPrefix("f line \(line):") == true, "\(String(describing: e))")
        }
        #expect(vaultError { _ = try AgeRecipientsFile.parse("# none\n", name: "f") }?.exitCode == 64)
    }
}
