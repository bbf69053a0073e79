import Foundation
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
