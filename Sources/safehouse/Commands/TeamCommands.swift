import ArgumentParser
import Foundation
import SafehouseVault

struct Team: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team",
        abstract: "Team members and the signed team keyring.",
        subcommands: [Add.self, Export.self, List.self, Remove.self, Update.self, Publish.self])

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Apply a newer team keyring from HQ to a field or editor vault (and bind the vault to your key).",
            discussion: "The keyring must be signed by an officer of the same team and root and carry a higher serial than the vault's; an older or equal one is refused (65). Prints one line per change: added, removed, or a status change.")
        @Argument(help: "The keyring exported at HQ (`safehouse team export`).") var teamfile: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Flag(help: "JSON output: {serial, changes: [{change: added|dropped|status, name, role, fingerprint, from, to}]}.") var json = false

        private struct ChangeJSON: Encodable { let change: String; let name: String; let role: String; let fingerprint: String; let from: String?; let to: String? }
        private struct UpdateJSON: Encodable { let serial: UInt64; let changes: [ChangeJSON] }

        func run() throws {
            try guarded {
                let v = try vault.open()
                let ring = try TeamKeyring.parse(try readText(teamfile), object: teamfile)
                let changes = try v.updateTeam(ring, by: try id.unlock(auditIn: v))
                if json {
                    return try Output.json(UpdateJSON(serial: UInt64(ring.serial), changes: changes.map { c in
                        let kind = c.kind == .added ? "added" : c.kind == .removed ? "dropped" : "status"
                        return ChangeJSON(change: kind, name: c.name, role: c.role, fingerprint: c.fingerprint.description,
                                          from: c.kind == .status ? c.from : nil, to: c.kind == .removed ? nil : c.to)
                    }))
                }
                for c in changes {
                    switch c.kind {
                    case .added: Output.print("added\t\(c.name)\t\(c.role)\t\(c.fingerprint)\t\(c.to ?? "")")
                    case .removed: Output.print("dropped\t\(c.name)\t\(c.role)\t\(c.fingerprint)")
                    case .status: Output.print("status\t\(c.name)\t\(c.role)\t\(c.fingerprint)\t\(c.from ?? "")->\(c.to ?? "")")
                    }
                }
                Output.note("keyring serial \(ring.serial) applied; \(changes.count) change(s); the vault is bound to your key")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a member (officers): delete their grants and re-key everything they could open.",
            discussion: "Re-keying gives each object a fresh key and body, so a copy of an old slot opens nothing new. Nothing can recall what the member already decrypted.")
        @Argument(help: "The member (name or fingerprint prefix).") var member: String
        @Flag(help: "Only list what would change.") var dryRun = false
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                let plan = try v.removeMember(member, by: try id.unlock(auditIn: v), dryRun: dryRun)
                for p in plan { Output.print("\(p.action)\t\(p.type)\t\(p.objectID)") }
                if dryRun {
                    let m = try v.member(matching: member)
                    Output.note("dry run: would remove \(m.card.name) (\(m.fingerprint)), delete their grants and re-key \(plan.count) object(s); nothing was changed")
                } else {
                    Output.note("member removed; \(plan.count) object(s) re-keyed")
                }
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a member card (officers only); the officer endorses it.")
        @Argument(help: "The member's card, FILE.pub.") var card: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                let c = try MemberCard.parse(try readText(card, maxBytes: 64 << 10), object: card)
                let officer = try id.unlock(auditIn: v)
                let m = try v.addMember(card: c, by: officer)
                Output.print("\(m.card.name) (\(m.card.role.rawValue)) \(m.fingerprint)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the team keyring (public keys and endorsements only).")
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Option(help: ArgumentHelp(OutputTarget.help("Where to write the keyring"))) var out: String
        @Flag(help: "Replace an existing file.") var force = false

        func run() throws {
            try guarded {
                let destination = try OutputTarget.destination(out, overwrite: force, what: "the keyring")
                let v = try vault.open()
                // The whole keyring is signed by the officer, so no member, serial or
                // `status:` line can be changed in transit.
                guard id.keyPath != nil else {
                    throw VaultError.usage("a keyring is signed by a security officer: pass --identity OFFICER_KEY")
                }
                try v.exportTeam(by: try id.unlock(auditIn: v), to: destination)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List members: name, role, fingerprint, status.")
        @OptionGroup var vault: VaultOption
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try guarded {
                let ms = try vault.open().members()
                if json {
                    let rows = ms.map { ["name": $0.card.name, "role": $0.card.role.rawValue, "fingerprint": $0.fingerprint.description, "status": $0.status] }
                    Output.print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    for m in ms { Output.print("\(m.fingerprint)  \(m.card.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(m.status.padding(toLength: 10, withPad: " ", startingAt: 0)) \(m.card.name)") }
                }
            }
        }
    }
}
