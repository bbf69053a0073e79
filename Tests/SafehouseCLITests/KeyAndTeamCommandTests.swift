import Foundation
import Testing

@Suite("CLI: keys and team", .serialized)
struct KeyAndTeamCommandTests {
    @Test func keyNewWritesASecretFileAndACard() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let r = try sb.run(["key", "new", "--name", "Alice Officer", "--role", "officer", "--out", sb.file("alice"), "--kdf", "interactive"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutLines.count == 2)
        #expect(r.stdoutLines.first == "\(sb.file("alice")).pub: Alice Officer (officer)")
        let fpLine = try #require(r.stdoutLines.last)
        #expect(fpLine.hasPrefix("fingerprint: "))
        let fp = String(fpLine.dropFirst("fingerprint: ".count))
        #expect(fp.count == 39 && fp.split(separator: "-").count == 8)
        #expect(r.errorLines.isEmpty)
        let secretMode = try FileManager.default.attributesOfItem(atPath: sb.file("alice"))[.posixPermissions] as? Int
        let cardMode = try FileManager.default.attributesOfItem(atPath: sb.file("alice.pub"))[.posixPermissions] as? Int
        #expect(secretMode == 0o600)
        #expect(cardMode == 0o644)
        let secret = try sb.read("alice"), card = String(decoding: try sb.read("alice.pub"), as: UTF8.self)
        #expect(secret.starts(with: Array("SHKF".utf8)))
        #expect(card.hasPrefix("safehouse-card v1\nname: Alice Officer\nrole: officer\n"))
        #expect(!String(decoding: secret, as: UTF8.self).contains(cliPassphrase))
        // key show: name, role and the same fingerprint
        let show = try sb.run(["key", "show", sb.file("alice.pub")], passphrase: .none)
        #expect(show.status == 0)
        #expect(show.stdoutLines == ["name: Alice Officer", "role: officer", "fingerprint: \(fp)"])
        // key show on the secret file needs no passphrase and reveals nothing secret
        let locked = try sb.run(["key", "show", sb.file("alice")], passphrase: .none)
        #expect(locked.status == 0)
        #expect(locked.stdoutLines.first == "secret key file (locked)")
        #expect(locked.stdoutLines.contains("fingerprint: \(fp)"))
    }

