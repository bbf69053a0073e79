import ArgumentParser
import Foundation
import SafehouseCrypto
import SafehouseVault

extension PasswordHash.Cost: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create and inspect member keys.",
        subcommands: [New.self, Show.self, Verify.self, Rotate.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Create a keypair: FILE (secret, passphrase-encrypted, 0600) and FILE.pub (member card).")
        @Option(help: "The member's name as the team knows it (a handle is fine).") var name: String
        @Option(help: "interviewer | editor | officer") var role: Role
        @Option(help: "Where to write the secret key file.") var out: String
        @Option(help: "Passphrase hashing cost: interactive | moderate | sensitive.") var kdf: PasswordHash.Cost = .moderate
        @Option(help: "Read the passphrase from this file (first line).") var passphraseFile: String?
        @Flag(help: "Replace existing files.") var force = false

        func run() throws {
            try guarded {
                let pass = try Passphrase.obtain(file: passphraseFile, prompt: "New passphrase for \(out): ", confirm: true)
                let card = try KeyFile.create(name: name, role: role, path: out, passphrase: pass, cost: kdf, overwrite: force)
                Output.print("\(out.isEmpty ? "" : out + ".pub"): \(card.name) (\(card.role.rawValue))")
                Output.print("fingerprint: \(card.fingerprint)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a member card's name, role and fingerprint.")
        @Argument(help: "A member card (FILE.pub) or a secret key file.") var file: String
        @Flag(name: .customLong("age"), help: "Print only the member's age recipient (age1…), for `age -r` (member cards only).")
        var age = false
        @Flag(help: "JSON output: {kind: card, name, role, fingerprint, age} or {kind: secret-key, fingerprint, kdf}.") var json = false

        private struct CardJSON: Encodable { let kind = "card"; let name: String; let role: String; let fingerprint: String; let age: String }
        private struct KDFJSON: Encodable { let algorithm = "argon2id"; let ops: UInt64; let memMiB: UInt64 }
        private struct SecretJSON: Encodable { let kind = "secret-key"; let fingerprint: String; let kdf: KDFJSON }

        func validate() throws {
            if age && json { throw ValidationError("give --age or --json, not both") }
        }

        func run() throws {
            try guarded {
                if age {
                    guard FileManager.default.fileExists(atPath: file) else { throw VaultError.missing(object: file, hint: "check the path") }
                    guard let text = try? readText(file, maxBytes: 64 << 10), text.hasPrefix("safehouse-card") else {
                        throw VaultError.usage("--age reads a member card (FILE.pub); \(file) is not one")
                    }
                    Output.print(try MemberCard.parse(text, object: file).ageRecipient.text)
                    return
                }
                if let text = try? readText(file, maxBytes: 64 << 10), text.hasPrefix("safehouse-card") {
                    let card = try MemberCard.parse(text, object: file)
                    if json {
                        return try Output.json(CardJSON(name: card.name, role: card.role.rawValue, fingerprint: card.fingerprint.description,
                                                        age: card.ageRecipient.text))
                    }
                    Output.print("name: \(card.name)")
                    Output.print("role: \(card.role.rawValue)")
                    Output.print("fingerprint: \(card.fingerprint)")
                } else {
                    let h = try KeyFile.readHeader(path: file)
                    if json {
                        return try Output.json(SecretJSON(fingerprint: h.fingerprint.description,
                                                          kdf: KDFJSON(ops: UInt64(h.opsLimit), memMiB: UInt64(h.memLimit) / 1048576)))
                    }
                    Output.print("secret key file (locked)")
                    Output.print("fingerprint: \(h.fingerprint)")
                    Output.print("kdf: argon2id ops=\(h.opsLimit) mem=\(h.memLimit / 1048576) MiB")
                }
            }
        }
    }
}

extension Key {
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace a member's keypair (officers): endorse the new card, re-wrap every slot the old key held, mark the old key superseded.",
            discussion: "Create the new key first with `safehouse key new` (same name and role). If the old key may be in hostile hands, use `safehouse team remove` instead: rotation re-wraps the same record keys, removal re-keys.")
        @Argument(help: "The member whose key is replaced (name or fingerprint prefix).") var member: String
        @Option(help: "The member's new card (NEW.key.pub).") var card: String
        @Flag(help: "Only list what would change.") var dryRun = false
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                let newCard = try MemberCard.parse(try readText(card, maxBytes: 64 << 10), object: card)
                let plan = try v.rotateMember(member, newCard: newCard, by: try id.unlock(auditIn: v), dryRun: dryRun)
                for p in plan { Output.print("\(p.action)\t\(p.type)\t\(p.objectID)") }
                if dryRun {
                    let m = try v.member(matching: member)
                    Output.note("dry run: would re-wrap \(plan.count) slot(s) of \(m.card.name) (\(m.fingerprint)) for the new key \(newCard.fingerprint) and mark the old key superseded; nothing was changed")
                } else {
                    Output.note("key rotated: \(plan.count) slot(s) re-wrapped; the old key is marked superseded")
                }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check a passphrase: unlock the key file and print its fingerprint.")
        @Argument(help: "The secret key file.") var file: String
        @Option(help: "Read the passphrase from this file (first line).") var passphraseFile: String?

        func run() throws {
            try guarded {
                let id = try IdentityOptions.parse(["--identity", file] + (passphraseFile.map { ["--passphrase-file", $0] } ?? [])).unlock(allowAgent: false)
                Output.print("fingerprint: \(id.fingerprint)")
            }
        }
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a vault: an HQ vault rooted in an officer (--identity), or a field vault from a team keyring (--team).")
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: "A team keyring exported at HQ (`safehouse team export`): creates a seal-only field vault.") var team: String?

    func run() throws {
        try guarded {
            if let team {
                let ring = try TeamKeyring.parse(try readText(team), object: team)
                // With --identity (or $SAFEHOUSE_IDENTITY) the vault is bound to its owner now,
                // so no offline edit of its trust state can go unnoticed; else at its first use.
                let owner = id.keyPath == nil ? nil : try id.unlock()
                let v = try Vault.createField(at: vault.path, keyring: ring, owner: owner)
                Output.note("field vault created at \(vault.path); it trusts root officer \(v.root)")
                if let by = ring.signedBy { Output.note("the keyring (serial \(ring.serial)) is signed by officer \(by)") }
                if let owner { Output.note("bound to your key \(owner.fingerprint)") }
                Output.hint("compare that fingerprint aloud with your security officer before sealing")
            } else {
                let path = try id.requirePath()
                let officer = try id.unlock()
                guard let card = officer.card else {
                    throw VaultError.missing(object: path + ".pub", hint: "the member card must sit next to the key file")
                }
                let v = try Vault.createHQ(at: vault.path, officer: officer, card: card)
                Output.note("HQ vault created at \(vault.path); root officer \(v.root)")
            }
        }
    }
}
