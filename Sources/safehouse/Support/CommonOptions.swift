import ArgumentParser
import Foundation
import SafehouseCrypto
import SafehouseVault

/// `--vault DIR`: default `$SAFEHOUSE_VAULT`, then `~/.local/share/safehouse/vault`.
struct VaultOption: ParsableArguments {
    @Option(name: .long, help: "The vault directory (default: $SAFEHOUSE_VAULT, then ~/.local/share/safehouse/vault).")
    var vault: String?

    var path: String { Self.resolve(vault) }

    /// The vault path: explicit, else `$SAFEHOUSE_VAULT`, else the per-user default.
    static func resolve(_ vault: String?) -> String {
        if let vault { return vault }
        let env = ProcessInfo.processInfo.environment
        if let v = env["SAFEHOUSE_VAULT"], !v.isEmpty { return v }
        let base = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/share")
        return base + "/safehouse/vault"
    }

    func open() throws -> Vault { try Self.open(vault) }

    /// Opens the vault `--vault` names (or the default); when there is none, the
    /// hint says which path was tried and why, and how to name the right one.
    static func open(_ vault: String?) throws -> Vault {
        let path = resolve(vault)
        do { return try Vault.open(at: path) } catch VaultError.missing(let object, _) where object == "vault \(path)" {
            let create = "create one with `safehouse init --vault \(path) …`"
            let hint: String
            if vault != nil {
                hint = "check the --vault path, or \(create)"
            } else if let env = ProcessInfo.processInfo.environment["SAFEHOUSE_VAULT"], !env.isEmpty {
                hint = "$SAFEHOUSE_VAULT names it: set it to your vault's folder or pass --vault DIR (or \(create))"
            } else {
                hint = "no --vault was given and $SAFEHOUSE_VAULT is not set, so the per-user default was tried: "
                    + "pass --vault DIR (e.g. --vault hq) or set SAFEHOUSE_VAULT=DIR"
            }
            throw VaultError.missing(object: object, hint: hint)
        }
    }
}

/// `--identity FILE` and `--passphrase-file FILE`.
struct IdentityOptions: ParsableArguments {
    @Option(name: .long, help: "Your secret key file (default: $SAFEHOUSE_IDENTITY).")
    var identity: String?

    @Option(name: .long, help: "Read the passphrase from this file (first line). $SAFEHOUSE_PASSPHRASE takes precedence.")
    var passphraseFile: String?

    @Flag(name: .long, help: "Ask for the passphrase even if a key agent holds this key (also: SAFEHOUSE_NO_AGENT=1).")
    var noAgent = false

    var keyPath: String? {
        if let identity { return identity }
        if let v = ProcessInfo.processInfo.environment["SAFEHOUSE_IDENTITY"], !v.isEmpty { return v }
        return nil
    }

    func requirePath() throws -> String {
        guard let p = keyPath else { throw VaultError.usage("no key given: pass --identity FILE or set SAFEHOUSE_IDENTITY") }
        return p
    }

    /// Unlocks the key; a wrong passphrase is audited in `vault` (if given) and refused with 77.
    /// A running key agent for this key is used unless `allowAgent` is false
    /// (commands that need the secret key itself) or --no-agent was given.
    func unlock(auditIn vault: Vault? = nil, allowAgent: Bool = true) throws -> Identity {
        let path = try requirePath()
        let header = try KeyFile.readHeader(path: path)
        let card = (try? readText(path + ".pub")).flatMap { try? MemberCard.parse($0, object: path + ".pub") }
        let env = ProcessInfo.processInfo.environment["SAFEHOUSE_NO_AGENT"] ?? ""
        if allowAgent, !noAgent, env.isEmpty || env == "0" {
            do {
                if let agent = try KeyAgentClient.connect(for: header.fingerprint) {
                    // `safehouse agent start` unlocked this key earlier; it signs and opens slots for us.
                    return Identity(agent: agent, card: card?.fingerprint == header.fingerprint ? card : nil)
                }
            } catch let e as VaultError {
                // An agent directory we cannot trust is ignored, not fatal: ask for the passphrase.
                Output.note("not using the key agent: \(e.message)")
            }
        }
        let pass = try Passphrase.obtain(file: passphraseFile, prompt: "Passphrase for \(path): ", confirm: false)
        let matching = card?.fingerprint == header.fingerprint ? card : nil
        if let vault { return try vault.unlock(keyFile: path, passphrase: pass, card: matching) }
        return try KeyFile.unlock(path: path, passphrase: pass, card: matching)
    }
}

func readText(_ path: String, maxBytes: Int = 16 << 20) throws -> String {
    guard FileManager.default.fileExists(atPath: path) else { throw VaultError.missing(object: path, hint: "check the path") }
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: path), let size = attrs[.size] as? Int, size <= maxBytes,
          let data = FileManager.default.contents(atPath: path) else {
        throw VaultError.badData(object: path, hint: "the file cannot be read or is too large")
    }
    guard let s = String(data: data, encoding: .utf8) else { throw VaultError.badData(object: path, hint: "it is not UTF-8 text") }
    return s
}