    @Test func keyNewWithAPassphraseFileAndNoOverwrite() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try Data((cliPassphrase + "\n").utf8).write(to: URL(fileURLWithPath: sb.file("pass.txt")))
        let r = try sb.run(["key", "new", "--name", "Ivan", "--role", "interviewer", "--out", sb.file("ivan"), "--kdf", "interactive"],
                           passphrase: .file(sb.file("pass.txt")))
        #expect(r.status == 0, "\(r)")
        let before = try sb.read("ivan")
        let again = try sb.run(["key", "new", "--name", "Ivan", "--role", "interviewer", "--out", sb.file("ivan"), "--kdf", "interactive"])
        #expect(again.status == 73, "\(again)")
        #expect(again.errorLines.count == 1)
        #expect(try sb.read("ivan") == before, "an existing key file must be left alone")
        // the key made with the file unlocks with the same passphrase from the environment
        try sb.installKeys(["olga"])
        #expect(try sb.run(["init", "--vault", sb.file("hq"), "--identity", sb.file("olga")]).status == 0)
        let add = try sb.run(["team", "add", sb.file("ivan.pub"), "--vault", sb.file("hq"), "--identity", sb.file("olga")],
                             passphrase: .file(sb.file("pass.txt")))
        #expect(add.status == 0, "\(add)")
        #expect(add.stdout.hasPrefix("Ivan (interviewer) "))
    }

    @Test func badKeyArgumentsAreUsageErrors() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        for args in [["key", "new", "--name", "X", "--role", "admin", "--out", sb.file("x")],
                     ["key", "new", "--name", "X", "--role", "officer", "--out", sb.file("x"), "--kdf", "weak"],
                     ["key", "new", "--role", "officer", "--out", sb.file("x")]] {
            let r = try sb.run(args)
            #expect(r.status == 64, "\(r)")
            #expect(r.stdout.isEmpty)
            #expect(!sb.exists("x") && !sb.exists("x.pub"))
        }
    }

    @Test func initTeamAddExportAndList() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.installKeys()
        let initHQ = try sb.run(["init", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(initHQ.status == 0, "\(initHQ)")
        #expect(initHQ.stdout.isEmpty, "init prints no data")
        #expect(sb.exists("hq/vault.sqlite"))
        #expect((try FileManager.default.attributesOfItem(atPath: sb.file("hq"))[.posixPermissions] as? Int) == 0o700)
        // a second init on the same folder is refused
        #expect(try sb.run(["init", "--vault", sb.file("hq"), "--identity", sb.file("olga")]).status == 73)
        let add = try sb.run(["team", "add", sb.file("ivan.pub"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(add.status == 0 && add.stdoutLines.count == 1 && add.stdout.hasPrefix("Ivan (interviewer) "), "\(add)")
        #expect(try sb.run(["team", "add", sb.file("edith.pub"), "--vault", sb.file("hq"), "--identity", sb.file("olga")]).status == 0)
        // only officers add members
        try sb.installKeys(["sam"])
        let byInterviewer = try sb.run(["team", "add", sb.file("sam.pub"), "--vault", sb.file("hq"), "--identity", sb.file("ivan")])
        #expect(byInterviewer.status == 77, "\(byInterviewer)")
        #expect(byInterviewer.errorLines.count == 1)
        let list = try sb.run(["team", "list", "--vault", sb.file("hq")], passphrase: .none)
        #expect(list.status == 0)
        #expect(list.stdoutLines.count == 3)
        for (line, (name, role)) in zip(list.stdoutLines, [("Olga", "officer"), ("Ivan", "interviewer"), ("Edith", "editor")]) {
            #expect(line.hasSuffix(" " + name) && line.contains(" \(role) ") && line.contains("active"), "\(line)")
        }
        let json = try sb.run(["team", "list", "--vault", sb.file("hq"), "--json"], passphrase: .none)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: String]])
        #expect(rows.map { $0["name"] } == ["Olga", "Ivan", "Edith"])
        #expect(rows.map { $0["role"] } == ["officer", "interviewer", "editor"])
        // A keyring is signed by an officer, never by the vault's device key.
        let unsigned = try sb.run(["team", "export", "--vault", sb.file("hq"), "--out", sb.file("team.txt")], passphrase: .none)
        #expect(unsigned.status == 64 && unsigned.stderr.contains("--identity OFFICER_KEY") && !sb.exists("team.txt"), "\(unsigned)")
        let export = try sb.run(["team", "export", "--vault", sb.file("hq"), "--out", sb.file("team.txt"), "--identity", sb.file("olga")])
        #expect(export.status == 0 && export.stdout.isEmpty, "\(export)")
        let ring = String(decoding: try sb.read("team.txt"), as: UTF8.self)
        #expect(ring.hasPrefix("safehouse-team v1\nvault: "))
        #expect(ring.components(separatedBy: "\nmember\n").count == 4)
        #expect((try FileManager.default.attributesOfItem(atPath: sb.file("team.txt"))[.posixPermissions] as? Int) == 0o644)
        #expect(try sb.run(["team", "export", "--vault", sb.file("hq"), "--out", sb.file("team.txt"), "--identity", sb.file("olga")]).status == 73)
        let initField = try sb.run(["init", "--vault", sb.file("field"), "--team", sb.file("team.txt")], passphrase: .none)
        #expect(initField.status == 0, "\(initField)")
        let fieldList = try sb.run(["team", "list", "--vault", sb.file("field")], passphrase: .none)
        #expect(fieldList.stdout == list.stdout, "the field vault trusts the same team")
        // a field vault's team comes from HQ only
        #expect(try sb.run(["team", "add", sb.file("sam.pub"), "--vault", sb.file("field"), "--identity", sb.file("olga")]).status == 77)
    }

    @Test func aTamperedKeyringOrCardIsRefused() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        var ring = try sb.read("team.txt")
        ring[ring.count / 2] ^= 0x01
        try Data(ring).write(to: URL(fileURLWithPath: sb.file("bad-team.txt")))
        let r = try sb.run(["init", "--vault", sb.file("field2"), "--team", sb.file("bad-team.txt")], passphrase: .none)
        #expect(r.status == 65, "\(r)")
        #expect(r.errorLines.count == 1)
        #expect(!sb.exists("field2/vault.sqlite"))
        var card = try sb.read("ivan.pub")
        card[20] ^= 0x01
        try Data(card).write(to: URL(fileURLWithPath: sb.file("bad.pub")))
        #expect(try sb.run(["key", "show", sb.file("bad.pub")], passphrase: .none).status == 65)
        #expect(try sb.run(["team", "add", sb.file("bad.pub"), "--vault", sb.file("hq"), "--identity", sb.file("olga")]).status == 65)
    }
}
