import ArgumentParser
import Foundation
import SafehouseCrypto
import SafehouseVault

/// `safehouse recovery split|combine`: k-of-n shares of a member's secret key (Docs/RECOVERY.md).
struct Recovery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract: "Split a member's secret key into k-of-n shares for trustees, and rebuild it from them.",
        discussion: "Any K trustees together hold the member's full key: choose trustees who live and work in different places. See Docs/RECOVERY.md.",
        subcommands: [Split.self, Combine.self])

    /// `--vault DIR` for recovery: optional, and only when given is the action audited.
    /// $SAFEHOUSE_VAULT is deliberately not used: recovery often happens away from any vault.
    static func openVault(_ path: String?) throws -> Vault? { try path.map { try Vault.open(at: $0) } }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Write N share files, any K of which rebuild the key; prints their paths.",
            discussion: "Needs the member card (KEY.pub) next to the key, or --vault where the member is registered: name and role are written on each share.")
        @OptionGroup var id: IdentityOptions
        @Option(help: "How many shares to make (N, at most 255).") var shares: Int
        @Option(help: "How many shares rebuild the key (K, at least 2, at most N).") var threshold: Int
        @Option(name: .customLong("out-dir"), help: "Folder for share-1-of-N.txt … (created if missing).") var outDir: String
        @Option(help: "A vault to record the split in (audit entry recovery-split).") var vault: String?
        @Flag(help: "Replace existing share files.") var force = false

        func validate() throws {
            guard threshold >= 2 else { throw ValidationError("--threshold must be at least 2 (one share alone must not rebuild the key)") }
            guard threshold <= shares else { throw ValidationError("--threshold (\(threshold)) cannot exceed --shares (\(shares))") }
            guard shares <= 255 else { throw ValidationError("--shares can be at most 255") }
        }

        func run() throws {
            try guarded {
                let v = try Recovery.openVault(vault)
                let path = try id.requirePath()
                let me = try id.unlock(auditIn: v, allowAgent: false)  // splitting needs the secret key itself
                let card = try me.card ?? v.flatMap { vault in
                    try vault.members().first { $0.fingerprint == me.fingerprint }?.card
                }
                guard let card else {
                    throw VaultError.missing(object: path + ".pub",
                                             hint: "the member card must sit next to the key file (or give --vault where this member is registered)")
                }
                let made = try KeyRecovery.split(me, card: card, threshold: threshold, count: shares)
                // Fail closed: when a vault is given, the split is on record before any share has a name.
                let paths = try KeyRecovery.writeShares(made, to: outDir, overwrite: force) {
                    try v?.auditRecovery(action: "recovery-split", identity: me, threshold: threshold, total: shares)
                }
                for p in paths { Output.print(p) }
                Output.note("\(shares) shares written; any \(threshold) of them rebuild the key of \(card.name) (\(me.fingerprint))")
                Output.hint("give each share to a different trustee on paper, then delete the files (`shred -u`)")
            }
        }
    }

    struct Combine: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "combine",
            abstract: "Rebuild a key from K shares into a new key file under a new passphrase.",
            discussion: "Writes NEWKEY (0600) and NEWKEY.pub. Every share is checked before combining; the rebuilt key must match the fingerprint written on the shares.")
        @Argument(help: "Share files (at least the threshold written on them).") var shareFiles: [String]
        @Option(help: "Where to write the new secret key file.") var out: String
        @Option(help: "Passphrase hashing cost for the new file: interactive | moderate | sensitive.") var kdf: PasswordHash.Cost = .moderate
        @Option(help: "Read the new passphrase from this file (first line). $SAFEHOUSE_PASSPHRASE takes precedence.") var passphraseFile: String?
        @Option(help: "A vault to record the recovery in (audit entry recovery-combine).") var vault: String?
        @Flag(help: "Replace existing output files.") var force = false

        func run() throws {
            try guarded {
                let v = try Recovery.openVault(vault)
                let shares = try shareFiles.map { try KeyRecovery.readShare(path: $0) }
                let me = try KeyRecovery.combine(shares)
                if !force {
                    for p in [out, out + ".pub"] where FileManager.default.fileExists(atPath: p) {
                        throw VaultError.cannotCreate(object: p, hint: "it exists; pass --force to replace it")
                    }
                }
                let pass = try Passphrase.obtain(file: passphraseFile, prompt: "New passphrase for \(out): ", confirm: true)
                try v?.auditRecovery(action: "recovery-combine", identity: me, threshold: shares[0].threshold, total: shares[0].total)
                try KeyRecovery.writeKey(me, to: out, passphrase: pass, cost: kdf, overwrite: force)
                Output.print("\(out).pub: \(me.card?.name ?? "") (\(me.card?.role.rawValue ?? ""))")
                Output.print("fingerprint: \(me.fingerprint)")
                Output.hint("the shares still rebuild this key: keep them with the trustees, or split again and destroy the old ones")
            }
        }
    }
}
